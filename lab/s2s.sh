# Library for test drivers (source it): the Site-to-Site lab, built by `vpngw lab up` from
# lab/topologies/s2s{,-tgw,-static}.toml under the driver's own prefix and folder. One VPN
# connection, every piece a namespace and a real process:
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
#                                       (static: both IPsec tunnels, no BGP); S2S_SITE_TO_SITE adds
#                                       lines to the topology's [site_to_site] (detection, prepends)
#   s2s_down PREFIX                     remove every namespace and process (also after a crash)
#   s2s_in PREFIX NODE CMD...           run CMD in a node (onprem, cgw, t1, t2, vgw, vpc, vpc2)
#
# The gateway router serves CloudWatch's TunnelState/TunnelDataIn/TunnelDataOut as Prometheus text
# on its loopback: ip netns exec PREFIX-vgw curl -s 127.0.0.1:9105/metrics

S2S_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

s2s_in() { local p=$1 node=$2; shift 2; ip netns exec "$p-$node" "$@"; }

s2s_log() { printf '%s  %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }

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

s2s_active_tunnel() {  # BIN: the tunnel the customer gateway's best path to the VPC takes
  "$1" ctl -g cgw-1 --json bgp routes | jq -r '.routes[] | select(.prefix == "10.1.0.0/16") | .paths[] | select(.best) | .tunnel'
}

s2s_vgw_routes() {  # BIN PREFIX: the gateway has a route towards on-prem
  "$1" ctl -s "/run/vpngw/$2-vgw.sock" --json vgw 2>/dev/null | jq -e '.routes | length > 0'
}

# The built-in Site-to-Site topologies (lab/topologies/s2s*.toml), built by `vpngw lab up`.
s2s_up() {
  local p=$1 bin=$2 work=$3 kind=${4:-vgw} topology
  topology="$S2S_LIB_DIR/topologies/s2s$([ "$kind" = vgw ] || echo "-$kind").toml"
  if [ -n "${S2S_SITE_TO_SITE:-}" ]; then
    local variant
    variant=$(mktemp /tmp/vpngw-topology.XXXXXX.toml)
    { cat "$topology"; printf '\n[site_to_site]\n%s\n' "$S2S_SITE_TO_SITE"; } >"$variant"
    topology=$variant
  fi
  S2S_WORK=$work
  local rc=0
  "$bin" lab up "$topology" --prefix "$p" --dir "$work" || rc=$?
  [ -z "${variant:-}" ] || rm -f "$variant"
  return $rc
}

s2s_down() { "${S2S_BIN:-$VPNGW}" lab down --prefix "$1" --dir "${S2S_WORK:-/run/vpngw-lab/$1}" >/dev/null; }
