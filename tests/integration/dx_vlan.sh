#!/usr/bin/env bash
# Namespaces (root): a Direct Connect link with 802.1Q VIFs tagged in user space (this kernel has
# no VLAN driver), lab/topologies/bare/dx-link.toml. `vpngw dx port` at each end of the veth gives
# one TAP per VIF: AWS's end has VLANs 101 and 102, the customer's 101 and 103. Checks: a ping over
# VIF 101 crosses the link tagged (tcpdump -e sees "vlan 101"); the customer's VLAN 103 is counted
# as unknown at AWS's end and goes nowhere; AWS's side of the VIF's BGP (`vpngw router`, AS 64512,
# MD5, hold 90 / keepalive 30 as AWS's DX defaults, at most 100 prefixes) comes up with BIRD as the
# customer router on its TAP and installs BIRD's prefix via the VIF; 101 prefixes from BIRD end the
# session with Cease and leave it idle, as AWS does ("Maximum Number of Prefixes Reached"); AWS's
# end polices the link to a hosted connection's 50 Mbps: 100 Mbit/s of UDP offered, 50 +- 10 %
# arrives, the rest is counted as policed.
set -euo pipefail
VPNGW=$(realpath "$1")
P=dx$$
WORK=$(mktemp -d /tmp/vpngw-dx.XXXXXX)
TOPOLOGY=$(dirname "$0")/../../lab/topologies/bare/dx-link.toml
lab() { "$VPNGW" lab "$1" --prefix "$P" --dir "$WORK/lab" "${@:2}"; }
cleanup() { lab down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/lab/*.log "$WORK"/*.json; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}
in_node() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $what"
    sleep 0.2
  done
}
counter() { jq -r ".counters.$2" "$WORK/$1.json"; }

lab up "$TOPOLOGY" >/dev/null
lab start aws port-aws -- "$VPNGW" dx port --link dx0 --police 50Mbps --vif 101:vif101:169.254.10.1/30 --vif 102:vif102:169.254.20.1/30 \
  --stats "$WORK/aws.json" --socket "$WORK/aws.sock" >/dev/null
lab start customer port-customer -- "$VPNGW" dx port --link dx0 --vif 101:vif101:169.254.10.2/30 --vif 103:vif103:169.254.30.2/30 \
  --stats "$WORK/customer.json" --socket "$WORK/customer.sock" >/dev/null
wait_for 10 "both ports' stats" test -s "$WORK/aws.json" -a -s "$WORK/customer.json"

# 1. VIF 101 carries IP, tagged on the wire.
in_node aws tcpdump -e -n -l -i dx0 -c 2 --immediate-mode 'vlan 101 and icmp' >"$WORK/capture.txt" 2>/dev/null &
CAPTURE=$!
sleep 0.5
in_node customer ping -c 3 -i 0.2 -W 2 169.254.10.1 >/dev/null || fail "no ping over VIF 101"
wait "$CAPTURE" || fail "tcpdump saw no tagged ICMP on the link"
grep -q "ethertype 802.1Q (0x8100).*vlan 101, p 0, ethertype IPv4" "$WORK/capture.txt" || fail "no 802.1Q tag: $(cat "$WORK/capture.txt")"
echo "on the wire: $(head -1 "$WORK/capture.txt" | cut -c1-140)"

# 2. The customer's VLAN 103 exists on no VIF at AWS's end: counted, dropped.
before=$(counter aws drop_unknown_vlan)
in_node customer ping -c 3 -i 0.2 -W 1 169.254.30.1 >/dev/null && fail "VLAN 103 reached something"
wait_for 5 "AWS's end to count VLAN 103" test "$(counter aws drop_unknown_vlan)" -gt "$before"
[ "$(jq '.vifs[] | select(.vlan == 102) | .from_link.frames' "$WORK/aws.json")" = 0 ] || fail "VIF 102 got frames from the link"
echo "unknown VLAN at AWS's end: $(counter aws drop_unknown_vlan) frames dropped"

# 3. The VIF's BGP: AWS's side with AWS's Direct Connect defaults, BIRD as the customer router.
write_bird() {  # NUMBER_OF_PREFIXES
  { echo "router id 169.254.10.2;"
    echo "log \"$WORK/bird.log\" all;"
    echo "protocol device {}"
    echo "protocol static { ipv4;"
    for i in $(seq 0 $(($1 - 1))); do echo "  route 10.$((20 + i / 256)).$((i % 256)).0/24 blackhole;"; done
    echo "}"
    echo "protocol bgp aws { local 169.254.10.2 as 65000; neighbor 169.254.10.1 as 64512; password \"dx-md5-key\";"
    echo "  connect retry time 2; error wait time 1, 2; ipv4 { import all; export where source = RTS_STATIC; }; }"
  } >"$WORK/bird.conf"
}
write_bird 1
cat >"$WORK/router.toml" <<TOML
[router]
name = "dx-aws"
[bgp]
asn = 64512
router_id = "169.254.10.1"
hold_time = 90
keepalive = 30
connect_retry = 2
export = ["10.1.0.0/16"]
[[bgp.neighbor]]
name = "dxvif-101"
address = "169.254.10.2"
local_address = "169.254.10.1"
remote_asn = 65000
md5_password = "dx-md5-key"
max_prefixes = 100
[management]
socket = "$WORK/router.sock"
TOML
lab start aws router -- "$VPNGW" router --config "$WORK/router.toml" >/dev/null
lab start customer bird -- bird -f -c "$WORK/bird.conf" -s "$WORK/bird.ctl" >/dev/null
neighbor() { "$VPNGW" ctl --socket "$WORK/router.sock" --json bgp summary | jq -r ".neighbors[0].$1"; }
state_is() { [ "$(neighbor state)" = "$1" ]; }
wait_for 30 "the VIF's BGP session Established" state_is Established
[ "$(neighbor hold_time)" = 90 ] || fail "hold time $(neighbor hold_time), want AWS's 90"
[ "$(neighbor md5)" = true ] || fail "the session is not MD5-signed"
wait_for 10 "BIRD's prefix in AWS's kernel via the VIF" sh -c "ip netns exec $P-aws ip route show 10.20.0.0/24 | grep -q 'via 169.254.10.2 dev vif101'"
echo "BGP over VIF 101: $("$VPNGW" ctl --socket "$WORK/router.sock" --json bgp summary | jq -c '.neighbors[0] | {state, hold_time, keepalive, md5}')"

# 4. 101 prefixes: AWS ends the session (Cease, maximum prefixes) and it stays idle.
write_bird 101
in_node customer birdc -s "$WORK/bird.ctl" configure >/dev/null || fail "birdc configure"
wait_for 20 "the session to end at 101 prefixes" sh -c "! $VPNGW ctl --socket $WORK/router.sock --json bgp summary | jq -e '.neighbors[0].state == \"Established\"'"
last=$(neighbor last_error)
echo "$last" | grep -qi "cease" || fail "last error '$last', want a Cease"
sleep 3
state_is Established && fail "the session came back with 101 prefixes"
echo "101 prefixes: $last; state $(neighbor state)"

# 5. A hosted connection of 50 Mbps: AWS's end polices the link, the excess is dropped.
lab start aws iperf3 -- iperf3 -s -B 169.254.10.1 >/dev/null
sleep 0.5
udp=$(in_node customer iperf3 -c 169.254.10.1 -u -b 100M -t 3 -O 1 -J | jq '.end.sum_received.bits_per_second / 1e6')
policed=$(counter aws drop_policed_from_link)
awk -v m="$udp" 'BEGIN { exit !(m >= 45 && m <= 55) }' || fail "UDP through a 50 Mbps hosted connection: $udp Mb/s"
[ "$policed" -gt 0 ] || fail "nothing counted as policed"
tcp=$(in_node customer iperf3 -c 169.254.10.1 -t 3 -O 1 -J | jq '.end.sum_received.bits_per_second / 1e6')
printf 'policed at 50 Mbps: UDP %.1f Mb/s of 100 offered (%s frames policed); TCP %.1f Mb/s\n' "$udp" "$policed" "$tcp"
echo "PASS"
