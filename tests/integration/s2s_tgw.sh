#!/usr/bin/env bash
# Namespaces (root): the Site-to-Site lab with a transit gateway and two VPC attachments
# (lab/s2s.sh tgw), the customer gateway active/active (BGP multipath). Checks: on-prem reaches
# both VPCs; the customer gateway spreads 16 flows towards the VPC over both tunnels (TunnelDataIn
# grows on each AWS endpoint); the transit gateway installs its route
# towards on-prem with both tunnels as next hops (VpnEcmpSupport) and spreads 16 UDP flows from
# the VPC over both tunnels (TunnelDataOut grows on each); after one endpoint is killed, every
# flow leaves through the other; TunnelState/TunnelDataOut as Prometheus text on the router's
# loopback follow both.
S2S_TEST=s2stgw
source "$(dirname "$0")/s2s_common.sh"

S2S_SITE_TO_SITE="customer_multipath = true" s2s_up "$P" "$VPNGW" "$WORK" tgw
s2s_in "$P" onprem ping -c 2 -i 0.2 -W 2 10.1.0.10 >/dev/null || fail "on-prem -> VPC 1"
s2s_in "$P" onprem ping -c 2 -i 0.2 -W 2 10.2.0.10 >/dev/null || fail "on-prem -> VPC 2"
s2s_wait 10 "both tunnels as next hops" bash -c "\"$VPNGW\" ctl -s /run/vpngw/$P-vgw.sock --json vgw | jq -e '.routes[0].via | length == 2'"
s2s_in "$P" vgw ip route show 10.0.0.0/16
"$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" vgw

used=$(tunnels_used TunnelDataOut 500 vpc 10.1.0.10 10.0.0.10 7000)
[ "$used" = 2 ] || fail "16 flows used $used tunnel(s); a transit gateway with ECMP spreads them over both"

echo "== the customer gateway active/active: 16 flows on-prem -> VPC over both tunnels"
used=$(tunnels_used TunnelDataIn 500 onprem 10.0.0.10 10.1.0.10 7100)
[ "$used" = 2 ] || fail "16 flows on-prem -> VPC used $used tunnel(s); multipath at the customer gateway spreads them"

echo "== CloudWatch's metrics as Prometheus text on the gateway router's loopback"
metrics=$(s2s_in "$P" vgw curl -sf http://127.0.0.1:9105/metrics) || fail "no /metrics"
echo "$metrics" | grep -E '^aws_vpn_tunnel_(state|data_out)'
echo "$metrics" | grep -q '^aws_vpn_tunnel_state{gateway="'"$P"'-vgw",tunnel="vpn-1-tunnel1",tunnel_ip_address="198.51.100.11"} 1$' ||
  fail "TunnelState of tunnel 1"
out1=$(echo "$metrics" | awk '/^aws_vpn_tunnel_data_out_bytes_total.*tunnel1/ {print $2}')
[ "$out1" -ge 500 ] || fail "TunnelDataOut of tunnel 1 is $out1"
s2s_in "$P" vgw curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9105/other | grep -q 404 || fail "unknown path not 404"

echo "== endpoint of tunnel 1 killed: every flow through tunnel 2"
kill -KILL "$(cat "$WORK/t1.pid")"
s2s_wait 5 "the route to lose tunnel 1" bash -c "\"$VPNGW\" ctl -s /run/vpngw/$P-vgw.sock --json vgw | jq -e '.routes[0].via == [\"vpn-1-tunnel2\"]'"
before=$(vgw | jq '.tunnels[1].TunnelDataOut')
flows vpc 10.1.0.10 10.0.0.10 7000
after=$(vgw | jq '.tunnels[1].TunnelDataOut')
[ $((after - before)) -ge $((16 * 50 * 100)) ] || fail "tunnel 2 carried $((after - before)) bytes of 80000"
tunnel1_state() { s2s_in "$P" vgw curl -sf http://127.0.0.1:9105/metrics | awk '/^aws_vpn_tunnel_state.*tunnel1/ {print $2}'; }
[ "$(tunnel1_state)" = 0 ] || fail "TunnelState of the dead tunnel is $(tunnel1_state)"
echo "PASS"
