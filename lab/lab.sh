#!/usr/bin/env bash
# `vpngw lab ...` runs this (it passes its own path in VPNGW_BIN). One lab at a time, named "lab".
#
#   up [s2s|s2s-tgw|s2s-static]
#                           build the lab (default s2s: a VPN connection to a virtual private gateway)
#   down                    remove it, whatever state it is in (also after a crash)
#   status                  tunnels, BGP sessions, the AWS gateway's view and routes
#   exec NODE -- CMD...     run CMD in a node: onprem, cgw, t1, t2, vgw, vpc (vpc2 with s2s-tgw)
#   failover [--methods bfd,bgp,dpd] [--faults kill,linkdown,stop] [--out DIR]
#                           measured failovers under a 1000 pps stream: table, JSON, SVG
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${VPNGW_BIN:-$HERE/../build/vpngw}
P=lab
STATE=/run/vpngw-lab
source "$HERE/s2s.sh"
source "$HERE/failover.sh"

need_root() { [ "$(id -u)" -eq 0 ] || { echo "vpngw lab: needs root (namespaces, TUN devices)" >&2; exit 1; }; }
usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ -n "$cmd" ] && shift
case $cmd in
  up)
    need_root
    topology=${1:-s2s}
    case $topology in
      s2s) kind=vgw ;; s2s-tgw) kind=tgw ;; s2s-static) kind=static ;;
      *) echo "vpngw lab up: topology s2s, s2s-tgw or s2s-static" >&2; exit 2 ;;
    esac
    mkdir -p "$STATE"
    rm -rf "$STATE/work"
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
    rm -rf "$STATE"
    left=$(ip netns list | grep -c "^$P-" || true)
    [ "$left" = 0 ] && echo "lab down: nothing left" || { echo "lab down: $left namespaces remain" >&2; exit 1; }
    ;;
  status)
    need_root
    [ -f "$STATE/topology" ] || { echo "no lab is up (vpngw lab up)"; exit 1; }
    echo "lab: $(cat "$STATE/topology"), nodes: $(ip netns list | awk '{print $1}' | grep "^$P-" | sed "s/^$P-//" | tr '\n' ' ')"
    s2s_status "$P" "$BIN"
    ;;
  exec)
    need_root
    node=${1:?vpngw lab exec NODE -- CMD}
    shift
    [ "${1:-}" = "--" ] && shift
    s2s_in "$P" "$node" "$@"
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
