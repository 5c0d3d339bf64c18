#!/usr/bin/env bash
# `vpngw lab ...` runs this (it passes its own path in VPNGW_BIN). One lab at a time, named "lab".
#
#   up [s2s|s2s-tgw|s2s-static|clientvpn]
#                           build the lab (default s2s: a VPN connection to a virtual private gateway;
#                           clientvpn: an endpoint, its ENIs in two VPC subnets, clients alice and bob)
#   down                    remove it, whatever state it is in (also after a crash)
#   status                  tunnels, BGP sessions, the AWS gateway's view and routes; client connections
#   exec NODE -- CMD...     run CMD in a node: onprem, cgw, t1, t2, vgw, vpc (vpc2 with s2s-tgw);
#                           clientvpn: alice, bob, inet, cvpn, vpc
#   capture TUNNEL [--seconds N] [--out DIR]
#                           the tunnel's ESP at the customer gateway (tunnel1 or tunnel2; default 10 s)
#                           as DIR/TUNNEL.pcap, its SAs as Wireshark's esp_sa table, and decode.sh
#   failover [--methods bfd,bgp,dpd] [--faults kill,linkdown,stop] [--out DIR]
#                           measured failovers under a 1000 pps stream: table, JSON, SVG
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${VPNGW_BIN:-$HERE/../build/vpngw}
P=lab
STATE=/run/vpngw-lab
source "$HERE/s2s.sh"
source "$HERE/failover.sh"
source "$HERE/client_vpn.sh"
CVPN_P=$P
CVPN_VPNGW=$BIN

# The Client VPN lab: the endpoint, alice (all users: subnet 1) and bob (group admins: both subnets).
clientvpn_up() {
  local work=$1
  cvpn_down
  s2s_log "namespaces: inet (lab internet, wildcard DNS), cvpn (endpoint), vpc (hosts 10.0.1.20, 10.0.2.20)"
  cvpn_create "$P" "$work"
  s2s_log "PKI and the endpoint (vpngw clientvpn serve): $CVPN_NET.1:443/udp, client CIDR 172.16.0.0/22"
  cvpn_start "$BIN"
  s2s_log "clients: alice and bob (OU=admins), each with the .ovpn export-client-config writes"
  cvpn_add_client alice "" 1 >/dev/null
  cvpn_add_client bob admins 2 >/dev/null
  cvpn_connect alice
  cvpn_connect bob
  cvpn_wait_connected alice 30 && cvpn_wait_connected bob 30 || { echo "a client did not connect" >&2; return 1; }
  s2s_log "up: alice and bob connected"
}

clientvpn_status() {
  "$BIN" ctl -s "$STATE/work/endpoint.sock" connections
  "$BIN" ctl -s "$STATE/work/endpoint.sock" --json stats |
    jq -r '"handshakes \(.handshakes), failed \(.handshake_failures); from clients \(.inbound.rx_packets) packets, dropped unauthorized \(.inbound.drop_rx_unauthorized // 0); to clients \(.outbound.tx_packets)"'
}

