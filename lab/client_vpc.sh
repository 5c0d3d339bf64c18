# Library (source it): the Client VPN egress lab. Simulated clients reach a VPC host through a NAT
# router, either `vpngw nat` with an ENI-like TAP or Linux nftables masquerade.
#
#   ns cl: clients 172.16.0.10.../22 --veth-- ns rt: 172.16.0.1, router --bridge br0-- ns vpc: 10.0.1.20/24
#            (vpngw: TUN cvpn0 + TAP eni0 10.0.1.10 in br0; nftables: veth kn0 10.0.1.11 in br0)
#
# A second VPC subnet, 10.0.2.0/24 (host 10.0.2.20 on vpc1, bridge br1, ENI eni1 10.0.2.10), is
# always there, so that one ENI per associated subnet can be exercised.
# Namespaces are vpngw-<lab>-{cl,rt,vpc}; cvpc_down removes them and everything running in them.
# Needs root.

cvpc_ns() { echo "vpngw-$CVPC_LAB-$1"; }
cvpc_exec() { local n=$1; shift; ip netns exec "$(cvpc_ns "$n")" "$@"; }

# cvpc_create LAB CLIENTS: namespaces, links, client addresses 172.16.0.10 onwards, VPC host.
cvpc_create() {
  CVPC_LAB=$1
  local clients=$2 n i
  for n in cl rt vpc; do ip netns add "$(cvpc_ns $n)"; cvpc_exec $n ip link set lo up; done
  ip link add cl0 netns "$(cvpc_ns cl)" type veth peer name rt-cl netns "$(cvpc_ns rt)"
  for i in $(seq 10 $((9 + clients))); do cvpc_exec cl ip addr add "172.16.$((i / 256)).$((i % 256))/22" dev cl0; done
  cvpc_exec cl ip link set cl0 up
  cvpc_exec cl ip route add default via 172.16.0.1
  cvpc_exec rt ip addr add 172.16.0.1/22 dev rt-cl
  cvpc_exec rt ip link set rt-cl up
  cvpc_exec rt sysctl -qw net.ipv4.ip_forward=1
  cvpc_subnet br0 rt-vpc vpc0 10.0.1.20/24
  cvpc_subnet br1 rt-vpc1 vpc1 10.0.2.20/24
}

# cvpc_subnet BRIDGE ROUTER_PORT HOST_IF HOST_ADDR: a VPC subnet, a bridge in the router with a veth
# to the VPC host (ENIs join the bridge later).
cvpc_subnet() {
  ip link add "$2" netns "$(cvpc_ns rt)" type veth peer name "$3" netns "$(cvpc_ns vpc)"
  cvpc_exec rt ip link add "$1" type bridge
  cvpc_exec rt ip link set "$2" master "$1"
  cvpc_exec rt ip link set "$2" up
  cvpc_exec rt ip link set "$1" up
  cvpc_exec vpc ip addr add "$4" dev "$3"
  cvpc_exec vpc ip link set "$3" up
}

# cvpc_start_vpngw VPNGW WORKDIR [MAX_FLOWS]: `vpngw nat` in the router with eni0 (10.0.1.10) in
# br0 and eni1 (10.0.2.10) in br1.
cvpc_start_vpngw() {
  local vpngw=$1 dir=$2 flows=${3:-65536}
  cat >"$dir/nat.toml" <<CFG
[nat]
name = "$CVPC_LAB"
tun = "cvpn0"
client_cidr = "172.16.0.0/22"
inside_address = "172.16.0.1"
max_flows = $flows
[[eni]]
device = "eni0"
address = "10.0.1.10/24"
gateway = "10.0.1.1"
[[eni]]
device = "eni1"
address = "10.0.2.10/24"
CFG
  rm -f "$dir/nat.json"  # a file from an earlier run must not pass for this one having started
  ip netns exec "$(cvpc_ns rt)" "$vpngw" nat --config "$dir/nat.toml" --stats "$dir/nat.json" --socket "$dir/nat.sock" \
    >"$dir/nat.log" 2>&1 &
  CVPC_NAT_PID=$!  # ip netns exec execs vpngw: this is the NAT router's PID
  local i
  for i in $(seq 50); do [ -s "$dir/nat.json" ] && break; sleep 0.1; done
  [ -s "$dir/nat.json" ] || { echo "vpngw nat did not start:" >&2; cat "$dir/nat.log" >&2; return 1; }
  cvpc_exec rt ip link set eni0 master br0
  cvpc_exec rt ip link set eni1 master br1
}

# cvpc_start_nftables: the kernel routes and masquerades out of kn0 (10.0.1.11) in br0.
cvpc_start_nftables() {
  cvpc_exec rt ip link add kn0 type veth peer name kn1
  cvpc_exec rt ip link set kn1 master br0
  cvpc_exec rt ip link set kn1 up
  cvpc_exec rt ip addr add 10.0.1.11/24 dev kn0
  cvpc_exec rt ip link set kn0 up
  cvpc_exec rt nft -f - <<'NFT'
table ip nat {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "kn0" masquerade; }
}
NFT
}

cvpc_down() {
  local n pids
  for n in cl rt vpc; do
    pids=$(ip netns pids "$(cvpc_ns $n)" 2>/dev/null || true)
    [ -n "$pids" ] && { kill -TERM $pids 2>/dev/null || true; sleep 0.3; kill -KILL $pids 2>/dev/null || true; }
    ip netns del "$(cvpc_ns $n)" 2>/dev/null || true
  done
  return 0
} 2>/dev/null
