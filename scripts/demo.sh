#!/usr/bin/env bash
# The default demo (README): the default lab end to end (lab/topologies/default.toml). One VPN
# connection with AWS's defaults (random inside CIDRs and keys) between a vpngw customer gateway and
# the two AWS tunnel endpoints (one per AZ) with the VGW router, and a Client VPN endpoint whose ENI
# sits in the same VPC subnet, with stock OpenVPN clients alice and bob (group admins). Then
# traffic, a measured failover (BFD 300 ms x 3, the active endpoint's link cut under a 1000 pps
# stream), a maintenance replacement without loss, the AWS-side metrics, the NAT proof (the VPC
# host and the on-prem host see only the ENI's address), authorization by group, a summary page
# (report.html with the failover picture, in DEMO_OUT), everything torn down. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo.sh: run as root" >&2; exit 1; fi
./scripts/setup.sh >/dev/null
echo "== building vpngw"
./scripts/build.sh vpngw >/dev/null
BIN=$PWD/build/vpngw
source lab/s2s.sh
OUT=${DEMO_OUT:-$(mktemp -d /tmp/vpngw-demo.XXXXXX)}
WORK=/run/vpngw-lab/work
trap 'echo "== lab down"; "$BIN" lab down' EXIT
on() { "$BIN" lab exec "$@"; }

echo "== vpngw lab up: the default lab"
"$BIN" lab up
echo
echo "== ping and one TCP stream on-prem -> VPC through the tunnels (iperf3, 5 s)"
on onprem -- ping -c 3 -i 0.2 10.1.0.10 | tail -2
on vpc -- iperf3 -s -1 -D -B 10.1.0.10 >/dev/null
sleep 0.5
on onprem -- iperf3 -c 10.1.0.10 -t 5 -f m | grep -E "sender|receiver" | tee "$OUT/iperf.txt"
echo
echo "== measured failover: BFD inside the tunnels, the active AWS endpoint's outside link cut"
"$BIN" lab failover --running --label "bfd / linkdown" --fault linkdown
cp "$WORK/arrivals.csv" "$OUT/failover-arrivals.csv"
sed "s|$WORK/arrivals.csv|$OUT/failover-arrivals.csv|" "$WORK/run.spec" >"$OUT/failover.spec"
echo
echo "== maintenance: vpngw ctl tunnel replace on the tunnel the customer gateway uses"
"$BIN" ctl -s /run/vpngw/lab-vgw.sock tunnel replace "vpn-1-$(s2s_active_tunnel "$BIN")"
echo
echo "== CloudWatch's metrics, as Prometheus text on the VGW router's loopback"
on vgw -- curl -s http://127.0.0.1:9105/metrics | grep '^aws_vpn'
echo
echo "== failover summary"
"$BIN" stream report --run "$(cat "$OUT/failover.spec")" --json "$OUT/failover.json" --svg "$OUT/failover.svg"
echo "picture: $OUT/failover.svg   all runs of every method: vpngw lab failover"
echo
# A capture in NODE on eth0 while CMD runs: the first two ICMP packets it sees.
capture_during() {
  local node=$1 out=$2
  shift 2
  on "$node" -- timeout 5 tcpdump -lni eth0 -c 2 icmp 2>/dev/null >"$out" &
  local pid=$!
  sleep 1
  "$@" | tail -2
  wait "$pid" || true
  cat "$out"
}
echo "== Client VPN, the NAT proof: alice pings the VPC host; its capture shows only the ENI's address"
capture_during vpc "$OUT/nat-proof.txt" on alice -- ping -c 2 -i 0.3 10.1.0.10
echo
echo "== bob (admins) reaches on-prem through the VPC and the Site-to-Site VPN; on-prem sees the ENI"
capture_during onprem "$OUT/nat-proof-onprem.txt" on bob -- ping -c 2 -i 0.3 10.0.0.10
echo
echo "== authorization: on-prem (10.0.0.0/16) is for group admins only"
{
  on alice -- ping -c 1 -W 1 10.0.0.10 >/dev/null && echo "alice -> on-prem 10.0.0.10: reached (unexpected)" || echo "alice -> on-prem 10.0.0.10: dropped (no rule for her group)"
  on bob -- ping -c 1 -W 2 10.0.0.10 >/dev/null && echo "bob (admins) -> on-prem 10.0.0.10: reached" || echo "bob -> on-prem 10.0.0.10: failed"
  on alice -- ping -c 1 -W 2 10.1.0.10 >/dev/null && echo "alice -> VPC 10.1.0.10: reached" || echo "alice -> VPC 10.1.0.10: failed"
} | tee "$OUT/authz.txt"
echo
"$BIN" lab report --out "$OUT"
