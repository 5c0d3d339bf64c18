#!/usr/bin/env bash
# Namespaces (root): an independent decoder. Capture the UDP 4500 traffic of AES-GCM tunnels
# (128 and 256) and have tshark decrypt it with the SA keys; the inner ICMP and TCP must decode.
# This proves the wire format is standard ESP (RFC 4303/4106/3948), not merely self-consistent.
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../lab/two_gateways.sh"
WORK=$(mktemp -d /tmp/vpngw-ts.XXXXXX)
trap 'lab_down; rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for cipher in aes128gcm16 aes256gcm16; do
  lab_up "s$$" "$VPNGW" "$WORK/$cipher" "$cipher" || fail "lab up"
  lab_exec gr timeout 20 tcpdump -U -i gr-out -w "$WORK/$cipher.pcap" udp port 4500 2>/dev/null &
  cap=$!
  sleep 1
  lab_exec hl ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping"
  lab_exec hr timeout 10 socat -u TCP-LISTEN:5001,reuseaddr OPEN:/dev/null,wronly &
  sink=$!
  sleep 0.3
  echo "hello through ESP" | lab_exec hl timeout 10 socat -u - TCP:10.2.0.2:5001 || fail "tcp"
  wait $sink || true
  sleep 0.5
  kill $cap 2>/dev/null || true
  wait $cap 2>/dev/null || true

  # Wireshark's SA table: key and salt concatenated, one entry per direction.
  algo="AES-GCM with 16 octet ICV [RFC4106]"
  sa() { echo "\"IPv4\",\"*\",\"*\",\"$1\",\"$algo\",\"0x$2\",\"NULL\",\"\""; }
  opts=(-o esp.enable_encryption_decode:TRUE
        -o "uat:esp_sa:$(sa 0x0000a001 "$LAB_KEY_LR")"
        -o "uat:esp_sa:$(sa 0x0000b001 "$LAB_KEY_RL")")
  esp=$(tshark -r "$WORK/$cipher.pcap" -Y esp 2>/dev/null | wc -l)
  icmp=$(tshark -r "$WORK/$cipher.pcap" "${opts[@]}" -Y "esp && icmp && ip.src==10.1.0.2" 2>/dev/null | wc -l)
  replies=$(tshark -r "$WORK/$cipher.pcap" "${opts[@]}" -Y "esp && icmp.type==0 && ip.src==10.2.0.2" 2>/dev/null | wc -l)
  tcp=$(tshark -r "$WORK/$cipher.pcap" "${opts[@]}" -Y "esp && tcp.port==5001" 2>/dev/null | wc -l)
  syn=$(tshark -r "$WORK/$cipher.pcap" "${opts[@]}" -Y "esp && tcp.flags.syn==1 && tcp.flags.ack==0" 2>/dev/null | wc -l)
  echo "$cipher: $esp ESP packets; decrypted: $icmp ICMP requests, $replies ICMP replies, $tcp TCP segments ($syn SYN)"
  [ "$esp" -gt 0 ] || fail "no ESP packets captured"
  [ "$icmp" -ge 3 ] && [ "$replies" -ge 3 ] || fail "tshark did not decode the inner ICMP"
  [ "$tcp" -ge 3 ] && [ "$syn" -eq 1 ] || fail "tshark did not decode the inner TCP"
  # With wrong keys nothing may decode: the checks above cannot pass by accident.
  wrong=(-o esp.enable_encryption_decode:TRUE -o "uat:esp_sa:$(sa 0x0000a001 "${LAB_KEY_RL}")")
  bad=$(tshark -r "$WORK/$cipher.pcap" "${wrong[@]}" -Y "esp && icmp && ip.src==10.1.0.2" 2>/dev/null | wc -l)
  [ "$bad" -eq 0 ] || fail "inner ICMP decoded with the wrong key?"
  lab_down
done
echo "PASS tshark_decode"
