#!/usr/bin/env bash
# Namespaces (root): `vpngw lab up s2s`, then `vpngw lab capture` on both tunnels at once while
# on-prem pings the VPC host (the customer gateway and the VGW may choose different tunnels, so
# requests and replies can travel apart). The captures' decode.sh (tshark with the esp_sa table
# vpngw exported) must show the inner ICMP both ways (AES-CBC + HMAC-SHA1, AWS's default); without
# the table nothing may decode, so the check cannot pass by accident. Uses the lab named "lab".
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../lab/s2s.sh"
WORK=$(mktemp -d /tmp/vpngw-capture.XXXXXX)
cleanup() { "$VPNGW" lab down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VPNGW" lab up s2s >/dev/null
echo "customer gateway sends through: $(s2s_active_tunnel "$VPNGW")"
"$VPNGW" lab exec onprem -- ping -c 12 -i 0.25 10.1.0.10 >/dev/null &
PING=$!
"$VPNGW" lab capture tunnel1 --seconds 3 --out "$WORK/tunnel1" >"$WORK/capture1.txt" &
CAP1=$!
"$VPNGW" lab capture tunnel2 --seconds 3 --out "$WORK/tunnel2"
wait $CAP1 || fail "capture of tunnel1 failed"
cat "$WORK/capture1.txt"
wait $PING || fail "on-prem could not ping the VPC host"
requests=0 replies=0
for t in tunnel1 tunnel2; do
  [ -s "$WORK/$t/esp_sa" ] || fail "no SAs exported for $t"
  grep -q '"AES-CBC \[RFC3602\]","0x[0-9a-f]\{32\}","HMAC-SHA-1-96 \[RFC2404\]","0x[0-9a-f]\{40\}"' "$WORK/$t/esp_sa" ||
    fail "$t: esp_sa lines are not AES-128-CBC with HMAC-SHA1-96 keys: $(cat "$WORK/$t/esp_sa")"
  requests=$((requests + $("$WORK/$t/decode.sh" -Y "icmp.type == 8 && ip.src == 10.0.0.10" 2>/dev/null | wc -l)))
  replies=$((replies + $("$WORK/$t/decode.sh" -Y "icmp.type == 0 && ip.src == 10.1.0.10" 2>/dev/null | wc -l)))
  undecoded=$(tshark -r "$WORK/$t/$t.pcap" -o esp.enable_encryption_decode:TRUE -Y "icmp" 2>/dev/null | wc -l)
  [ "$undecoded" = 0 ] || fail "$t: ICMP visible without keys: the check proves nothing"
done
echo "decoded over both tunnels: $requests echo requests, $replies echo replies"
[ "$requests" -ge 3 ] && [ "$replies" -ge 3 ] || fail "tshark did not decrypt the inner ICMP"
echo "PASS"
