#!/usr/bin/env bash
# Namespaces (root): Debian's openvpn 2.6 client against `vpngw clientvpn serve`, using only the
# .ovpn that `vpngw clientvpn export-client-config` writes (the endpoint is reached by its AWS-style
# DNS name through a wildcard answer, as remote-random-hostname needs). Checks:
#   - alice connects, gets 172.16.0.2/22 and the split-tunnel routes; ping and a TCP transfer
#     reach the VPC host, which sees only the ENI's address;
#   - subnet 2 is authorized for group "admins" only: alice's packets there are dropped and
#     counted; bob (OU=admins) reaches it through the second ENI;
#   - hostile traffic (random datagrams, truncated headers of every opcode, 100 hard resets that
#     never finish, data packets forged with alice's peer id) is counted and disturbs no client;
#   - a revoked certificate and one from another CA are refused, logged, and in the connection log;
#   - `vpngw ctl connections` lists both; `disconnect` ends alice's and her client reconnects;
#   - a client with explicit-exit-notify that exits is disconnected at once;
#   - a renegotiation (client --reneg-sec 3) moves traffic to the new key without loss of service;
#   - the legacy TLS 1.0 PRF key derivation works as well as tls-ekm.
# Topology: tests/integration/client_vpn.sh.
CVPN_TEST=cv
source "$(dirname "$0")/clientvpn_common.sh"
endpoint_stat() { ctl --json stats | jq -r "$1 // 0"; }  # zero counters are left out
step() { echo "$(date +%T.%3N)  $*"; }

cvpn_create "$CVPN_P" "$WORK"
cvpn_config "$WORK/endpoint.toml" true
"$VPNGW" clientvpn pki-init --dir "$WORK/pki" --config "$WORK/endpoint.toml"
cvpn_add_client alice "" 1
cvpn_add_client bob admins 2
cvpn_add_client mallory "" 3
"$VPNGW" clientvpn pki-revoke --dir "$WORK/pki" mallory
# eve: a certificate from another CA, with our CA in her file (so only the endpoint can refuse her)
"$VPNGW" clientvpn pki-init --dir "$WORK/other-pki" --config "$WORK/endpoint.toml"
cvpn_add_client eve "" 4
"$VPNGW" clientvpn pki-client --dir "$WORK/other-pki" eve
"$VPNGW" clientvpn export-client-config --config "$WORK/endpoint.toml" --cert "$WORK/other-pki/eve.crt" \
  --key "$WORK/other-pki/eve.key" -o "$WORK/eve.ovpn"
grep -q "^remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com 443$" "$WORK/alice.ovpn" ||
  fail "exported file has no AWS-style remote"
for k in client "dev tun" "proto udp" remote-random-hostname "cipher AES-256-GCM" "reneg-sec 0" "<ca>" "<cert>" "<key>"; do
  grep -q "^$k" "$WORK/alice.ovpn" || fail "exported file lacks '$k'"
done
cvpn_start "$VPNGW"
cvpn_in vpc socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'wc -c' >/dev/null 2>&1 &

step "alice connects with the exported file"
cvpn_connect alice
cvpn_wait_connected alice 20 || fail "alice did not connect"
# (grep reads whole variables: `cmd | grep -q` fails under pipefail when grep exits first)
addr=$(cvpn_in alice ip -4 addr show tun0)
routes=$(cvpn_in alice ip route)
grep -q "inet 172.16.0.2/22" <<<"$addr" || fail "alice has no 172.16.0.2/22"
grep -q "^10.0.0.0/16 via 172.16.0.1" <<<"$routes" || fail "split-tunnel route 10.0.0.0/16 not pushed"
grep -q "^10.0.2.0/24 via 172.16.0.1" <<<"$routes" || fail "split-tunnel route 10.0.2.0/24 not pushed"
grep -q "Data Channel: cipher 'AES-256-GCM'" "$WORK/alice.log" || fail "data channel cipher is not AES-256-GCM"

