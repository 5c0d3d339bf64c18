#!/usr/bin/env bash
# Namespaces (root): `vpngw lab up s2s`, then `vpngw lab capture` on the tunnel the customer gateway
# uses while on-prem pings the VPC host. The capture's decode.sh (tshark with the esp_sa table
# vpngw exported) must show the inner ICMP both ways (AES-CBC + HMAC-SHA1, AWS's default); with the
# table emptied nothing may decode, so the check cannot pass by accident. Uses the lab named "lab".
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../lab/s2s.sh"
source "$HERE/../../lab/failover.sh"
WORK=$(mktemp -d /tmp/vpngw-capture.XXXXXX)
cleanup() { "$VPNGW" lab down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VPNGW" lab up s2s >/dev/null
tunnel=$(s2s_active_tunnel "$VPNGW")
echo "active tunnel: $tunnel"
"$VPNGW" lab exec onprem -- ping -c 12 -i 0.25 10.1.0.10 >/dev/null &
PING=$!
"$VPNGW" lab capture "$tunnel" --seconds 3 --out "$WORK"
wait $PING || fail "on-prem could not ping the VPC host"
[ -s "$WORK/esp_sa" ] || fail "no SAs exported"
grep -q '"AES-CBC \[RFC3602\]","0x[0-9a-f]\{32\}","HMAC-SHA-1-96 \[RFC2404\]","0x[0-9a-f]\{40\}"' "$WORK/esp_sa" ||
  fail "esp_sa lines are not AES-128-CBC with HMAC-SHA1-96 keys: $(cat "$WORK/esp_sa")"
requests=$("$WORK/decode.sh" -Y "icmp.type == 8 && ip.src == 10.0.0.10" 2>/dev/null | wc -l)
replies=$("$WORK/decode.sh" -Y "icmp.type == 0 && ip.src == 10.1.0.10" 2>/dev/null | wc -l)
echo "decoded: $requests echo requests, $replies echo replies"
[ "$requests" -ge 3 ] && [ "$replies" -ge 3 ] || fail "tshark did not decrypt the inner ICMP"
undecoded=$(tshark -r "$WORK/$tunnel.pcap" -o esp.enable_encryption_decode:TRUE -Y "icmp" 2>/dev/null | wc -l)
[ "$undecoded" = 0 ] || fail "ICMP visible without keys: the check above proves nothing"
echo "PASS"
