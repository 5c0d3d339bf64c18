# Sourced by the namespace tests that run BIRD 2 as the customer gateway behind the two-gateway
# lab (lab/two_gateways.sh): $VPNGW from the first argument, a work directory named after
# $BIRD_TEST, cleanup on exit (BIRD resumed and stopped, lab down), `ctl` for gw-left's socket,
# `birdc_`, `wait_for` and `start_bird`. Each test defines its own `fail` with its diagnostics.
set -euo pipefail
VPNGW=$(realpath "$1")
BIRD_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BIRD_TEST_DIR/../../lab/two_gateways.sh"
WORK=$(mktemp -d "/tmp/vpngw-$BIRD_TEST.XXXXXX")
BIRD_PID=""
cleanup() {
  [ -n "$BIRD_PID" ] && { kill -CONT "$BIRD_PID" 2>/dev/null; kill "$BIRD_PID" 2>/dev/null; } || true
  lab_down
  rm -rf "$WORK"
}
trap cleanup EXIT
ctl() { "$VPNGW" ctl --socket "$LAB_DIR/left.sock" "$@"; }
birdc_() { lab_exec gr birdc -s "$WORK/bird.ctl" "$@"; }
# wait_for SECONDS DESCRIPTION COMMAND...: polls (every $WAIT_POLL s, default 0.2) until the command succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $what"
    sleep "${WAIT_POLL:-0.2}"
  done
}
# BIRD in gw-right with $WORK/bird.conf; BIRD_PID is bird itself (it runs in the foreground under
# `ip netns exec`: signals must reach bird, not the wrapper).
start_bird() {
  lab_exec gr bird -c "$WORK/bird.conf" -s "$WORK/bird.ctl" -P "$WORK/bird.pid" -f >"$WORK/bird.out" 2>&1 &
  BIRD_PID=$!
  wait_for 10 "BIRD control socket" test -S "$WORK/bird.ctl"
  wait_for 5 "BIRD pid file" test -s "$WORK/bird.pid"
  BIRD_PID=$(cat "$WORK/bird.pid")
}