need_root() { [ "$(id -u)" -eq 0 ] || { echo "vpngw lab: needs root (namespaces, TUN devices)" >&2; exit 1; }; }
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ -n "$cmd" ] && shift
case $cmd in
  up)
    need_root
    topology=${1:-s2s}
    case $topology in
      s2s) kind=vgw ;; s2s-tgw) kind=tgw ;; s2s-static) kind=static ;; clientvpn) kind=clientvpn ;;
      *) echo "vpngw lab up: topology s2s, s2s-tgw, s2s-static or clientvpn" >&2; exit 2 ;;
    esac
    mkdir -p "$STATE"
    [ -f "$STATE/topology" ] && { s2s_down "$P"; cvpn_down; }  # up again: start from nothing
    rm -rf "$STATE/work"
    if [ "$kind" = clientvpn ]; then
      ip netns exec "$P-cvpn" true 2>/dev/null && cvpn_down
      clientvpn_up "$STATE/work"
      echo "$topology" >"$STATE/topology"
      echo
      clientvpn_status
      echo
      echo "try: vpngw lab exec alice -- ping 10.0.1.20      vpngw lab exec bob -- ping 10.0.2.20      vpngw lab down"
      exit 0
    fi
    s2s_up "$P" "$BIN" "$STATE/work" "$kind"
    echo "$topology" >"$STATE/topology"
    echo
    s2s_status "$P" "$BIN"
    echo
    echo "try: vpngw lab exec onprem -- ping 10.1.0.10      vpngw lab status      vpngw lab down"
    ;;
  down)
    need_root
    s2s_down "$P"
    cvpn_down
    rm -rf "$STATE"
    left=$(ip netns list | grep -c "^$P-" || true)
    [ "$left" = 0 ] && echo "lab down: nothing left" || { echo "lab down: $left namespaces remain" >&2; exit 1; }
    ;;
  status)
    need_root
    [ -f "$STATE/topology" ] || { echo "no lab is up (vpngw lab up)"; exit 1; }
    echo "lab: $(cat "$STATE/topology"), nodes: $(ip netns list | awk '{print $1}' | grep "^$P-" | sed "s/^$P-//" | tr '\n' ' ')"
    if [ "$(cat "$STATE/topology")" = clientvpn ]; then clientvpn_status; else s2s_status "$P" "$BIN"; fi
    ;;
  exec)
    need_root
    node=${1:?vpngw lab exec NODE -- CMD}
    shift
    [ "${1:-}" = "--" ] && shift
    s2s_in "$P" "$node" "$@"
    ;;
  capture)
    need_root
    tunnel=${1:?vpngw lab capture TUNNEL (tunnel1 or tunnel2)}
    shift
    seconds=10 out=$PWD/vpngw-capture-$(date +%Y%m%d-%H%M%S)
    while [ $# -gt 0 ]; do
      case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "vpngw lab capture: unknown option $1" >&2; exit 2 ;;
      esac
    done
    case $tunnel in
      tunnel1) peer=198.51.100.11 ;; tunnel2) peer=198.51.100.12 ;;
      *) echo "vpngw lab capture: tunnel1 or tunnel2 (the Site-to-Site lab's tunnels)" >&2; exit 2 ;;
    esac
    [ -S /run/vpngw/cgw-1.sock ] || { echo "vpngw lab capture: no Site-to-Site lab is up (vpngw lab up s2s)" >&2; exit 1; }
    mkdir -p "$out"
    echo "capturing $tunnel (UDP 4500 between 198.51.100.2 and $peer at the customer gateway) for ${seconds}s"
    s2s_in "$P" cgw timeout "$seconds" tcpdump -U -ni out0 -w "$out/$tunnel.pcap" "udp port 4500 and host $peer" 2>/dev/null || true
    # The SAs after the capture: the Child SAs it saw are among the last 8 (rekeys included).
    "$BIN" ctl -g cgw-1 ike-esp-sa "$tunnel" >"$out/esp_sa"
    {
      echo '#!/bin/sh'
      echo '# Decrypts the capture with the SAs vpngw exported (needs tshark). Extra arguments go to tshark.'
      printf 'exec tshark -r "%s" -o esp.enable_encryption_decode:TRUE' "$out/$tunnel.pcap"
      while IFS= read -r line; do printf " -o 'uat:esp_sa:%s'" "$line"; done <"$out/esp_sa"
      echo ' "$@"'
    } >"$out/decode.sh"
    chmod +x "$out/decode.sh"
    echo "written: $out/$tunnel.pcap ($(tcpdump -r "$out/$tunnel.pcap" 2>/dev/null | wc -l) packets), $out/esp_sa ($(wc -l <"$out/esp_sa") SAs)"
    echo "decode:  $out/decode.sh          (Wireshark: copy esp_sa to ~/.config/wireshark/esp_sa, enable ESP decryption)"
    ;;
  failover)
    need_root
    methods=bfd,bgp,dpd faults=kill out=$PWD/vpngw-failover-$(date +%Y%m%d-%H%M%S)
    while [ $# -gt 0 ]; do
      case $1 in
        --methods) methods=$2; shift 2 ;;
        --faults) faults=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "vpngw lab failover: unknown option $1" >&2; exit 2 ;;
      esac
    done
    mkdir -p "$out"
    runs=()
    for m in ${methods//,/ }; do
      for f in ${faults//,/ }; do
        echo "== $m / $f"
        s2s_failover "$P" "$BIN" "$out/$m-$f" "$m" "$f"
        runs+=(--run "$(cat "$out/$m-$f/run.spec")")
        s2s_down "$P"
      done
    done
    echo
    "$BIN" stream report "${runs[@]}" --json "$out/failover.json" --svg "$out/failover.svg"
    echo
    echo "detect: fault to the customer gateway dropping the tunnel's BGP session; restore: fault to the"
    echo "end of the longest silence; return: packets lost when the failed tunnel came back."
    echo "written: $out/failover.json $out/failover.svg (per run: configs and logs in $out/<method>-<fault>/)"
    ;;
  ""|-h|--help|help) usage ;;
  *) echo "vpngw lab: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac
