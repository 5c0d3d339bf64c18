#!/usr/bin/env bash
# Namespaces (root): two gateways with a host behind each. Ping and a 100 MB TCP transfer with a
# matching checksum across an AES-GCM tunnel; a replayed and a tampered ESP packet injected on the
# wire are dropped and counted while traffic goes on; ChaCha20-Poly1305 and AES-256 tunnels pass;
# a tunnel's limits ([tunnel.limits], AWS's 1.25 Gbps and 140 kpps scaled down to 50 Mbps and
# 8,000 packets/s) police what it receives and what it sends, and count the excess.
set -euo pipefail
VPNGW=$(realpath "$1") INJECT=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../lab/two_gateways.sh"
WORK=$(mktemp -d /tmp/vpngw-it.XXXXXX)
trap 'lab_down; rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$LAB_DIR"/*.log >&2 || true; exit 1; }

lab_up "t$$" "$VPNGW" "$WORK/aes" aes128gcm16 || fail "lab up"
lab_exec hl ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping across the tunnel"
echo "ok: ping across an AES-128-GCM tunnel"

# 100 MB over TCP; the receiver hashes what arrives.
head -c 100M /dev/urandom >"$WORK/blob"
want=$(sha256sum <"$WORK/blob" | cut -d' ' -f1)
lab_exec hr sh -c "socat -u TCP-LISTEN:5001,reuseaddr - | sha256sum | cut -d' ' -f1 > '$WORK/got'" &
sink=$!
sleep 0.5
start=$(date +%s.%N)
lab_exec hl timeout 120 socat -u "FILE:$WORK/blob" TCP:10.2.0.2:5001 || fail "TCP transfer"
wait $sink
secs=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(cat "$WORK/got")" = "$want" ] || fail "checksum mismatch after 100 MB transfer"
echo "ok: 100 MB over TCP, sha256 matches ($secs s)"

# Capture a few ESP packets arriving at the right gateway, then replay one and tamper another.
lab_exec gr timeout 10 tcpdump -i gr-out -w "$WORK/esp.pcap" -c 6 udp dst port 4500 2>/dev/null &
cap=$!
sleep 1
lab_exec hl ping -c 6 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping before injection"
wait $cap || true
sleep 1.2
replay0=$(lab_counter right drop_rx_replay); icv0=$(lab_counter right drop_rx_bad_icv)
lab_exec gl "$INJECT" "$WORK/esp.pcap" 198.51.100.2 replay 0 || fail "inject replay"
lab_exec gl "$INJECT" "$WORK/esp.pcap" 198.51.100.2 tamper 1 || fail "inject tamper"
lab_exec hl ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping after injection"
sleep 1.5
replay1=$(lab_counter right drop_rx_replay); icv1=$(lab_counter right drop_rx_bad_icv)
[ "$replay1" -eq $((replay0 + 1)) ] || fail "replay counter $replay0 -> $replay1, want +1"
[ "$icv1" -eq $((icv0 + 1)) ] || fail "bad-ICV counter $icv0 -> $icv1, want +1"
auth=$(jq '.tunnels[0].inbound.auth_failures' "$LAB_DIR/right.json")
[ "$auth" -ge 1 ] || fail "per-tunnel auth_failures is $auth"
echo "ok: replayed packet counted as drop_rx_replay, tampered one as drop_rx_bad_icv; traffic goes on"
lab_down

for cipher in chacha20poly1305 aes256gcm16; do
  lab_up "t$$" "$VPNGW" "$WORK/$cipher" "$cipher" || fail "lab up $cipher"
  lab_exec hl ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping across a $cipher tunnel"
  lab_exec hr sh -c "socat -u TCP-LISTEN:5001,reuseaddr - | sha256sum | cut -d' ' -f1 > '$WORK/got'" &
  sink=$!
  sleep 0.3
  head -c 10M "$WORK/blob" | lab_exec hl timeout 60 socat -u - TCP:10.2.0.2:5001 || fail "TCP over $cipher"
  wait $sink
  [ "$(cat "$WORK/got")" = "$(head -c 10M "$WORK/blob" | sha256sum | cut -d' ' -f1)" ] || fail "checksum over $cipher"
  echo "ok: ping and 10 MB TCP across a $cipher tunnel"
  lab_down
done

LAB_RIGHT_EXTRA=$(printf '[tunnel.limits]\nbandwidth_mbps = 50\npackets_per_second = 8000\n')
lab_up "t$$" "$VPNGW" "$WORK/limits" aes128gcm16 || fail "lab up with limits"
unset LAB_RIGHT_EXTRA
iperf() { lab_exec hr iperf3 -s -1 -D -B 10.2.0.2 >/dev/null; sleep 0.3; lab_exec hl iperf3 -c 10.2.0.2 -u -t 3 -O 1 -J "$@"; }
mbps=$(iperf -b 200M -l 1200 | jq '.end.sum_received.bits_per_second / 1e6')
awk -v m="$mbps" 'BEGIN { exit !(m >= 44 && m <= 55) }' || fail "200 Mbit/s into a 50 Mbps tunnel delivered $mbps Mb/s"
kpps=$(iperf -R -b 10240K -l 64 | jq '.end.sum_received.bytes / 64 / .end.sum_received.seconds / 1e3')
awk -v k="$kpps" 'BEGIN { exit !(k >= 7.2 && k <= 8.8) }' || fail "20 kpps out of an 8 kpps tunnel delivered $kpps kpps"
sleep 1.1  # the stats file is rewritten every second
rx=$(lab_counter right drop_rx_rate_limit) tx=$(lab_counter right drop_tx_rate_limit)
[ "$rx" -gt 0 ] && [ "$tx" -gt 0 ] || fail "policed packets not counted: rx $rx, tx $tx"
[ "$(jq -c '.tunnels[0].limits' "$LAB_DIR/right.json")" = '{"bandwidth_mbps":50,"packets_per_second":8000}' ] || fail "stats do not show the limits"
echo "ok: limits: $mbps Mb/s of 200 offered, $kpps kpps of 20 offered; dropped rx $rx, tx $tx"
lab_down
echo "PASS two_gateways"
