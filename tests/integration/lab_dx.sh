#!/usr/bin/env bash
# Namespaces (root): the Direct Connect labs. `vpngw lab up dx` with the customer's steering added:
# two private VIFs on two connections to one Direct Connect gateway and the VGW, vpngw's router as
# the customer router with BFD. Checks: every VIF's BGP session is up with MD5 and BFD Up; on-prem
# reaches the VPC over Direct Connect, tagged on the link (tcpdump -e sees the VIF's VLAN); the
# customer's 7224:7300 community on VIF b makes the VGW send towards on-prem through b although a
# would win the tie (AWS's local-preference communities before AS_PATH), and the VIF's counters
# show it; maintenance of connection A (its link down) loses nothing while the customer prefers VIF
# b both ways, and CloudWatch's AWS/DX metrics show the connection down. The same lab with BIRD as the customer router (its config from `vpngw dx
# export-router --vendor bird`) brings both sessions up with MD5 and BFD and carries traffic.
# Then `vpngw lab failover --topology dx-vpn` (BFD, the link cut and the VIF deleted): traffic moves
# to the VPN within a second and comes back to Direct Connect without loss.
set -euo pipefail
VPNGW=$(realpath "$1")
P=ldx$$
WORK=$(mktemp -d /tmp/vpngw-lab-dx.XXXXXX)
lab() { "$VPNGW" lab "$1" --prefix "$P" --dir "$WORK/lab" "${@:2}"; }
cleanup() { lab down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/lab/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}
in_node() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
dx() { "$VPNGW" ctl --json --socket "/run/vpngw/$P-dx.sock" "$@"; }
vgw_via() { "$VPNGW" ctl --json --socket "/run/vpngw/$P-vgw.sock" vgw | jq -r '.routes[] | select(.prefix == "10.0.0.0/16") | .via[0]'; }
TOPOLOGIES=$(dirname "$0")/../../lab/topologies
bfd_up_on_both() {  # AWS's (passive) end sees both VIFs' BFD Up within 10 s
  for _ in $(seq 1 50); do
    [ "$(dx bfd | jq '[.sessions[] | select(.state == "Up")] | length')" = 2 ] && return 0
    sleep 0.2
  done
  return 1
}

# 1. The dx lab, the customer steering both directions onto VIF b.
sed 's/^customer_bfd = true$/customer_bfd = true\ncustomer_preferred_vif = "dxvif-b"\ncustomer_communities = { "dxvif-b" = ["7224:7300"] }/' \
  "$TOPOLOGIES/dx.toml" >"$WORK/dx.toml"
grep -q customer_preferred_vif "$WORK/dx.toml" || fail "could not add the steering to the dx lab"
lab up "$WORK/dx.toml" >"$WORK/up.txt" || { cat "$WORK/up.txt"; fail "lab up dx"; }
[ "$(dx dx | jq '[.vifs[] | select(.state == "available" and .bgp_state == "Established")] | length')" = 2 ] || fail "both VIFs available: $(dx dx)"
[ "$(dx bgp summary | jq '[.neighbors[] | select(.md5 == true)] | length')" = 2 ] || fail "MD5 on both sessions"
bfd_up_on_both || fail "BFD Up on both VIFs: $(dx bfd)"
echo "VIFs: $(dx dx | jq -c '[.vifs[] | {id, vlan, state, bgp_state}]')"

in_node vgw tcpdump -e -n -l -i dx1 -c 2 --immediate-mode 'vlan 102 and icmp' >"$WORK/capture.txt" 2>/dev/null &
CAPTURE=$!
sleep 0.5
lab exec onprem -- ping -c 3 -i 0.2 -W 2 10.1.0.10 >/dev/null || fail "on-prem does not reach the VPC over Direct Connect"
wait "$CAPTURE" || fail "tcpdump saw no ICMP tagged with VIF b's VLAN on connection B"
grep -q "vlan 102" "$WORK/capture.txt" || fail "no 802.1Q tag: $(cat "$WORK/capture.txt")"
echo "on connection B's link: $(head -1 "$WORK/capture.txt" | cut -c1-120)"

[ "$(vgw_via)" = dxvif-b ] || fail "the VGW routes to on-prem via $(vgw_via), not the VIF tagged 7224:7300"
out_before=$(dx dx | jq '.vifs[] | select(.id == "dxvif-b") | .bytes_out')
lab exec vpc -- ping -c 5 -i 0.1 -s 1000 -W 2 10.0.0.10 >/dev/null || fail "the VPC does not reach on-prem"
out_after=$(dx dx | jq '.vifs[] | select(.id == "dxvif-b") | .bytes_out')
[ $((out_after - out_before)) -ge 5000 ] || fail "VIF b carried $((out_after - out_before)) bytes towards on-prem"
echo "community 7224:7300 on VIF b: the VGW sends via dxvif-b ($((out_after - out_before)) bytes)"

