# Library (source it; it sources lab/build.sh and lab/client_vpn.sh): the Site-to-Site lab. One VPN
# connection of the model in lab/topologies/s2s{,-tgw,-static}.toml, every piece a namespace and a
# real process:
#
#   onprem 10.0.0.10 -- cgw (vpngw, both tunnels) ==internet 198.51.100.0/24== t1 (vpngw, AZ a) --+
#                                                                          \== t2 (vpngw, AZ b) --+-- vgw -- vpc 10.1.0.10
#                                                         (TGW variant: a second VPC 10.2.0.10) --+
#
# t1 and t2 are the AWS ends of tunnel 1 and 2 (separate processes in separate namespaces, as AWS
# puts them in two AZs); each runs IKE and eBGP with the customer gateway over its inside /30.
# vgw runs `vpngw s2s vgw`, AWS's route priority towards on-prem. Needs root.
#
#   s2s_up PREFIX BIN WORK [vgw|tgw|static]
#                                       build it and wait until both BGP sessions are Established
#                                       (static: both IPsec tunnels, no BGP)
#   s2s_down PREFIX                     remove every namespace and process (also after a crash)
#   s2s_status PREFIX BIN [CGW_ID]      tunnels, BGP, the gateway's routes
#   s2s_in PREFIX NODE CMD...           run CMD in a node (onprem, cgw, t1, t2, vgw, vpc, vpc2)
#
# The gateway router serves CloudWatch's TunnelState/TunnelDataIn/TunnelDataOut as Prometheus text
# on its loopback: ip netns exec PREFIX-vgw curl -s 127.0.0.1:9105/metrics

S2S_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$S2S_LIB_DIR/client_vpn.sh"
source "$S2S_LIB_DIR/build.sh"

s2s_in() { local p=$1 node=$2; shift 2; ip netns exec "$p-$node" "$@"; }

s2s_log() { printf '%s  %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }

# A veth between two namespaces with an address on each end.
s2s_link() {
  local p=$1 a=$2 a_if=$3 a_ip=$4 b=$5 b_if=$6 b_ip=$7
  ip link add "$a_if" netns "$p-$a" type veth peer name "$b_if" netns "$p-$b"
  s2s_in "$p" "$a" ip addr add "$a_ip" dev "$a_if"
  s2s_in "$p" "$b" ip addr add "$b_ip" dev "$b_if"
  s2s_in "$p" "$a" ip link set "$a_if" up
  s2s_in "$p" "$b" ip link set "$b_if" up
}

# The "internet": a bridge in its own namespace, one port per outside address.
s2s_internet_port() {
  local p=$1 node=$2 ip=$3
  ip link add "i-$node" netns "$p-net" type veth peer name out0 netns "$p-$node"
  s2s_in "$p" net ip link set "i-$node" master br0 up
  s2s_in "$p" "$node" ip addr add "$ip/24" dev out0
  s2s_in "$p" "$node" ip link set out0 up
}

s2s_start() {  # NODE NAME CMD...: a process in a node, its pid and log under $WORK
  local p=$1 node=$2 name=$3; shift 3
  ip netns exec "$p-$node" "$@" >"$S2S_WORK/$name.log" 2>&1 &
  echo $! >"$S2S_WORK/$name.pid"
  disown $!  # killed on purpose in failover runs: no job-control notices
}

s2s_wait() {  # SECONDS WHAT CMD...: until CMD succeeds
  local seconds=$1 what=$2 i; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "s2s: timed out after ${seconds}s waiting for $what" >&2
  return 1
}

s2s_bgp_established() {  # BIN GATEWAY COUNT
  local n
  n=$("$1" ctl -g "$2" --json bgp summary | jq '[.neighbors[] | select(.state == "Established")] | length')
  [ "$n" -ge "$3" ]
}

s2s_ipsec_up() {  # BIN GATEWAY COUNT
  local n
  n=$("$1" ctl -g "$2" --json ike | jq '[.tunnels[] | select(.TunnelIKEPhase2State == "Established")] | length')
  [ "$n" -ge "$3" ]
}

s2s_vgw_routes() {  # BIN PREFIX: the gateway has a route towards on-prem
  "$1" ctl -s "/run/vpngw/$2-vgw.sock" --json vgw 2>/dev/null | jq -e '.routes | length > 0'
}

# The built-in Site-to-Site topologies (lab/topologies/s2s*.toml), built by lab/build.sh.
s2s_up() {
  local p=$1 bin=$2 work=$3 kind=${4:-vgw} topology
  topology="$S2S_LIB_DIR/topologies/s2s$([ "$kind" = vgw ] || echo "-$kind").toml"
  lab_build "$p" "$bin" "$work" "$topology"
}

s2s_down() { lab_teardown "$1"; }

s2s_status() {  # PREFIX BIN [CUSTOMER_GATEWAY_ID]
  local p=$1 bin=$2 cgw=${3:-cgw-1}
  echo "-- customer gateway $cgw"
  "$bin" ctl -g "$cgw" ike | grep -E "^(Tunnel|tunnel[0-9]+ )" || true
  "$bin" ctl -g "$cgw" bgp summary 2>/dev/null || echo "(static routing: no BGP)"
  echo "-- AWS side ($p-vgw)"
  "$bin" ctl -s "/run/vpngw/$p-vgw.sock" vgw || true
}
