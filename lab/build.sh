# Library (lab/s2s.sh sources it, after lab/client_vpn.sh and with it lab/netns.sh): builds a lab
# from a topology file (docs/reference/lab-topology.md). `vpngw lab plan` reads and checks the file
# first and writes the plan (one record per line), the Site-to-Site model and the Client VPN
# endpoint's config, so a mistake in the file stops the build before any namespace exists.
#
#   lab_build PREFIX BIN WORK TOPOLOGY   build it; waits until tunnels, BGP and clients are up
#                                        (call it with set -e in force, not under `if` or `||`:
#                                        every step's failure must stop the build)
#   lab_teardown PREFIX                  remove every namespace PREFIX-* and what runs in it
#
# Nodes are namespaces PREFIX-<node>: net (the lab internet bridge), cgw, t1, t2, vgw (or router
# without a VPN connection: the VPC router, first address of every subnet), cvpn, hosts, clients.
# S2S_RENDER_ARGS adds options to `vpngw s2s render` (the failover runs choose their detection).

# The plan's records into LAB_* variables and arrays.
lab_read_plan() {
  LAB_NAME="" LAB_DESCRIPTION="" LAB_ROUTER="" LAB_S2S="" LAB_RENDER=() LAB_LAN="" LAB_CVPN=""
  LAB_SUBNETS=() LAB_HOSTS=() LAB_ENIS=() LAB_CLIENTS=()
  local kind rest
  while read -r kind rest; do
    case $kind in
      name) LAB_NAME=$rest ;;
      description) LAB_DESCRIPTION=$rest ;;
      router) LAB_ROUTER=$rest ;;
      s2s) LAB_S2S=$rest ;;
      render) read -r -a LAB_RENDER <<<"$rest" ;;
      lan) LAB_LAN=$rest ;;
      subnet) LAB_SUBNETS+=("$rest") ;;
      host) LAB_HOSTS+=("$rest") ;;
      cvpn) LAB_CVPN=$rest ;;
      eni) LAB_ENIS+=("$rest") ;;
      client) LAB_CLIENTS+=("$rest") ;;
    esac
  done <"$1"
}

