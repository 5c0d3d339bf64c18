#!/usr/bin/env bash
# Namespaces (root): `vpngw nat` as Client VPN's egress. 40 simulated clients (172.16.0.10-49 in
# the client CIDR) reach a VPC host through an ENI-like TAP (10.0.1.10 on a bridge with the host)
# by TCP, UDP and ping. A capture on the VPC side must show only the ENI address; the ENI answers
# ARP and ping itself. Then the same traffic goes through Linux nftables masquerade, and the
# behaviours that should match are compared: address hiding, port preservation for the first
# client, a different port for a second client with the same source port, ICMP echo ids kept.
# Topology: tests/integration/client_vpc.sh.
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/client_vpc.sh"
WORK=$(mktemp -d /tmp/vpngw-nat.XXXXXX)
cleanup() { cvpc_down; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$WORK"/*.log >&2 2>/dev/null || true; exit 1; }
CLIENTS=40
NS_CL=$(CVPC_LAB=n$$ cvpc_ns cl) NS_VPC=$(CVPC_LAB=n$$ cvpc_ns vpc)
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
topology() {
  cvpc_create "n$$" "$CLIENTS"
  # VPC services: TCP and UDP echo.
  in_ns $NS_VPC socat TCP-LISTEN:7,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
  in_ns $NS_VPC socat UDP-RECVFROM:7,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
}

# Runs the same traffic from every client; records what the VPC host saw in $1.pcap.
traffic() {
  local tag=$1
  in_ns $NS_VPC tcpdump -U -i vpc0 -n -w "$WORK/$tag.pcap" ip 2>/dev/null &
  local cap=$!
  sleep 1
  local i ok=0
  for i in $(seq 10 $((9 + CLIENTS))); do
    local a=172.16.0.$i
    [ "$(echo "tcp $a" | in_ns $NS_CL timeout 5 socat - TCP:10.0.1.20:7,bind=$a)" = "tcp $a" ] || fail "$tag: TCP echo from $a"
    [ "$(echo "udp $a" | in_ns $NS_CL timeout 5 socat - UDP:10.0.1.20:7,bind=$a:40000)" = "udp $a" ] || fail "$tag: UDP echo from $a:40000"
    in_ns $NS_CL ping -c 1 -W 2 -I $a 10.0.1.20 >/dev/null || fail "$tag: ping from $a"
    ok=$((ok + 1))
  done
  sleep 0.5
  kill $cap; wait $cap 2>/dev/null || true
  echo "ok: $tag: $ok clients each did TCP, UDP (source port 40000) and ping"
}

# Source addresses and UDP ports the VPC host saw.
# (tcpdump -r exits 1 on the last packet a killed capture cut short; what it printed still counts.)
read_pcap() { tcpdump -n -r "$WORK/$1.pcap" "${@:2}" 2>/dev/null || true; }
sources() { read_pcap "$1" ip | awk '$2 == "IP" {print $3}' | sort -u; }
udp_ports_from() { read_pcap "$1" udp and dst port 7 | awk '{print $3}' | sed 's/.*\.//' | sort -un; }

check_only_nat_address() {
  local tag=$1 nat=$2 host=${3:-10.0.1.20}
  local seen leaked
  seen=$(sources "$tag")
  # 0.0.0.0 is the bridge's IGMP querier, not anyone's address.
  leaked=$(grep -v -E "^($nat|$host|0\.0\.0\.0)(\.|$)" <<<"$seen" || true)
  [ -z "$leaked" ] || fail "$tag: the VPC side saw other sources: $leaked"
  grep -q "^$nat" <<<"$seen" || fail "$tag: no packet from $nat"
  echo "ok: $tag: the VPC host saw only $nat as the source"
}

# --- vpngw nat -------------------------------------------------------------------------------
topology
cvpc_start_vpngw "$VPNGW" "$WORK" 4096 || fail "vpngw nat did not start"
"$VPNGW" nat --config "$WORK/nat.toml" --check >/dev/null || fail "config check"

in_ns $NS_VPC ping -c 2 -W 2 10.0.1.10 >/dev/null || fail "the ENI does not answer ping"
in_ns $NS_VPC ip neigh show 10.0.1.10 | grep -q "02:00:0a:00:01:0a" || fail "ARP for the ENI did not resolve to its MAC"
echo "ok: the ENI answers ARP (02:00:0a:00:01:0a) and ping for 10.0.1.10"

traffic vpngw
check_only_nat_address vpngw 10.0.1.10
vpngw_ports=$(udp_ports_from vpngw)
sleep 1.2
jq -e '.counters.mappings_created >= 120 and .counters.ports_preserved >= 1 and .counters.drop_malformed == 0' "$WORK/nat.json" >/dev/null ||
  fail "counters: $(jq -c .counters "$WORK/nat.json")"
echo "ok: vpngw: $(jq -r .counters.mappings_created "$WORK/nat.json") mappings, $(jq -r .counters.ports_preserved "$WORK/nat.json") kept the client's port"

# One ENI per associated subnet: traffic to the second subnet leaves through eni1 with its address.
in_ns $NS_VPC tcpdump -U -i vpc1 -n -w "$WORK/subnet2.pcap" ip 2>/dev/null &
cap=$!
sleep 1
for i in 10 11 12; do
  a=172.16.0.$i
  [ "$(echo "two $a" | in_ns $NS_CL timeout 5 socat - UDP:10.0.2.20:7,bind=$a:41000)" = "two $a" ] || fail "UDP to subnet 2 from $a"
  in_ns $NS_CL ping -c 1 -W 2 -I $a 10.0.2.20 >/dev/null || fail "ping to subnet 2 from $a"
done
sleep 0.5
kill $cap; wait $cap 2>/dev/null || true
check_only_nat_address subnet2 10.0.2.10 10.0.2.20
jq -e '.enis[1].frames_sent >= 6 and .enis[0].address == "10.0.1.10"' "$WORK/nat.json" >/dev/null || sleep 1.1
jq -e '.enis[1].frames_sent >= 6' "$WORK/nat.json" >/dev/null || fail "eni1 counters: $(jq -c '.enis[1]' "$WORK/nat.json")"
echo "ok: a second ENI (10.0.2.10) carries the traffic to its own subnet"
cvpc_down

# --- nftables masquerade, same traffic --------------------------------------------------------
topology
cvpc_start_nftables
traffic nftables
check_only_nat_address nftables 10.0.1.11
nft_ports=$(udp_ports_from nftables)

# No port overloading in either: every client's flow has its own source port at the VPC host.
for tag in vpngw nftables; do
  ports=$([ $tag = vpngw ] && echo "$vpngw_ports" || echo "$nft_ports")
  n=$(grep -c . <<<"$ports")
  [ "$n" -eq "$CLIENTS" ] || fail "$tag: $n distinct source ports for $CLIENTS clients"
done
# Port preservation is AWS's behaviour and ours; Linux masquerade only tries (it was seen to pick
# a random port even for the first client), so for nftables it is reported, not asserted.
grep -qx 40000 <<<"$vpngw_ports" || fail "vpngw: no client kept source port 40000"
nft_kept=$(grep -cx 40000 <<<"$nft_ports" || true)
echo "ok: no port overloading in either ($CLIENTS clients, $CLIENTS ports); vpngw kept 40000 for one client, nftables for $nft_kept"