step "ping and TCP to the VPC host; it sees only the ENI's address"
capture_start sub1 "$WORK/vpc.pcap" ip
cvpn_in alice ping -c 3 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "alice cannot ping 10.0.1.20"
got=$(head -c 2000000 /dev/urandom | cvpn_in alice timeout 20 socat -t 5 - TCP:10.0.1.20:7000)
[ "$got" = 2000000 ] || fail "TCP transfer: the VPC host counted '$got' bytes of 2000000"
capture_stop
from_eni=$(tcpdump -nr "$WORK/vpc.pcap" 'dst host 10.0.1.20 and src host 10.0.1.10' 2>/dev/null | wc -l)
others=$(tcpdump -nr "$WORK/vpc.pcap" 'dst host 10.0.1.20 and not src host 10.0.1.10' 2>/dev/null | wc -l)
[ "$from_eni" -gt 100 ] && [ "$others" = 0 ] || fail "VPC host saw $from_eni packets from the ENI and $others from elsewhere"

step "authorization: subnet 2 is for admins only"
if cvpn_in alice ping -c 2 -W 1 10.0.2.20 >/dev/null; then fail "alice reached 10.0.2.20 without an authorization rule"; fi
[ "$(endpoint_stat .inbound.drop_rx_unauthorized)" -ge 2 ] || fail "unauthorized packets not counted"
cvpn_connect bob --explicit-exit-notify 1  # not in AWS's file; users add it
cvpn_wait_connected bob 20 || fail "bob did not connect"
cvpn_in bob ping -c 2 -i 0.2 -W 2 10.0.2.20 >/dev/null || fail "bob (admins) cannot reach 10.0.2.20"

step "hostile traffic: garbage, truncated control packets, 100 hard resets, forged data packets"
before=$(endpoint_stat .inbound.drop_rx_wrong_address)
cvpn_in inet python3 - "$CVPN_NET.1" <<'PY'
import os, random, socket, sys
dst = (sys.argv[1], 443)
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(2000):  # random bytes of random lengths, every opcode
    s.sendto(os.urandom(random.randint(0, 1400)), dst)
for op in range(32):  # each opcode with a truncated header
    s.sendto(bytes([op << 3]) + os.urandom(random.randint(0, 12)), dst)
for i in range(100):  # hard resets from many source ports: handshakes that never finish
    h = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h.sendto(bytes([7 << 3]) + os.urandom(8) + b"\x00" + b"\x00\x00\x00\x00", dst)
    h.close()
for _ in range(200):  # alice's peer id 0 and key id 0 from the wrong address, random tags
    s.sendto(bytes([9 << 3, 0, 0, 0]) + os.urandom(random.randint(24, 200)), dst)
PY
sleep 1
kill -0 "$CVPN_ENDPOINT_PID" 2>/dev/null || fail "the endpoint died"
cvpn_in alice ping -c 3 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "alice lost her connection to hostile traffic"
cvpn_in bob ping -c 2 -i 0.2 -W 2 10.0.2.20 >/dev/null || fail "bob lost his connection to hostile traffic"
[ "$(endpoint_stat .inbound.drop_rx_wrong_address)" -gt "$before" ] || fail "forged data packets were not counted"
echo "endpoint counters: $(ctl --json stats | jq -c '{control_malformed, control_refused, handshakes, inbound: (.inbound | with_entries(select(.key | startswith("drop"))))}')"

step "a revoked certificate and one from another CA are refused"
cvpn_connect mallory
cvpn_connect eve
for i in $(seq 100); do
  grep -q "certificate revoked" "$WORK/endpoint.log" && grep -q "unable to get local issuer certificate" "$WORK/endpoint.log" && break
  sleep 0.1
