# Library (source it): the Site-to-Site lab. One VPN connection of the model in
# lab/topologies/s2s-{vgw,tgw}.toml, every piece a namespace and a real process:
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
#   s2s_status PREFIX BIN               tunnels, BGP, the gateway's routes
#   s2s_in PREFIX NODE CMD...           run CMD in a node (onprem, cgw, t1, t2, vgw, vpc, vpc2)
#
# The gateway router serves CloudWatch's TunnelState/TunnelDataIn/TunnelDataOut as Prometheus text
# on its loopback: ip netns exec PREFIX-vgw curl -s 127.0.0.1:9105/metrics

S2S_NODES="net onprem cgw t1 t2 vgw vpc vpc2"

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

s2s_up() {
  local p=$1 bin=$2 work=$3 kind=${4:-vgw}
  S2S_WORK=$work
  mkdir -p "$work"
  local model
  model="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/topologies/s2s-$kind.toml"
  s2s_down "$p"
  s2s_log "namespaces: ${S2S_NODES// /, } (prefix $p-)"
  local node
  for node in $S2S_NODES; do
    [ "$node" = vpc2 ] && [ "$kind" != tgw ] && continue
    ip netns add "$p-$node"
    s2s_in "$p" "$node" ip link set lo up
    s2s_in "$p" "$node" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  s2s_in "$p" net ip link add br0 type bridge
  s2s_in "$p" net ip link set br0 up
  s2s_internet_port "$p" cgw 198.51.100.2
  s2s_internet_port "$p" t1 198.51.100.11
  s2s_internet_port "$p" t2 198.51.100.12
  s2s_link "$p" onprem eth0 10.0.0.10/24 cgw lan0 10.0.0.1/24
  s2s_in "$p" onprem ip route add default via 10.0.0.1
  s2s_link "$p" t1 vgw0 100.64.0.1/30 vgw az-a 100.64.0.2/30
  s2s_link "$p" t2 vgw0 100.64.0.5/30 vgw az-b 100.64.0.6/30
  s2s_link "$p" vgw vpc0 10.1.0.1/24 vpc eth0 10.1.0.10/24
  s2s_in "$p" vpc ip route add default via 10.1.0.1
  local vpc_cidrs=10.1.0.0/16
  if [ "$kind" = tgw ]; then
    s2s_link "$p" vgw vpc1 10.2.0.1/24 vpc2 eth0 10.2.0.10/24
    s2s_in "$p" vpc2 ip route add default via 10.2.0.1
    vpc_cidrs=10.1.0.0/16,10.2.0.0/16
    # ECMP by 5-tuple hash, as a transit gateway spreads flows over tunnels
    s2s_in "$p" vgw sysctl -qw net.ipv4.fib_multipath_hash_policy=1
  fi
  for node in cgw t1 t2 vgw; do s2s_in "$p" "$node" sysctl -qw net.ipv4.ip_forward=1; done
  # Each endpoint hands what it decrypts to the gateway router.
  local cidr
  for cidr in ${vpc_cidrs//,/ }; do
    s2s_in "$p" t1 ip route add "$cidr" via 100.64.0.2
    s2s_in "$p" t2 ip route add "$cidr" via 100.64.0.6
  done

  s2s_log "configs: vpngw s2s render $(basename "$model") (AWS's defaults: random inside CIDRs and pre-shared keys)"
  "$bin" s2s render -c "$model" --connection vpn-1 --aws-outside 198.51.100.11,198.51.100.12 \
    --vpc-cidr "$vpc_cidrs" --onprem-cidr 10.0.0.0/16 -o "$work/configs" ${S2S_RENDER_ARGS:-} >/dev/null
  s2s_log "AWS tunnel endpoints: t1 (vpn-1-tunnel1), t2 (vpn-1-tunnel2)"
  s2s_start "$p" t1 t1 "$bin" gateway --config "$work/configs/vpn-1-tunnel1.toml" --stats "$work/t1.json"
  s2s_start "$p" t2 t2 "$bin" gateway --config "$work/configs/vpn-1-tunnel2.toml" --stats "$work/t2.json"
  s2s_log "$kind router: AWS's route priority towards on-prem"
  local router_args=()
  [ "$kind" = tgw ] && router_args+=(--transit)
  if [ "$kind" = static ]; then
    # the connection's static routes (the model's `routes`), through either tunnel
    router_args+=(--static 10.0.0.0/16,vpn-1-tunnel1 --static 10.0.0.0/16,vpn-1-tunnel2)
  fi
  s2s_start "$p" vgw vgw "$bin" s2s vgw --name "$p-vgw" "${router_args[@]}" --poll-ms "${S2S_POLL_MS:-100}" \
    --metrics-port 9105 \
    --endpoint "vpn-1-tunnel1,/run/vpngw/vpn-1-tunnel1.sock,100.64.0.1" \
    --endpoint "vpn-1-tunnel2,/run/vpngw/vpn-1-tunnel2.sock,100.64.0.5"
  s2s_wait 10 "the tunnel endpoints' management sockets" test -S /run/vpngw/vpn-1-tunnel1.sock -a -S /run/vpngw/vpn-1-tunnel2.sock
  s2s_log "customer gateway cgw-1 (vpngw): initiates both tunnels"
  s2s_start "$p" cgw cgw "$bin" gateway --config "$work/configs/cgw-1.toml" --stats "$work/cgw.json"
  s2s_wait 10 "the customer gateway's management socket" test -S /run/vpngw/cgw-1.sock
  if [ "$kind" = static ]; then
    s2s_wait 60 "both tunnels at the customer gateway" s2s_ipsec_up "$bin" cgw-1 2
  else
    s2s_wait 60 "both BGP sessions at the customer gateway" s2s_bgp_established "$bin" cgw-1 2
  fi
  s2s_wait 20 "the $kind's routes towards on-prem" s2s_vgw_routes "$bin" "$p"
  s2s_log "up: both tunnels Established$([ "$kind" = static ] && echo " (static routing)" || echo ", both BGP sessions Established")"
}

s2s_down() {
  local p=$1 node
  for node in $S2S_NODES; do
    if ip netns list | grep -qw "^$p-$node"; then
      ip netns pids "$p-$node" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
    fi
  done
  sleep 0.3
  for node in $S2S_NODES; do
    ip netns pids "$p-$node" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$p-$node" 2>/dev/null || true
  done
  rm -f /run/vpngw/vpn-1-tunnel1.sock /run/vpngw/vpn-1-tunnel2.sock /run/vpngw/cgw-1.sock "/run/vpngw/$p-vgw.sock"
}

s2s_status() {
  local p=$1 bin=$2
  echo "-- customer gateway cgw-1"
  "$bin" ctl -g cgw-1 ike | grep -E "^(Tunnel|tunnel[0-9]+ )" || true
  "$bin" ctl -g cgw-1 bgp summary 2>/dev/null || echo "(static routing: no BGP)"
  echo "-- AWS side ($p-vgw)"
  "$bin" ctl -s "/run/vpngw/$p-vgw.sock" vgw || true
}
