#!/usr/bin/env bash
# The default lab demo (README): two gateways in namespaces, a host behind each, traffic across
# the encrypted tunnel, counters printed, everything torn down. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo.sh: run as root" >&2; exit 1; fi
./scripts/setup.sh >/dev/null
echo "== building vpngw"
./scripts/build.sh vpngw >/dev/null
source lab/two_gateways.sh
WORK=$(mktemp -d /tmp/vpngw-demo.XXXXXX)
trap 'echo "== tearing the lab down"; lab_down; rm -rf "$WORK"' EXIT

echo "== lab up: host-left 10.1.0.2 - gw-left 198.51.100.1 == ESP/UDP 4500 == gw-right 198.51.100.2 - host-right 10.2.0.2"
lab_up demo "$PWD/build/vpngw" "$WORK" aes256gcm16
echo "== ping across the tunnel (AES-256-GCM, manual SAs)"
lab_exec hl ping -c 3 -i 0.2 10.2.0.2
echo "== iperf3: one TCP stream for 5 s"
lab_exec hr iperf3 -s -1 -D -B 10.2.0.2 >/dev/null
sleep 0.5
lab_exec hl iperf3 -c 10.2.0.2 -t 5 -f m | grep -E "sender|receiver"
sleep 1.2
echo "== counters"
for gw in left right; do
  echo "-- gw-$gw"
  jq -r '.counters | to_entries[] | select(.value != 0) | "   \(.key)  \(.value)"' "$WORK/$gw.json"
  jq -r '.tunnels[] | "   tunnel \(.name): out spi \(.outbound.spi) \(.outbound.packets) pkts, in spi \(.inbound.spi) \(.inbound.packets) pkts, auth failures \(.inbound.auth_failures), replay drops \(.inbound.replay_drops)"' "$WORK/$gw.json"
done