done
grep -q "client certificate refused: certificate revoked" "$WORK/endpoint.log" || fail "revoked certificate not refused"
grep -q "client certificate refused: unable to get local issuer certificate" "$WORK/endpoint.log" || fail "foreign certificate not refused"
if cvpn_wait_connected mallory 1 || cvpn_wait_connected eve 1; then fail "a refused client connected"; fi
jq -e -s 'map(select(."connection-attempt-status" == "failed" and (."connection-attempt-failure-reason" | test("revoked")))) | length >= 1' \
  "$WORK/connections.jsonl" >/dev/null || fail "connection log has no failed attempt for the revoked certificate"
jq -e -s 'map(select(."connection-attempt-status" == "successful" and ."common-name" == "alice")) | length == 1' \
  "$WORK/connections.jsonl" >/dev/null || fail "connection log has no successful attempt for alice"
cvpn_down_client() { local pid; pid=$(cat "$WORK/$1.pid" 2>/dev/null) && kill "$pid" 2>/dev/null || true; }
cvpn_down_client mallory
cvpn_down_client eve

step "vpngw ctl connections / disconnect"
ctl connections
active_count() { ctl --json connections | jq '[.Connections[] | select(.Status == "active")] | length'; }
[ "$(active_count)" = 2 ] || fail "ctl connections does not list 2 active"
alice_id=$(ctl --json connections | jq -r '.Connections[] | select(.CommonName == "alice") | .ConnectionId')
: >"$WORK/alice.log.mark"
ctl disconnect "$alice_id" >/dev/null
for i in $(seq 100); do
  [ "$(grep -c "Initialization Sequence Completed" "$WORK/alice.log")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "Initialization Sequence Completed" "$WORK/alice.log")" -ge 2 ] || fail "alice did not reconnect after disconnect"
grep -q "($alice_id) disconnected: terminated by the administrator" "$WORK/endpoint.log" || fail "disconnect not logged"
cvpn_in alice ping -c 2 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "alice cannot ping after reconnecting"

step "a client that exits notifies the endpoint"
cvpn_down_client bob
for i in $(seq 30); do grep -q "bob (.*) disconnected: the client sent an exit notification" "$WORK/endpoint.log" && break; sleep 0.1; done
grep -q "bob (.*) disconnected: the client sent an exit notification" "$WORK/endpoint.log" || fail "bob's exit not noticed within 3 s"
[ "$(active_count)" = 1 ] || fail "bob still listed"

step "renegotiation: the client renegotiates every 3 s; traffic continues"
cvpn_down_client alice
sleep 0.5
: >"$WORK/alice.log"
cvpn_connect alice --reneg-sec 3
cvpn_wait_connected alice 20 || fail "alice did not reconnect"
cvpn_in alice ping -c 40 -i 0.2 -W 1 10.0.1.20 >"$WORK/reneg-ping.txt" || true
renegs=$(grep -c "alice renegotiated" "$WORK/endpoint.log" || true)
[ "$renegs" -ge 2 ] || fail "expected at least 2 renegotiations in 8 s, saw $renegs"
received=$(awk '/received/ {print $4}' "$WORK/reneg-ping.txt")
[ "$received" -ge 39 ] || fail "only $received of 40 pings answered across renegotiations"
echo "renegotiations: $renegs, pings answered: $received/40"

step "legacy PRF key derivation"
cvpn_down_client alice
cvpn_stop_endpoint
sleep 0.5
sed -i 's/^split_tunnel = true$/split_tunnel = true\nkey_derivation = "prf"/' "$WORK/endpoint.toml"
cvpn_start "$VPNGW"
: >"$WORK/alice.log"
cvpn_connect alice
cvpn_wait_connected alice 20 || fail "alice did not connect with the legacy PRF"
grep -q "tls-ekm" "$WORK/alice.log" && fail "tls-ekm was pushed although key_derivation = prf"
cvpn_in alice ping -c 2 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "no traffic with PRF-derived keys"
echo "PASS"
