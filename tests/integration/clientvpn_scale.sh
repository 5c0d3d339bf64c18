#!/usr/bin/env bash
# Namespaces (root): 50 stock openvpn clients, each in its own namespace, connect at once to one
# `vpngw clientvpn serve` endpoint in full-tunnel mode (redirect-gateway) and each pings the VPC
# host through the tunnel. Checks: all 50 connect within 60 s with distinct addresses from the
# client CIDR; every ping is answered; the VPC host sees only the ENI's address; ctl lists 50
# active connections; the connection log has 50 successful attempts. Prints handshake timing.
# Topology: tests/integration/client_vpn.sh.
CVPN_TEST=cs
source "$(dirname "$0")/clientvpn_common.sh"
N=${CLIENTS:-50}

cvpn_create "$CVPN_P" "$WORK"
cvpn_config "$WORK/endpoint.toml" false
cvpn_start "$VPNGW"
for i in $(seq "$N"); do cvpn_add_client "c$i" "" "$i" >/dev/null; done
# Client VPN allows 0.0.0.0/0 only with a route and a rule: this endpoint has neither, so
# full tunnel still reaches only the VPC (which is what we check).
start=$(date +%s.%N)
for i in $(seq "$N"); do cvpn_connect "c$i"; done
for i in $(seq "$N"); do cvpn_wait_connected "c$i" 60 || fail "client c$i did not connect within 60 s"; done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
printf "%d clients connected in %.1f s\n" "$N" "$elapsed"

[ "$(ctl --json connections | jq '[.Connections[] | select(.Status == "active")] | length')" = "$N" ] ||
  fail "ctl connections does not list $N active connections"
[ "$(ctl --json connections | jq '[.Connections[].ClientIp] | unique | length')" = "$N" ] || fail "addresses are not distinct"
routes=$(cvpn_in c1 ip route)
grep -q "^0.0.0.0/1 via 172.16.0.1" <<<"$routes" || fail "full tunnel: no 0.0.0.0/1 route via the tunnel"

capture_start sub1 "$WORK/vpc.pcap" icmp
pids=()
for i in $(seq "$N"); do
  cvpn_in "c$i" ping -c 2 -i 0.3 -W 3 10.0.1.20 >"$WORK/ping-$i.txt" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed=$((failed + 1)); done
[ "$failed" = 0 ] || fail "$failed of $N clients lost pings"
capture_stop
from_eni=$(tcpdump -nr "$WORK/vpc.pcap" 'icmp[icmptype] == icmp-echo and src host 10.0.1.10' 2>/dev/null | wc -l)
others=$(tcpdump -nr "$WORK/vpc.pcap" 'icmp[icmptype] == icmp-echo and not src host 10.0.1.10' 2>/dev/null | wc -l)
[ "$from_eni" -ge $((2 * N)) ] && [ "$others" = 0 ] || fail "VPC saw $from_eni echo requests from the ENI, $others from elsewhere"
[ "$(jq -s '[.[] | select(."connection-attempt-status" == "successful")] | length' "$WORK/connections.jsonl")" = "$N" ] ||
  fail "connection log does not have $N successful attempts"
ctl --json stats | jq -c '{connections, handshakes, handshake_failures, rx: .inbound.rx_packets, tx: .outbound.tx_packets}'
echo "PASS"
