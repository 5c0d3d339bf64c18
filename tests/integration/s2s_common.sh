# Sourced by the Site-to-Site namespace tests: $VPNGW from the first argument, the lab library,
# a work directory, namespaces named "$S2S_TEST$$-..." removed on exit (KEEP=1 keeps the work
# directory in /tmp/$S2S_TEST-debug), fail, and helpers that ask the AWS gateway router.
set -euo pipefail
VPNGW=$(realpath "$1")
S2S_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$S2S_TEST_DIR/../../lab/s2s.sh"
WORK=$(mktemp -d "/tmp/vpngw-$S2S_TEST.XXXXXX")
P="$S2S_TEST$$"
cleanup() {
  s2s_down "$P"
  [ -n "${KEEP:-}" ] && cp -r "$WORK" "/tmp/$S2S_TEST-debug"; rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 20 "$WORK"/cgw.log "$WORK"/vgw.log "$WORK"/*/cgw.log "$WORK"/*/t1.log "$WORK"/*/vgw.log >&2 2>/dev/null || true
  exit 1
}
vgw() { "$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" --json vgw; }

# 16 UDP flows (source ports FIRST_PORT..+15), 50 datagrams each: NODE SRC DST FIRST_PORT.
# Paced at about 2000 datagrams/s: an unpaced burst of 800 into one tunnel overflows the endpoint's
# TUN queue on a busy 2-core CI box (seen in CI: 577 of 800 arrived), and these tests measure
# where flows go, not burst capacity.
flows() {
  s2s_in "$P" "$1" python3 - "$2" "$3" "$4" <<'PY'
import socket, sys, time
src, dst, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
for port in range(first, first + 16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, port))
    for _ in range(50):
        s.sendto(b"x" * 100, (dst, 9))
        time.sleep(0.0005)
    s.close()
PY
  sleep 1.5
}

# Sends 16 flows (as `flows`) and prints how many of the two tunnels carried at least MIN bytes
# of them by the gateway router's FIELD (TunnelDataIn or TunnelDataOut):
#   tunnels_used FIELD MIN NODE SRC DST FIRST_PORT
tunnels_used() {
  local field=$1 min=$2 before after
  shift 2
  before=$(vgw | jq "[.tunnels[].$field]")
  flows "$@"
  after=$(vgw | jq "[.tunnels[].$field]")
  echo "$field before $before after $after" >&2
  jq -n --argjson a "$before" --argjson b "$after" --argjson min "$min" '[range(0; 2) | select($b[.] - $a[.] >= $min)] | length'
}
