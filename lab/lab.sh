#!/usr/bin/env bash
# `vpngw lab ...` runs this (it passes its own path in VPNGW_BIN). One lab at a time, named "lab".
#
#   up [TOPOLOGY]           build a lab from a topology file (docs/reference/lab-topology.md) or a
#                           built-in one: default (Site-to-Site and Client VPN into one VPC), s2s,
#                           s2s-tgw, s2s-static, clientvpn (lab/topologies/NAME.toml). Starts over
#                           if a lab is up.
#   down                    remove it, whatever state it is in (also after a crash)
#   status                  nodes, tunnels (state, bytes), BGP sessions, routes, client connections
#   report [--out DIR]      a terminal summary and the page DIR/report.html (default ./vpngw-report-*):
#                           status, metrics, connections, and what a run left in DIR (the demo's
#                           failover, NAT proofs, authorization)
#   exec NODE -- CMD...     run CMD in a node: hosts and clients by name; cgw, t1, t2, vgw, cvpn, net
#   check TOPOLOGY          read a topology file and say what it holds or what is wrong
#   capture TUNNEL [--seconds N] [--out DIR]
#                           the tunnel's ESP at the customer gateway (tunnel1 or tunnel2; default 10 s)
#                           as DIR/TUNNEL.pcap, its SAs as Wireshark's esp_sa table, and decode.sh
#   failover [--methods bfd,bgp,dpd] [--faults kill,linkdown,stop] [--out DIR]
#                           measured failovers under a 1000 pps stream: table, JSON, SVG (each run
#                           builds the s2s lab with that detection; a lab that is up is removed)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${VPNGW_BIN:-$HERE/../build/vpngw}
P=lab
STATE=/run/vpngw-lab
source "$HERE/s2s.sh"
source "$HERE/failover.sh"

lab_status() {
  local topology
  topology=$(cat "$STATE/topology")
  lab_read_plan "$STATE/work/plan"
  echo "lab $LAB_NAME ($topology)"
  echo "nodes: $(ip netns list | awk '{print $1}' | grep "^$P-" | sed "s/^$P-//" | sort | tr '\n' ' ')"
  local rec name segment address
  for rec in "${LAB_HOSTS[@]}"; do
    read -r name segment address _ <<<"$rec"
    printf '  host %-10s %-18s %s\n' "$name" "$address" "$([ "$segment" = lan ] && echo on-prem || echo "VPC subnet ($segment)")"
  done
  if [ -n "$LAB_S2S" ]; then
    echo
    s2s_status "$P" "$BIN" "$(lab_cgw_id)"
  fi
  if [ -n "$LAB_CVPN" ]; then
    echo
    echo "-- Client VPN endpoint ($LAB_CVPN)"
    "$BIN" ctl -s "$STATE/work/endpoint.sock" connections
    "$BIN" ctl -s "$STATE/work/endpoint.sock" --json stats |
      jq -r '"handshakes \(.handshakes), failed \(.handshake_failures); from clients \(.inbound.rx_packets) packets, dropped unauthorized \(.inbound.drop_rx_unauthorized // 0); to clients \(.outbound.tx_packets)"'
  fi
}

lab_cgw_id() { local _k _c id _; read -r _k _c id _ <<<"$LAB_S2S"; echo "$id"; }

need_root() { [ "$(id -u)" -eq 0 ] || { echo "vpngw lab: needs root (namespaces, TUN devices)" >&2; exit 1; }; }
need_lab() { [ -f "$STATE/topology" ] || { echo "no lab is up (vpngw lab up)" >&2; exit 1; }; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

cmd=${1:-}
[ -n "$cmd" ] && shift
case $cmd in
  up)
    need_root
    topology=${1:-default}
    file=$topology
    [ -f "$file" ] || file=$HERE/topologies/$topology.toml
    if [ ! -f "$file" ]; then
      echo "vpngw lab up: no topology file '$topology'; built in: $(cd "$HERE/topologies" && ls *.toml | sed 's/\.toml$//' | tr '\n' ' ')" >&2
      exit 2
    fi
    file=$(realpath "$file")
    # a broken topology stops here, before the running lab is touched
    check_dir=$(mktemp -d)
    "$BIN" lab plan "$file" "$check_dir" >/dev/null || { rm -rf "$check_dir"; exit 2; }
    rm -rf "$check_dir"
    lab_teardown "$P"
    rm -rf "$STATE"
    mkdir -p "$STATE"
    echo "$file" >"$STATE/topology"
    trap 'rc=$?; [ $rc = 0 ] || echo "vpngw lab up: failed; logs in $STATE/work (vpngw lab down removes what was built)" >&2' EXIT
    lab_build "$P" "$BIN" "$STATE/work" "$file"
    echo
    lab_status
    echo
    lab_read_plan "$STATE/work/plan"
    onprem_host="" vpc_address=""
    for rec in "${LAB_HOSTS[@]}"; do
      read -r name segment address _ <<<"$rec"
      if [ "$segment" = lan ]; then onprem_host=${onprem_host:-$name}; else vpc_address=${vpc_address:-${address%/*}}; fi
    done
    if [ -n "$vpc_address" ]; then
      [ -n "$onprem_host" ] && echo "try: vpngw lab exec $onprem_host -- ping $vpc_address"
      [ ${#LAB_CLIENTS[@]} -gt 0 ] && echo "try: vpngw lab exec ${LAB_CLIENTS[0]%% *} -- ping $vpc_address"
    fi
    echo "     vpngw lab status      vpngw lab report      vpngw lab down"
    ;;
  down)
    need_root
    lab_teardown "$P"
    rm -rf "$STATE"
    left=$(ip netns list | grep -c "^$P-" || true)
    [ "$left" = 0 ] && echo "lab down: nothing left" || { echo "lab down: $left namespaces remain" >&2; exit 1; }
    ;;
  status)
    need_root
    need_lab
    lab_status
    ;;
  report)
    need_root
    need_lab
    out=$PWD/vpngw-report-$(date +%Y%m%d-%H%M%S)
    [ "${1:-}" = --out ] && out=$2
    mkdir -p "$out"
    lab_status >"$out/status.txt" 2>&1 || true
    lab_read_plan "$STATE/work/plan"
    [ -n "$LAB_CVPN" ] && "$BIN" ctl -s "$STATE/work/endpoint.sock" --json connections >"$out/cvpn.json"
    [ -n "$LAB_S2S" ] && s2s_in "$P" vgw curl -s http://127.0.0.1:9105/metrics | grep '^aws_vpn' >"$out/metrics.txt" || true
    python3 "$HERE/report.py" "$out" --text
    python3 "$HERE/report.py" "$out" >"$out/report.html"
    echo "report: $out/report.html"
    ;;
  check)
    "$BIN" lab check "$@"
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
    need_lab
    lab_read_plan "$STATE/work/plan"
    [ -n "$LAB_S2S" ] || { echo "vpngw lab capture: the lab up has no VPN connection" >&2; exit 1; }
    cgw=$(lab_cgw_id)
    mkdir -p "$out"
    echo "capturing $tunnel (UDP 4500 to $peer at the customer gateway $cgw) for ${seconds}s"
    s2s_in "$P" cgw timeout "$seconds" tcpdump -U -ni out0 -w "$out/$tunnel.pcap" "udp port 4500 and host $peer" 2>/dev/null || true
    # The SAs after the capture: the Child SAs it saw are among the last 8 (rekeys included).
    "$BIN" ctl -g "$cgw" ike-esp-sa "$tunnel" >"$out/esp_sa"
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
    lab_teardown "$P"  # each run builds its own lab
    rm -rf "$STATE"
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
