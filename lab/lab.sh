#!/usr/bin/env bash
# `vpngw lab report|capture` run this (it passes its own path in VPNGW_BIN); `vpngw lab`
# builds, removes, shows and fails over the lab itself (apps/lab.cpp, lab/). These drive a lab
# that is up, from the facts `lab up` left in $DIR/lab.env.
#
#   report [--out DIR]      a terminal summary and the page DIR/report.html (default ./vpngw-report-*):
#                           status, metrics, connections, and what a run left in DIR (the demo's
#                           failover, NAT proofs, authorization)
#   capture TUNNEL [--seconds N] [--out DIR]
#                           the tunnel's ESP at the customer gateway (tunnel1 or tunnel2; default 10 s)
#                           as DIR/TUNNEL.pcap, its SAs as Wireshark's esp_sa table, and decode.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${VPNGW_BIN:-$HERE/../build/vpngw}
P=lab
DIR=/run/vpngw-lab/work  # the lab `vpngw lab up` builds (its --dir default)

need_lab() {
  [ -f "$DIR/lab.env" ] || { echo "no lab is up (vpngw lab up)" >&2; exit 1; }
  source "$DIR/lab.env"
}

cmd=${1:-}
[ -n "$cmd" ] && shift
case $cmd in
  report)
    need_lab
    out=$PWD/vpngw-report-$(date +%Y%m%d-%H%M%S)
    [ "${1:-}" = --out ] && out=$2
    mkdir -p "$out"
    "$BIN" lab status >"$out/status.txt" 2>&1 || true
    [ -n "$LAB_CVPN" ] && "$BIN" ctl -s "$DIR/endpoint.sock" --json connections >"$out/cvpn.json"
    [ -n "$LAB_S2S" ] && ip netns exec "$P-vgw" curl -s http://127.0.0.1:9105/metrics | grep '^aws_vpn' >"$out/metrics.txt" || true
    python3 "$HERE/report.py" "$out" --text
    python3 "$HERE/report.py" "$out" >"$out/report.html"
    echo "report: $out/report.html"
    ;;
  capture)
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
    [ -n "$LAB_S2S" ] || { echo "vpngw lab capture: the lab up has no VPN connection" >&2; exit 1; }
    cgw=$LAB_CGW
    mkdir -p "$out"
    echo "capturing $tunnel (UDP 4500 to $peer at the customer gateway $cgw) for ${seconds}s"
    ip netns exec "$P-cgw" timeout "$seconds" tcpdump -U -ni out0 -w "$out/$tunnel.pcap" "udp port 4500 and host $peer" 2>/dev/null || true
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
  *) echo "vpngw lab: unknown command '$cmd'" >&2; exit 2 ;;
esac