metrics=$(in_node vgw curl -sf http://127.0.0.1:9106/metrics) || fail "no AWS/DX metrics"
for m in aws_dx_connection_state aws_dx_connection_bps_egress aws_dx_connection_bps_ingress aws_dx_connection_pps_egress \
  aws_dx_connection_pps_ingress aws_dx_virtual_interface_bps_egress aws_dx_virtual_interface_bps_ingress; do
  grep -q "^$m{" <<<"$metrics" || fail "metric $m missing"
done
grep -q '^aws_dx_connection_state{connection_id="dxcon-b"} 1$' <<<"$metrics" || fail "ConnectionState of dxcon-b: $(grep connection_state <<<"$metrics")"

# Maintenance of connection A: a 1000 pps stream on-prem -> VPC, A's link down halfway.
rm -f "$WORK/stop" "$WORK/arrivals.csv"
lab start vpc recv -- "$VPNGW" stream recv --bind 10.1.0.10 --port 5301 --seconds 30 --stop-file "$WORK/stop" -o "$WORK/arrivals.csv" >/dev/null
sleep 0.3
lab exec onprem -- "$VPNGW" stream send --to 10.1.0.10 --port 5301 --pps 1000 --seconds 4 >"$WORK/sent.txt" &
SENDER=$!
sleep 2
in_node vgw ip link set dx0 down
wait "$SENDER"
sleep 0.5
touch "$WORK/stop"
sleep 1  # the receiver sees the stop file and writes its CSV
sent=$(awk 'NR == 1 {print $1}' "$WORK/sent.txt")
got=$(wc -l <"$WORK/arrivals.csv")  # one line per arrival, no header
[ "$sent" -gt 3000 ] || fail "the stream sent $sent"
[ "$got" -ge "$sent" ] || fail "maintenance of connection A lost $((sent - got)) of $sent packets"
[ "$(vgw_via)" = dxvif-b ] || fail "the VGW moved off VIF b: $(vgw_via)"
echo "maintenance of connection A: $got of $sent packets arrived"
sleep 1.2  # a sample of the metrics
in_node vgw curl -sf http://127.0.0.1:9106/metrics | grep -q '^aws_dx_connection_state{connection_id="dxcon-a"} 0$' ||
  fail "ConnectionState of dxcon-a with its link down"
in_node vgw ip link set dx0 up

# 2. The same lab with BIRD as the customer router.
lab down >/dev/null
sed 's/^customer_bfd = true$/customer_bfd = true\ncustomer_router = "bird"/' "$TOPOLOGIES/dx.toml" >"$WORK/dx-bird.toml"
lab up "$WORK/dx-bird.toml" >"$WORK/up-bird.txt" || { cat "$WORK/up-bird.txt"; fail "lab up dx with BIRD"; }
grep -q "password" "$WORK/lab/configs/customer-bird.conf" || fail "BIRD's config has no MD5 password"
lab exec onprem -- ping -c 3 -i 0.2 -W 2 10.1.0.10 >/dev/null || fail "on-prem does not reach the VPC through BIRD"
bfd_up_on_both || fail "BFD with BIRD: $(dx bfd)"
echo "BIRD as the customer router: both VIFs Established, BFD Up, traffic flows"
lab down >/dev/null

# 3. Direct Connect with the VPN as backup: failover and return, measured.
"$VPNGW" lab failover --prefix "$P" --topology dx-vpn --methods bfd --faults linkdown,vifdelete --out "$WORK/failover" >"$WORK/failover.txt" 2>&1 ||
  { cat "$WORK/failover.txt"; fail "lab failover on dx-vpn"; }
grep -E "^(run|bfd)" "$WORK/failover.txt"
jq -e '[.[] | select(.detect_ms != null and .detect_ms < 1000 and .restore_ms < 1000 and .lost_on_return == 0)] | length == 2' \
  "$WORK/failover/failover.json" >/dev/null || fail "failover over BFD not within 1 s with a lossless return: $(cat "$WORK/failover/failover.json")"
grep -q "now sends through tunnel" "$WORK/failover.txt" && grep -q "failing Direct Connect VIF dxvif-a" "$WORK/failover.txt" ||
  fail "the failover did not start on the VIF"
echo "PASS"
