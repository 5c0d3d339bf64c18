#!/usr/bin/env bash
# Namespaces (root): vpngw against vpngw over IKE. The AWS side has startup action "start" (it
# initiates), rekeys the Child SA itself every 3 s (lab_child_rekey_seconds: AWS performs the rekey,
# here on a lab timer) and DPD action "restart"; the customer gateway side is a vpngw responder.
#   on-prem 10.20.0.1 (cgw, lo) -- vpngw cgw -- ESP in UDP 4500 -- vpngw aws -- 10.10.0.1 (aws, lo)
# Checks: the tunnel comes up on its own; ping crosses; a UDP stream in each direction loses nothing
# across AWS-initiated rekeys; when the customer gateway dies, DPD on the AWS side declares it dead
# and, with action restart, re-initiates until the restarted customer gateway answers.
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/outside_pair.sh"
WORK=$(mktemp -d /tmp/vpngw-ikepair.XXXXXX)
P="vpngw-p$$"
cleanup() {
  pair_cleanup
  [ -n "${KEEP:-}" ] && cp -r "$WORK" /tmp/ikepair-debug; rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 30 "$WORK/aws.log" "$WORK/cgw.log" >&2 2>/dev/null || true
  exit 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
PSK="Aws_Tunnel1.psk_example"

pair_create $P

# gateway_config NAME OUTSIDE PEER ROUTE IKE_EXTRA
gateway_config() {
  cat <<EOF
[gateway]
name = "$P-$1"
[outside]
address = "$2"
[tun]
name = "vpngw0"
[[tunnel]]
name = "tunnel1"
peer = "$3"
[tunnel.ike]
pre_shared_key = "$PSK"
phase1_encryption_algorithms = ["AES256-GCM-16"]
phase2_encryption_algorithms = ["AES128-GCM-16"]
phase2_dh_group_numbers = [19]
dpd_timeout_seconds = 30
$5
[[route]]
prefix = "$4"
tunnel = "tunnel1"
[management]
socket = "$WORK/$1.sock"
EOF
}
gateway_config aws 198.51.100.1 198.51.100.2 10.20.0.0/16 'startup_action = "start"
dpd_timeout_action = "restart"
lab_child_rekey_seconds = 3' >"$WORK/aws.toml"
gateway_config cgw 198.51.100.2 198.51.100.1 10.10.0.0/16 '' >"$WORK/cgw.toml"

start() {  # start SIDE (ip netns exec directly: $! must be vpngw itself, not a subshell)
  rm -f "$WORK/$1.sock"
  ip netns exec $P-$1 "$VPNGW" gateway --config "$WORK/$1.toml" >>"$WORK/$1.log" 2>&1 &
  eval "PID_$1=$!"
  for _ in $(seq 50); do [ -S "$WORK/$1.sock" ] && return 0; sleep 0.1; done
  fail "vpngw $1 did not open its management socket"
}
field() { "$VPNGW" ctl -s "$WORK/$1.sock" --json ike | jq -r ".tunnels[0].$2"; }
wait_up() {  # wait_up SIDE SECONDS
  for _ in $(seq $(($2 * 5))); do
    [ "$(field "$1" TunnelIKEPhase2State 2>/dev/null)" = Established ] && return 0
    sleep 0.2
  done
  fail "$1: tunnel is $(field "$1" TunnelIKEPhase1State)/$(field "$1" TunnelIKEPhase2State)"
}

start cgw
start aws
wait_up aws 15
wait_up cgw 5
in_ns $P-cgw ping -c 3 -i 0.2 -W 2 -I 10.20.0.1 10.10.0.1 >/dev/null || fail "ping across the vpngw pair"
echo "ok: the AWS side initiated (startup action start); both vpngw report the tunnel Established; ping crosses"

# UDP both ways at 2000 pps for 8 s each while the AWS side rekeys every 3 s.
udp_stream() {  # udp_stream SENDER_NS RECEIVER_NS RECEIVER_ADDR SENDER_ADDR
  in_ns "$2" iperf3 -s -1 -B "$3" >/dev/null 2>&1 &
  sleep 0.5
  in_ns "$1" iperf3 -c "$3" -B "$4" -u -b 16M -l 1000 -t 8 --json >"$WORK/iperf.json" || fail "iperf3 $1 -> $2"
  jq -r '"\(.end.sum.packets) \(.end.sum.lost_packets)"' "$WORK/iperf.json"
}
rekeys0=$(field aws child_sa_rekeys)
read -r sent lost < <(udp_stream $P-cgw $P-aws 10.10.0.1 10.20.0.1)
[ "$lost" = 0 ] || fail "customer gateway -> AWS lost $lost of $sent datagrams across AWS-initiated rekeys"
read -r sent2 lost2 < <(udp_stream $P-aws $P-cgw 10.20.0.1 10.10.0.1)
[ "$lost2" = 0 ] || fail "AWS -> customer gateway lost $lost2 of $sent2 datagrams across AWS-initiated rekeys"
rekeys=$(( $(field aws child_sa_rekeys) - rekeys0 ))
[ "$rekeys" -ge 4 ] || fail "only $rekeys rekeys by the AWS side in 16 s"
echo "ok: $rekeys Child SA rekeys initiated by the AWS side (PFS, then DELETE of the old SA): $sent + $sent2 datagrams, 0 lost"

# The customer gateway dies; DPD (30 s) on the AWS side, then action restart re-initiates.
kill -KILL "$PID_cgw"
sleep 1
start cgw
start=$(date +%s)
for _ in $(seq 300); do
  grep -q "AWS tunnel DPD timed out" <("$VPNGW" ctl -s "$WORK/aws.sock" --json ike | jq -r '.tunnels[0].log[]') && break
  sleep 0.2
done
"$VPNGW" ctl -s "$WORK/aws.sock" --json ike | jq -r '.tunnels[0].log[]' | grep -q "AWS tunnel DPD timed out" ||
  fail "AWS side never declared the dead customer gateway dead"
wait_up cgw 20
secs=$(( $(date +%s) - start ))
for _ in $(seq 20); do in_ns $P-cgw ping -c 1 -W 1 -I 10.20.0.1 10.10.0.1 >/dev/null 2>&1 && break; done
in_ns $P-cgw ping -c 3 -i 0.2 -W 2 -I 10.20.0.1 10.10.0.1 >/dev/null || fail "ping after the DPD restart"
echo "ok: DPD timed out on the AWS side and action restart re-established the tunnel with the restarted customer gateway (${secs} s)"
