#!/usr/bin/env bash
# Namespaces (root): the Site-to-Site lab with a static VPN connection (StaticRoutesOnly, no BGP).
# Checks: both tunnels up without BGP; ping both ways; the VGW routes the connection's static
# route through one tunnel; TunnelState is 1 for both (IPsec up); when that tunnel's endpoint is
# killed the VGW moves the static route to the other tunnel within a second and VPC -> on-prem
# traffic arrives through it (the customer gateway accepts on either tunnel).
S2S_TEST=s2sstatic
source "$(dirname "$0")/s2s_common.sh"

s2s_up "$P" "$VPNGW" "$WORK" static
"$VPNGW" ctl -g cgw-1 bgp summary >/dev/null 2>&1 && fail "a static connection runs BGP"
s2s_in "$P" onprem ping -c 2 -i 0.2 -W 2 10.1.0.10 >/dev/null || fail "on-prem -> VPC"
s2s_in "$P" vpc ping -c 2 -i 0.2 -W 2 10.0.0.10 >/dev/null || fail "VPC -> on-prem"
"$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" vgw
[ "$(vgw | jq -c '[.tunnels[].TunnelState]')" = "[1,1]" ] || fail "TunnelState of a static VPN follows IPsec"
via=$(vgw | jq -r '.routes[] | select(.prefix == "10.0.0.0/16") | .via | join(",")')
case $via in vpn-1-tunnel1|vpn-1-tunnel2) ;; *) fail "static route via '$via'" ;; esac
node=${via#vpn-1-tunnel}
other=$([ "$node" = 1 ] && echo 2 || echo 1)

echo "== endpoint of $via killed: the static route moves to tunnel $other"
kill -KILL "$(cat "$WORK/t$node.pid")"
s2s_wait 3 "the static route on tunnel $other" bash -c \
  "\"$VPNGW\" ctl -s /run/vpngw/$P-vgw.sock --json vgw | jq -e '.routes[0].via == [\"vpn-1-tunnel$other\"]'"
s2s_in "$P" onprem "$VPNGW" stream recv --bind 10.0.0.10 --port 5300 --seconds 5 -o "$WORK/static.csv" >/dev/null &
recv=$!
sleep 0.3
s2s_in "$P" vpc "$VPNGW" stream send --to 10.0.0.10 --port 5300 --pps 500 --seconds 2 >"$WORK/static.sent"
wait $recv
got=$(wc -l <"$WORK/static.csv")
[ "$got" -ge 990 ] || fail "only $got of 1000 VPC -> on-prem packets arrived through tunnel $other"
echo "PASS"
