#!/usr/bin/env bash
# Namespaces (root): every algorithm AWS allows, against Debian's strongSwan through vpngw's data
# plane. Each row restricts the AWS side's [tunnel.ike] to one suite, strongSwan runs the file
# `vpngw ike export-cgw` writes for it, and the row passes when the tunnel is Established with that
# ESP transform, a ping crosses, vpngw rekeys the Child SA with the row's PFS group, and a ping
# crosses the rekeyed SA. Together the rows use every encryption and integrity algorithm in both
# phases and every DH group vpngw implements.
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/strongswan_cgw.sh"
source "$HERE/outside_pair.sh"
WORK=$(mktemp -d /tmp/vpngw-ikeprop.XXXXXX)
P="vpngw-s$$"
cleanup() {
  pair_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 20 "$WORK/vpngw.log" "$WORK/cgw/charon.log" >&2 2>/dev/null || true
  exit 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
PSK="Aws_Tunnel1.psk_example"

pair_create $P

field() { "$VPNGW" ctl -s "$WORK/aws.sock" --json ike | jq -r ".tunnels[0].$1"; }

# row IKE_ENC IKE_INTEG IKE_DH ESP_ENC ESP_INTEG ESP_DH EXPECTED_TRANSFORM
row() {
  cat >"$WORK/aws.toml" <<EOF
[gateway]
name = "$P"
[outside]
address = "198.51.100.1"
[[tunnel]]
name = "tunnel1"
peer = "198.51.100.2"
[tunnel.ike]
pre_shared_key = "$PSK"
phase1_encryption_algorithms = ["$1"]
phase1_integrity_algorithms = ["$2"]
phase1_dh_group_numbers = [$3]
phase2_encryption_algorithms = ["$4"]
phase2_integrity_algorithms = ["$5"]
phase2_dh_group_numbers = [$6]
lab_child_rekey_seconds = 2
[[route]]
prefix = "10.20.0.0/16"
tunnel = "tunnel1"
[management]
socket = "$WORK/aws.sock"
EOF
  rm -rf "$WORK/cgw" "$WORK/aws.sock"
  mkdir -p "$WORK/cgw"
  swan_write_conf "$WORK/cgw" 198.51.100.2 198.51.100.1 "$PSK" unused unused
  "$VPNGW" ike export-cgw --config "$WORK/aws.toml" >"$WORK/cgw/swanctl.conf" || fail "export-cgw"
  local proposals
  proposals=$(grep -E "^ *(esp_)?proposals" "$WORK/cgw/swanctl.conf" | awk '{print $3}' | paste -sd' ')
  ip netns exec $P-aws "$VPNGW" gateway --config "$WORK/aws.toml" >"$WORK/vpngw.log" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do [ -S "$WORK/aws.sock" ] && break; sleep 0.1; done
  swan_start $P-cgw "$WORK/cgw" || fail "charon for $proposals"
  for _ in $(seq 100); do [ "$(field TunnelIKEPhase2State)" = Established ] && break; sleep 0.2; done
  [ "$(field TunnelIKEPhase2State)" = Established ] || fail "$proposals: tunnel $(field TunnelIKEPhase1State)/$(field TunnelIKEPhase2State)"
  [ "$(field child_sa.transform)" = "$7" ] || fail "$proposals: ESP $(field child_sa.transform), wanted $7"
  in_ns $P-cgw ip route replace 10.10.0.0/16 dev ipsec0 src 10.20.0.1
  in_ns $P-cgw ping -c 2 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "$proposals: ping"
  for _ in $(seq 50); do [ "$(field child_sa_rekeys)" -ge 1 ] && break; sleep 0.1; done
  [ "$(field child_sa_rekeys)" -ge 1 ] || fail "$proposals: no Child SA rekey with PFS group $6"
  in_ns $P-cgw ping -c 2 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "$proposals: ping after the PFS rekey"
  echo "ok: $proposals -> $7, rekeyed with PFS group $6"
  kill -TERM $pid; wait $pid || true
  swan_stop $P-cgw "$WORK/cgw"
}

row AES128 SHA1 14 AES128 SHA1 14 "AES128-CBC/HMAC-SHA1-96"
row AES256 SHA2-256 15 AES256 SHA2-256 16 "AES256-CBC/HMAC-SHA2-256-128"
row AES128-GCM-16 SHA2-384 19 AES128-GCM-16 SHA1 20 "AES128-GCM-16"
row AES256-GCM-16 SHA2-512 20 AES256-GCM-16 SHA1 21 "AES256-GCM-16"
row AES256 SHA2-384 21 AES128 SHA2-384 19 "AES128-CBC/HMAC-SHA2-384-192"
row AES128 SHA2-512 16 AES256 SHA2-512 15 "AES256-CBC/HMAC-SHA2-512-256"
row AES256-GCM-16 SHA2-256 17 AES128 SHA2-256 18 "AES128-CBC/HMAC-SHA2-256-128"
row AES128-GCM-16 SHA1 31 AES256-GCM-16 SHA1 31 "AES256-GCM-16"
