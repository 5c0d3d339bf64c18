#!/usr/bin/env bash
# Namespaces (root): Debian's strongSwan (charon with kernel-libipsec, as toolchain.md describes) as
# the customer gateway initiates IKEv2 with a pre-shared key to vpngw's IKE responder (the
# ike_probe tool on 198.51.100.1, UDP 500 and 4500). The probe answers IKE_SA_INIT and IKE_AUTH;
# strongSwan must report the IKE SA ESTABLISHED and the Child SA INSTALLED; a ping into strongSwan's
# ipsec0 then sends ESP that the probe must open with the inbound key it derived.
# Run once per IKE suite: AES-GCM-256/SHA2-256/ECP-256 and AES-CBC-128/SHA1/MODP-2048 (AWS defaults);
# then once with a Child SA rekey every 3 s with PFS (CREATE_CHILD_SA) and DPD every second under
# ping: the probe must open ESP on the rekeyed Child SA too and answer the liveness checks.
set -euo pipefail
PROBE=$(realpath "$1")
VPNGW=$(realpath "$2")  # builds the lab
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/strongswan_cgw.sh"
source "$HERE/outside_pair.sh"
WORK=$(mktemp -d /tmp/vpngw-ike.XXXXXX)
P="vpngw-i$$"
cleanup() {
  pair_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 30 "$WORK"/*/*.log >&2 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp -r "$WORK" /tmp/ike-debug; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
PSK="Aws_Tunnel1.psk_example"

pair_create $P

run_suite() {
  local name=$1 ike=$2 esp=$3 children=${4:-1} child_opts=${5:-} conn_opts=${6:-}
  local dir=$WORK/$name
  swan_write_conf "$dir" 198.51.100.2 198.51.100.1 "$PSK" "$ike" "$esp" "$child_opts" "$conn_opts" "retransmit_tries = 2"
  in_ns $P-aws "$PROBE" 198.51.100.1 "$PSK" 40 "$children" >"$dir/probe.log" 2>&1 &
  local probe=$!
  swan_start $P-cgw "$dir" || fail "$name: charon did not start or swanctl --load-all failed"
  in_ns $P-cgw timeout 20 swanctl --initiate --child tunnel1 --uri "unix://$dir/charon.vici" >"$dir/initiate.log" 2>&1 ||
    fail "$name: strongSwan could not establish the tunnel"
  local sas
  sas=$(swan_ctl $P-cgw "$dir" --list-sas)
  grep -q "ESTABLISHED" <<<"$sas" || fail "$name: IKE SA not ESTABLISHED: $sas"
  grep -q "INSTALLED" <<<"$sas" || fail "$name: Child SA not INSTALLED: $sas"
  # Traffic into libipsec's TUN becomes ESP to the probe.
  in_ns $P-cgw ip route add 10.99.0.0/24 dev ipsec0
  for i in $(seq 60); do
    in_ns $P-cgw ping -c 1 -W 1 10.99.0.1 >/dev/null 2>&1 || true
    [ "$(grep -c "^esp ok" "$dir/probe.log")" -ge "$children" ] && break
  done
  wait $probe || fail "$name: the probe could not open strongSwan's ESP on $children Child SA(s)"
  echo "ok: $name: strongSwan ESTABLISHED/INSTALLED with vpngw's responder; its ESP opens with our keys on $children Child SA(s)"
  in_ns $P-cgw ip route del 10.99.0.0/24 dev ipsec0 2>/dev/null || true
  ip netns pids $P-cgw | xargs -r kill -TERM 2>/dev/null || true
  sleep 0.5
  ip netns pids $P-cgw | xargs -r kill -KILL 2>/dev/null || true
}

run_suite gcm aes256gcm16-prfsha256-ecp256 aes128gcm16-noesn
run_suite cbc aes128-sha1-modp2048 aes256gcm16-noesn
run_suite rekey aes256gcm16-prfsha256-ecp256 aes128gcm16-ecp256-noesn 2 "rekey_time = 3s
        life_time = 60s
        rand_time = 0s" "dpd_delay = 1s"
grep -q "Child SA created with PFS (rekeys" "$WORK/rekey/probe.log" || fail "rekey: no CREATE_CHILD_SA rekey with PFS seen"
grep -q "liveness check answered" "$WORK/rekey/probe.log" || fail "rekey: no DPD liveness check answered"
echo "ok: rekey: Child SA rekeyed with PFS (CREATE_CHILD_SA) and DPD answered, ESP opens on the new SA"
