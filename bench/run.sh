#!/usr/bin/env bash
# `vpngw bench` runs this: the data-plane comparison and the failover measurement in one run on
# this machine, one table with ratios, JSON and a picture.
#
#   data plane   bench/e2e.sh: iperf3 between two namespaces through no tunnel (veth), vpngw,
#                wireguard-go, OpenVPN and strongSwan with kernel-libipsec (TCP 1 and 4 streams,
#                UDP 64-byte packets), REPS runs of BENCH_SECONDS each: median [min-max], x vpngw
#   failover     `vpngw lab failover`: the Site-to-Site lab under a 1000 pps stream, the active AWS
#                endpoint killed, detection by BFD (300 ms x 3) and by the BGP hold timer
#
# Usage: vpngw bench [--quick] [--out DIR] [--no-failover]
#   --quick        1 run of 2 s per test, failover by BFD only (a smoke run: numbers are rough)
#   --out DIR      where bench.json, bench.svg, dataplane.json and failover/ go (default ./vpngw-bench-*)
# Writes DIR/bench.json (everything), DIR/bench.svg (throughput bars and the failover picture).
# Needs root. Compare numbers only within one run on one machine.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${VPNGW_BIN:-$HERE/../build/vpngw}
OUT=$PWD/vpngw-bench-$(date +%Y%m%d-%H%M%S)
QUICK="" FAILOVER=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --no-failover) FAILOVER=""; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "vpngw bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "vpngw bench: needs root (namespaces)" >&2; exit 1; }
mkdir -p "$OUT"
if [ -n "$QUICK" ]; then
  export REPS=1 BENCH_SECONDS=2
  methods=bfd
else
  export REPS=${REPS:-3} BENCH_SECONDS=${BENCH_SECONDS:-5}
  methods=bfd,bgp
fi
echo "== data plane: no tunnel, vpngw, wireguard-go, OpenVPN, strongSwan (kernel-libipsec); $REPS x ${BENCH_SECONDS}s per test"
VPNGW_BENCH_BIN=$BIN "$HERE/e2e.sh" --json "$OUT/dataplane.json" | tee "$OUT/dataplane.txt"
if [ -n "$FAILOVER" ]; then
  echo
  echo "== failover: the Site-to-Site lab, active endpoint killed, detection by ${methods//,/ and }"
  "$BIN" lab failover --methods "$methods" --faults kill --out "$OUT/failover" | tee "$OUT/failover.txt"
fi
python3 "$HERE/chart.py" "$OUT"
echo
echo "written: $OUT/bench.json $OUT/bench.svg (and dataplane.json, failover/)"
