#!/usr/bin/env bash
# Namespaces (root): the Client VPN endpoint with transport = "tcp" and Debian's openvpn 2.6
# client with the exported file (proto tcp). Checks: the client connects; ping and a 2 MB TCP
# transfer reach the VPC host from the ENI's address; `ctl connections` shows the client's real
# address (not the relay's); the connection log says tcp; when the client goes away its TCP
# connection's end ends the session at once. Topology: tests/integration/client_vpn.sh.
CVPN_TEST=ct
source "$(dirname "$0")/clientvpn_common.sh"

cvpn_create "$CVPN_P" "$WORK"
cvpn_config "$WORK/endpoint.toml" true 'transport = "tcp"'
cvpn_start "$VPNGW"
cvpn_add_client alice "" 1
grep -q "^proto tcp$" "$WORK/alice.ovpn" || fail "exported file does not say proto tcp"
cvpn_in vpc socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'wc -c' >/dev/null 2>&1 &

cvpn_connect alice
cvpn_wait_connected alice 20 || fail "alice did not connect over TCP"
grep -q "TCP connection established with \[AF_INET\]198.51.100.1:443" "$WORK/alice.log" || fail "the client did not use TCP"
cvpn_in alice ping -c 3 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "no ping over TCP"
got=$(head -c 2000000 /dev/urandom | cvpn_in alice timeout 20 socat -t 5 - TCP:10.0.1.20:7000)
[ "$got" = 2000000 ] || fail "TCP transfer through the TCP tunnel: '$got' of 2000000 bytes"
ctl connections
[ "$(ctl --json connections | jq -r '.Connections[0].DeviceIp')" = "$(cvpn_in alice ss -Htn state established dport = :443 | awk '{print $3}')" ] ||
  fail "DeviceIp is not the client's TCP address"
jq -e -s 'map(select(."transport-protocol" == "tcp" and ."connection-attempt-status" == "successful")) | length == 1' \
  "$WORK/connections.jsonl" >/dev/null || fail "connection log does not record a successful tcp attempt"

kill -KILL "$(cat "$WORK/alice.pid")"  # no exit notification: only the TCP connection ends
for i in $(seq 30); do grep -q "disconnected: the client closed the TCP connection" "$WORK/endpoint.log" && break; sleep 0.1; done
grep -q "disconnected: the client closed the TCP connection" "$WORK/endpoint.log" || fail "TCP close did not end the session"
[ "$(ctl --json connections | jq '.Connections | length')" = 0 ] || fail "connection still listed"
echo "PASS"
