#!/usr/bin/env bash
# The default demo (README): the Site-to-Site lab end to end. A VPN connection with AWS's defaults
# (random inside CIDRs and keys) is built from namespaces and vpngw processes: an on-prem host, a
# vpngw customer gateway, the two AWS tunnel endpoints (one per AZ), the VGW router and a VPC host.
# Then traffic across the tunnels, a measured failover (BFD 300 ms x 3, the active endpoint's link
# cut under a 1000 pps stream), a maintenance replacement without loss, the AWS-side metrics, and
# then the Client VPN lab: stock OpenVPN clients through the endpoint, the NAT proof (the VPC host
# sees only the ENI's address), authorization by group; a summary page (report.html: tables and
# the failover picture, written with everything else to DEMO_OUT); everything torn down. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo.sh: run as root" >&2; exit 1; fi
./scripts/setup.sh >/dev/null
echo "== building vpngw"
./scripts/build.sh vpngw >/dev/null
BIN=$PWD/build/vpngw
source lab/s2s.sh
source lab/failover.sh
OUT=${DEMO_OUT:-$(mktemp -d /tmp/vpngw-demo.XXXXXX)}
trap 'echo "== lab down"; "$BIN" lab down' EXIT

echo "== measured failover: BFD inside the tunnels, the active AWS endpoint's outside link cut"
s2s_failover lab "$BIN" "$OUT/failover" bfd linkdown
echo
echo "== the lab, after the failover and the link's return"
s2s_status lab "$BIN" | tee "$OUT/s2s-status.txt"
echo
echo "== ping and one TCP stream on-prem -> VPC (iperf3, 5 s)"
s2s_in lab onprem ping -c 3 -i 0.2 10.1.0.10 | tail -2
s2s_in lab vpc iperf3 -s -1 -D -B 10.1.0.10 >/dev/null
sleep 0.5
s2s_in lab onprem iperf3 -c 10.1.0.10 -t 5 -f m | grep -E "sender|receiver" | tee "$OUT/iperf.txt"
echo
echo "== maintenance: vpngw ctl tunnel replace on the tunnel the customer gateway uses"
"$BIN" ctl -s /run/vpngw/lab-vgw.sock tunnel replace "vpn-1-$(s2s_active_tunnel "$BIN")"
echo
echo "== CloudWatch's metrics, as Prometheus text on the VGW router's loopback"
s2s_in lab vgw curl -s http://127.0.0.1:9105/metrics | grep '^aws_vpn'
echo
echo "== failover summary"
"$BIN" stream report --run "$(cat "$OUT/failover/run.spec")" --json "$OUT/failover.json" --svg "$OUT/failover.svg"
echo "picture: $OUT/failover.svg   all runs of every method: vpngw lab failover"
echo
echo "== Client VPN: vpngw lab up clientvpn (endpoint, ENIs in two VPC subnets, stock openvpn clients)"
"$BIN" lab up clientvpn
echo
echo "== the NAT proof: alice pings the VPC host; the host's capture shows only the ENI's address"
"$BIN" lab exec vpc -- timeout 5 tcpdump -lni sub1 -c 2 icmp 2>/dev/null | tee "$OUT/nat-proof.txt" &
CAPTURE=$!
sleep 1
"$BIN" lab exec alice -- ping -c 2 -i 0.3 10.0.1.20 | tail -2
wait $CAPTURE || true
echo
echo "== authorization: subnet 2 is for group admins only"
{
  "$BIN" lab exec alice -- ping -c 1 -W 1 10.0.2.20 >/dev/null && echo "alice -> 10.0.2.20: reached (unexpected)" || echo "alice -> 10.0.2.20: dropped (no rule for her group)"
  "$BIN" lab exec bob -- ping -c 1 -W 2 10.0.2.20 >/dev/null && echo "bob (admins) -> 10.0.2.20: reached" || echo "bob -> 10.0.2.20: failed"
} | tee "$OUT/authz.txt"
echo
"$BIN" lab status
"$BIN" ctl -s /run/vpngw-lab/work/endpoint.sock --json connections >"$OUT/cvpn.json"
python3 lab/report.py "$OUT" >"$OUT/report.html"
echo
echo "report: $OUT/report.html (tables, the failover picture, the NAT proof)"