lab_node() {  # PREFIX NODE: a namespace with loopback up and no reverse-path filter
  ip netns add "$1-$2"
  s2s_in "$1" "$2" ip link set lo up
  s2s_in "$1" "$2" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# A host on a segment: its eth0 in the segment's bridge (lan0 at the customer gateway, a subnet's
# bridge at the VPC router), default route via the segment's gateway.
lab_host() {
  local p=$1 name=$2 segment=$3 address=$4 gateway=$5 owner bridge
  if [ "$segment" = lan ]; then owner=cgw bridge=lan0; else owner=$LAB_ROUTER bridge=$segment; fi
  lab_node "$p" "$name"
  ip link add "h-$name" netns "$p-$owner" type veth peer name eth0 netns "$p-$name"
  s2s_in "$p" "$owner" ip link set "h-$name" master "$bridge" up
  s2s_in "$p" "$name" ip addr add "$address" dev eth0
  s2s_in "$p" "$name" ip link set eth0 up
  s2s_in "$p" "$name" ip route add default via "$gateway"
}

lab_bridge() {  # PREFIX NODE BRIDGE [ADDRESS]
  s2s_in "$1" "$2" ip link add "$3" type bridge
  [ -z "${4:-}" ] || s2s_in "$1" "$2" ip addr add "$4" dev "$3"
  s2s_in "$1" "$2" ip link set "$3" up
}

lab_build() {
  local p=$1 bin=$2 work=$3 topology=$4
  mkdir -p "$work"
  "$bin" lab plan "$topology" "$work"
  lab_read_plan "$work/plan"
  lab_teardown "$p"
  S2S_WORK=$work
  local kind="" connection="" cgw_id="" cgw_ip="" onprem_cidr="" vpc_cidrs="" node cidr rec bridge gw
  [ -z "$LAB_S2S" ] || read -r kind connection cgw_id cgw_ip onprem_cidr vpc_cidrs <<<"$LAB_S2S"
  # a crashed lab's sockets would look like live gateways to the waits below
  [ -z "$kind" ] || rm -f "/run/vpngw/$connection-tunnel1.sock" "/run/vpngw/$connection-tunnel2.sock" "/run/vpngw/$cgw_id.sock"

  s2s_log "lab $LAB_NAME${LAB_DESCRIPTION:+: $LAB_DESCRIPTION}"
  local nodes="net $LAB_ROUTER"
  [ -z "$kind" ] || nodes="net cgw t1 t2 vgw"
  [ -z "$LAB_CVPN" ] || nodes="$nodes cvpn"
  s2s_log "namespaces: $nodes, hosts and clients (prefix $p-)"
  for node in $nodes; do lab_node "$p" "$node"; done
  lab_bridge "$p" net br0
  for rec in "${LAB_SUBNETS[@]}"; do
    read -r bridge gw _ <<<"$rec"
    lab_bridge "$p" "$LAB_ROUTER" "$bridge" "$gw"
  done
  s2s_in "$p" "$LAB_ROUTER" sysctl -qw net.ipv4.ip_forward=1

  if [ -n "$kind" ]; then
    s2s_internet_port "$p" cgw "$cgw_ip"
    s2s_internet_port "$p" t1 198.51.100.11
    s2s_internet_port "$p" t2 198.51.100.12
    lab_bridge "$p" cgw lan0 "$LAB_LAN"
    s2s_link "$p" t1 vgw0 100.64.0.1/30 vgw az-a 100.64.0.2/30
    s2s_link "$p" t2 vgw0 100.64.0.5/30 vgw az-b 100.64.0.6/30
    # ECMP by 5-tuple hash, as a transit gateway spreads flows over tunnels
    [ "$kind" != tgw ] || s2s_in "$p" vgw sysctl -qw net.ipv4.fib_multipath_hash_policy=1
    for node in cgw t1 t2; do s2s_in "$p" "$node" sysctl -qw net.ipv4.ip_forward=1; done
    # Each endpoint hands what it decrypts to the gateway router.
    for cidr in ${vpc_cidrs//,/ }; do
      s2s_in "$p" t1 ip route add "$cidr" via 100.64.0.2
      s2s_in "$p" t2 ip route add "$cidr" via 100.64.0.6
    done
  fi
  for rec in "${LAB_HOSTS[@]}"; do lab_host "$p" $rec; done
  [ ${#LAB_HOSTS[@]} -eq 0 ] || s2s_log "hosts: $(for rec in "${LAB_HOSTS[@]}"; do read -r n _ a _ <<<"$rec"; printf '%s %s  ' "$n" "${a%/*}"; done)"

  if [ -n "$kind" ]; then lab_build_s2s "$p" "$bin" "$work" "$kind" "$connection" "$cgw_id" "$onprem_cidr" "$vpc_cidrs"; fi
  if [ -n "$LAB_CVPN" ]; then lab_build_cvpn "$p" "$bin" "$work"; fi
}

lab_build_s2s() {
  local p=$1 bin=$2 work=$3 kind=$4 connection=$5 cgw_id=$6 onprem_cidr=$7 vpc_cidrs=$8
  s2s_log "configs: vpngw s2s render (AWS's defaults: random inside CIDRs and pre-shared keys)"
  # shellcheck disable=SC2086 # S2S_RENDER_ARGS holds several options
  "$bin" s2s render -c "$work/model.toml" --connection "$connection" --aws-outside 198.51.100.11,198.51.100.12 \
    --vpc-cidr "$vpc_cidrs" --onprem-cidr "$onprem_cidr" -o "$work/configs" "${LAB_RENDER[@]}" ${S2S_RENDER_ARGS:-} >/dev/null
  s2s_log "AWS tunnel endpoints: t1 ($connection-tunnel1), t2 ($connection-tunnel2)"
  s2s_start "$p" t1 t1 "$bin" gateway --config "$work/configs/$connection-tunnel1.toml" --stats "$work/t1.json"
  s2s_start "$p" t2 t2 "$bin" gateway --config "$work/configs/$connection-tunnel2.toml" --stats "$work/t2.json"
  s2s_log "$kind router: AWS's route priority towards on-prem"
  local router_args=()
  [ "$kind" != tgw ] || router_args+=(--transit)
  # a static connection's routes (the model's `routes`), through either tunnel
  [ "$kind" != static ] || router_args+=(--static "$onprem_cidr,$connection-tunnel1" --static "$onprem_cidr,$connection-tunnel2")
  s2s_start "$p" vgw vgw "$bin" s2s vgw --name "$p-vgw" "${router_args[@]}" --poll-ms "${S2S_POLL_MS:-100}" \
    --metrics-port 9105 \
    --endpoint "$connection-tunnel1,/run/vpngw/$connection-tunnel1.sock,100.64.0.1" \
    --endpoint "$connection-tunnel2,/run/vpngw/$connection-tunnel2.sock,100.64.0.5"
  s2s_wait 10 "the tunnel endpoints' management sockets" \
    test -S "/run/vpngw/$connection-tunnel1.sock" -a -S "/run/vpngw/$connection-tunnel2.sock"
  s2s_log "customer gateway $cgw_id (vpngw): initiates both tunnels"
  s2s_start "$p" cgw cgw "$bin" gateway --config "$work/configs/$cgw_id.toml" --stats "$work/cgw.json"
  s2s_wait 10 "the customer gateway's management socket" test -S "/run/vpngw/$cgw_id.sock"
  if [ "$kind" = static ]; then
    s2s_wait 60 "both tunnels at the customer gateway" s2s_ipsec_up "$bin" "$cgw_id" 2
  else
    s2s_wait 60 "both BGP sessions at the customer gateway" s2s_bgp_established "$bin" "$cgw_id" 2
  fi
  s2s_wait 20 "the $kind's routes towards on-prem" s2s_vgw_routes "$bin" "$p"
  s2s_log "Site-to-Site up: both tunnels Established$([ "$kind" = static ] && echo " (static routing)" || echo ", both BGP sessions Established")"
}

# The Client VPN endpoint (its ENIs bridged into their subnets at the VPC router), the lab's DNS
# and home router on the lab internet, and the clients with the files export-client-config writes.
lab_build_cvpn() {
  local p=$1 bin=$2 work=$3 rec device bridge name group outside
  CVPN_P=$p CVPN_WORK=$work CVPN_INET=net CVPN_VPNGW=$bin
  s2s_internet_port "$p" cvpn "$LAB_CVPN"
  s2s_in "$p" net ip addr add "$CVPN_NET.53/24" dev br0
  s2s_in "$p" net ip addr add "$CVPN_NET.254/24" dev br0  # the clients' home router
  s2s_in "$p" net sysctl -qw net.ipv4.ip_forward=1       # full tunnel routes the endpoint via it
  for rec in "${LAB_ENIS[@]}"; do
    read -r device bridge <<<"$rec"
    lab_bridge "$p" cvpn "br-$bridge"
    ip link add "v-$bridge" netns "$p-cvpn" type veth peer name "e-$bridge" netns "$p-$LAB_ROUTER"
    s2s_in "$p" cvpn ip link set "v-$bridge" master "br-$bridge" up
    s2s_in "$p" "$LAB_ROUTER" ip link set "e-$bridge" master "$bridge" up
  done
  s2s_log "Client VPN endpoint (vpngw clientvpn serve) at $LAB_CVPN:443, its PKI, ENIs ${LAB_ENIS[*]}"
  cvpn_start "$bin"
  for rec in "${LAB_ENIS[@]}"; do
    read -r device bridge <<<"$rec"
    s2s_in "$p" cvpn ip link set "$device" master "br-$bridge"
  done
  for rec in "${LAB_CLIENTS[@]}"; do
    read -r name group outside <<<"$rec"
    [ "$group" != - ] || group=""
    lab_node "$p" "$name"
    s2s_internet_port "$p" "$name" "$outside"
    s2s_in "$p" "$name" ip route add default via "$CVPN_NET.254"  # a home router; redirect-gateway needs one
    cvpn_client_files "$name" "$group" >/dev/null
    cvpn_connect "$name"
  done
  for rec in "${LAB_CLIENTS[@]}"; do
    read -r name _ <<<"$rec"
    cvpn_wait_connected "$name" 30 || { echo "client $name did not connect: see $work/$name.log" >&2; return 1; }
  done
  [ ${#LAB_CLIENTS[@]} -eq 0 ] || s2s_log "clients connected: $(for rec in "${LAB_CLIENTS[@]}"; do read -r n _ <<<"$rec"; printf '%s ' "$n"; done)"
  return 0
}

lab_teardown() {
  netns_remove_prefixed "$1"
  rm -f /run/vpngw/vpn-1-tunnel1.sock /run/vpngw/vpn-1-tunnel2.sock /run/vpngw/cgw-1.sock "/run/vpngw/$1-vgw.sock"
}
