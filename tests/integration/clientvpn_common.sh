# Sourced by the Client VPN namespace tests: $1 is the vpngw binary; sets VPNGW, WORK (removed at
# exit), CVPN_P (namespace prefix, unique per test run) and CVPN_VPNGW, traps cleanup (every
# namespace of this run goes, even on failure), and defines fail (prints the endpoint's and the
# clients' log tails) and ctl (vpngw ctl on the endpoint's socket). Set CVPN_TEST first (a short
# name: it prefixes the namespaces and the work directory).
set -euo pipefail
VPNGW=$(realpath "$1")
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/client_vpn.sh"
WORK=$(mktemp -d "/tmp/vpngw-$CVPN_TEST.XXXXXX")
CVPN_P=$CVPN_TEST$$
CVPN_VPNGW=$VPNGW
cleanup() { cvpn_down; rm -rf "$WORK"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 30 "$WORK"/endpoint.log "$WORK"/*.log >&2 2>/dev/null || true
  exit 1
}
ctl() { cvpn_in cvpn "$VPNGW" ctl -s "$WORK/endpoint.sock" "$@"; }

# capture_start IFACE FILE FILTER...: tcpdump on the VPC host, returning once it listens (a fixed
# sleep is not enough on a busy CI box); capture_stop ends it after its last packet is written.
# Immediate mode: without it the kernel hands packets over a block (up to a second) at a time, and
# a capture stopped right after a burst misses its end. `ip netns exec` execs tcpdump, so $! is
# tcpdump itself, which SIGINT makes flush and exit.
capture_start() {
  local iface=$1 file=$2
  shift 2
  ip netns exec "$(cvpn_ns vpc)" tcpdump --immediate-mode -U -ni "$iface" -w "$file" "$@" 2>"$file.err" &
  CAPTURE_PID=$!
  local i
  for i in $(seq 100); do grep -q "listening on" "$file.err" 2>/dev/null && return 0; sleep 0.1; done
  fail "tcpdump did not start on $iface"
}
capture_stop() {
  sleep 0.5
  kill -INT "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
}
