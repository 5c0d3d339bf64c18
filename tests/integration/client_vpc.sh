# Library for the NAT test driver (source it): the Client VPN egress lab, built by
# `vpngw lab up` from lab/topologies/bare/client-vpc.toml. Simulated clients reach a VPC host
# through a NAT router, either `vpngw nat` with an ENI-like TAP or Linux nftables masquerade.
#
#   ns cl: clients 172.16.0.10.../22 --veth-- ns rt: 172.16.0.1, router --bridge br0-- ns vpc: 10.0.1.20/24
#            (vpngw: TUN cvpn0 + TAP eni0 10.0.1.10 in br0; nftables: veth kn0 10.0.1.11 in br0)
#
# A second VPC subnet, 10.0.2.0/24 (host 10.0.2.20 on vpc1, bridge br1, ENI eni1 10.0.2.10), is
# always there, so that one ENI per associated subnet can be exercised.
# Namespaces are vpngw-<lab>-{cl,rt,vpc}; cvpc_down removes them and everything running in them.
# Needs root and $VPNGW (the binary).

cvpc_ns() { echo "vpngw-$CVPC_LAB-$1"; }
cvpc_exec() { local n=$1; shift; ip netns exec "$(cvpc_ns "$n")" "$@"; }

# cvpc_create LAB CLIENTS: the lab, and client addresses 172.16.0.10 onwards on cl0.
cvpc_create() {
  CVPC_LAB=$1 CVPC_DIR=$(mktemp -d /tmp/vpngw-cvpc.XXXXXX)
  local clients=$2 i
  "${VPNGW:?cvpc_create needs VPNGW}" lab up "$(dirname "${BASH_SOURCE[0]}")/../../lab/topologies/bare/client-vpc.toml" \
    --prefix "vpngw-$CVPC_LAB" --dir "$CVPC_DIR" >/dev/null
  for i in $(seq 11 $((9 + clients))); do cvpc_exec cl ip addr add "172.16.$((i / 256)).$((i % 256))/22" dev cl0; done
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
  CVPC_NAT_PID=$("$vpngw" lab start --prefix "vpngw-$CVPC_LAB" --dir "$CVPC_DIR" rt nat -- \
    "$vpngw" nat --config "$dir/nat.toml" --stats "$dir/nat.json" --socket "$dir/nat.sock")
  local i
  for i in $(seq 50); do [ -s "$dir/nat.json" ] && break; sleep 0.1; done
  [ -s "$dir/nat.json" ] || { echo "vpngw nat did not start:" >&2; cat "$CVPC_DIR/nat.log" >&2; return 1; }
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
  [ -z "${CVPC_DIR:-}" ] || { "$VPNGW" lab down --prefix "vpngw-$CVPC_LAB" --dir "$CVPC_DIR" >/dev/null; rm -rf "$CVPC_DIR"; }
  CVPC_DIR=""
}
