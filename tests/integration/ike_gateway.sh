#!/usr/bin/env bash
# Namespaces (root): `vpngw gateway` as the AWS side of one IKE-keyed tunnel, Debian's strongSwan
# (kernel-libipsec) as the customer gateway. The negotiated SAs go into vpngw's data plane:
#   on-prem 10.20.0.1 (cgw, lo) -- ipsec0 / ESP in UDP 4500 -- vpngw0 (aws) -- VPC host 10.10.0.1 (vpc)
# strongSwan runs the exported swanctl.conf (`vpngw ike export-cgw`).
# Checks: the tunnel comes up and `vpngw ctl ike` says Established/Established; ping and a TCP
# transfer with a matching sha256 cross it; with strongSwan rekeying the Child SA (PFS) every 3 s,
# a 200 pps ping stream loses nothing across several rekeys; a vpngw restart (DELETE sent, strongSwan
# re-initiates) brings the tunnel back; a killed strongSwan is declared dead by DPD and the tunnel
# goes Down with its routes' SAs removed; finally vpngw initiates (startup action start) and
# strongSwan, now only responding, establishes the tunnel with it.
set -euo pipefail
VPNGW=$(realpath "$1")
PROBE=$(dirname "$(realpath "$2")")/ike_probe  # built beside esp_inject, the second argument
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/strongswan_cgw.sh"
source "$HERE/outside_pair.sh"
WORK=$(mktemp -d /tmp/vpngw-ikegw.XXXXXX)
P="vpngw-g$$"
cleanup() {
  pair_cleanup
  [ -n "${KEEP:-}" ] && rm -rf /tmp/ikegw-debug && cp -r "$WORK" /tmp/ikegw-debug; rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  "$VPNGW" ctl -s "$WORK/aws.sock" stats 2>/dev/null | jq -c '.counters' >&2 || true
  tail -n 40 "$WORK/vpngw.log" "$WORK/cgw/charon.log" >&2 2>/dev/null || true
  exit 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
PSK="Aws_Tunnel1.psk_example"

pair_create $P vpc

cat >"$WORK/aws.toml" <<EOF
[gateway]
name = "$P"
[outside]
address = "198.51.100.1"
[tun]
name = "vpngw0"
address = "169.254.10.1/30"
[[tunnel]]
name = "tunnel1"
peer = "198.51.100.2"
[tunnel.ike]
pre_shared_key = "$PSK"
phase2_dh_group_numbers = [14, 19]
dpd_timeout_seconds = 30
lab_ike_rekey_seconds = 7
[[route]]
prefix = "10.20.0.0/16"
tunnel = "tunnel1"
[management]
socket = "$WORK/aws.sock"
EOF
start_vpngw() {  # ip netns exec directly: $! must be vpngw itself, not a subshell
  rm -f "$WORK/aws.sock"
  ip netns exec $P-aws "$VPNGW" gateway --config "$WORK/aws.toml" >>"$WORK/vpngw.log" 2>&1 &
  VPNGW_PID=$!
  for _ in $(seq 50); do [ -S "$WORK/aws.sock" ] && return 0; sleep 0.1; done
  fail "vpngw did not open its management socket"
}
ike_json() { "$VPNGW" ctl -s "$WORK/aws.sock" --json ike; }
ike_field() { ike_json | jq -r ".tunnels[0].$1"; }
wait_state() {  # wait_state PHASE1 PHASE2 SECONDS
  for _ in $(seq $(($3 * 5))); do
    [ "$(ike_field TunnelIKEPhase1State)/$(ike_field TunnelIKEPhase2State)" = "$1/$2" ] && return 0
    sleep 0.2
  done
  fail "tunnel state is $(ike_field TunnelIKEPhase1State)/$(ike_field TunnelIKEPhase2State), wanted $1/$2"
}
counter() { "$VPNGW" ctl -s "$WORK/aws.sock" stats | jq -r ".counters.$1"; }
# udp_across_rekeys MIN_REKEYS WHAT: 8 s of UDP at 2000 pps from the VPC host to on-prem (vpngw's
# sending direction); fails unless at least MIN_REKEYS Child SA rekeys happened and nothing was lost.
udp_across_rekeys() {
  in_ns $P-cgw iperf3 -s -1 -B 10.20.0.1 >/dev/null 2>&1 &
  sleep 0.5
  local rekeys0 rekeys lost sent
  rekeys0=$(ike_field child_sa_rekeys)
  in_ns $P-vpc iperf3 -c 10.20.0.1 -u -b 16M -l 1000 -t 8 --json >"$WORK/iperf.json" || fail "iperf3 UDP ($2)"
  rekeys=$(( $(ike_field child_sa_rekeys) - rekeys0 ))
  lost=$(jq -r '.end.sum.lost_packets' "$WORK/iperf.json"); sent=$(jq -r '.end.sum.packets' "$WORK/iperf.json")
  [ "$rekeys" -ge "$1" ] || fail "only $rekeys Child SA rekeys ($2) during the UDP stream"
  [ "$lost" = 0 ] || fail "UDP stream towards on-prem lost $lost of $sent datagrams over $rekeys rekeys ($2)"
  echo "ok: $rekeys Child SA rekeys ($2) under a 2000 pps UDP stream vpngw -> strongSwan: $sent sent, 0 lost"
}

start_vpngw
# Half-open IKE SAs pile up first (valid IKE_SA_INITs that never continue, as in a flood; a
# refused one holds no state and would not count): from the fourth on vpngw answers with a COOKIE
# and keeps no state, and strongSwan must come back with it.
in_ns $P-cgw "$PROBE" --half-open 198.51.100.1 6 198.51.100.2 >/dev/null || fail "ike_probe --half-open"
for _ in $(seq 20); do [ "$(ike_json | jq -r .cookies_sent)" -ge 2 ] && break; sleep 0.1; done
[ "$(ike_json | jq -r .cookies_sent)" -ge 2 ] || fail "no COOKIE answered to the IKE_SA_INIT flood"
# strongSwan runs the file `vpngw ike export-cgw` writes, with only the Child SA timers shortened
# so that the test sees rekeys every 3 s.
mkdir -p "$WORK/cgw"
swan_write_conf "$WORK/cgw" 198.51.100.2 198.51.100.1 "$PSK" unused unused
"$VPNGW" ike export-cgw --config "$WORK/aws.toml" >"$WORK/cgw/exported.conf" || fail "export-cgw"
sed -e 's/^\( *rekey_time = \)3060s/\13s/' -e 's/^\( *rand_time = \)540s/\10s/' -e 's/^\( *life_time = \)3600s/\1120s/' \
  "$WORK/cgw/exported.conf" >"$WORK/cgw/swanctl.conf"
grep -q "rekey_time = 3s" "$WORK/cgw/swanctl.conf" || fail "exported config has no Child SA rekey_time to shorten"
swan_start $P-cgw "$WORK/cgw" || fail "charon"
wait_state Established Established 20  # start_action = start: strongSwan initiates on load
in_ns $P-cgw ip route add 10.10.0.0/16 dev ipsec0 src 10.20.0.1
# AWS's order picks the lowest configured value the peer offers: AES128 (CBC) with SHA1.
transform=$(ike_field child_sa.transform)
[ "$transform" = "AES128-CBC/HMAC-SHA1-96" ] || fail "negotiated ESP transform $transform, wanted AES128-CBC/HMAC-SHA1-96"
cookies=$(ike_json | jq -r .cookies_sent)
[ "$cookies" -ge 3 ] || fail "strongSwan got in without a cookie although $cookies were handed out"
echo "ok: under a half-open flood vpngw demanded cookies ($cookies sent) and strongSwan came back with one"
echo "ok: strongSwan initiated; vpngw reports TunnelIKEPhase1State/Phase2State Established/Established, ESP $transform"

in_ns $P-cgw ping -c 3 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "ping across the negotiated tunnel"
echo "ok: ping crosses vpngw's data plane with the negotiated Child SA"

head -c 20M /dev/urandom >"$WORK/blob"
want=$(sha256sum <"$WORK/blob" | cut -d' ' -f1)
in_ns $P-vpc sh -c "socat -u TCP-LISTEN:5001,reuseaddr - | sha256sum | cut -d' ' -f1 > '$WORK/got'" &
sink=$!
sleep 0.5
in_ns $P-cgw timeout 60 socat -u "FILE:$WORK/blob" TCP:10.10.0.1:5001 || fail "TCP transfer"
wait $sink
[ "$(cat "$WORK/got")" = "$want" ] || fail "sha256 mismatch after the 20 MB transfer"
echo "ok: 20 MB over TCP through the tunnel, sha256 matches"

# Rekeys under a steady stream: 2000 echo requests at 200/s span at least three Child SA rekeys.
rekeys0=$(ike_field child_sa_rekeys)
unknown0=$(counter drop_rx_unknown_spi)
loss=$(in_ns $P-cgw ping -q -c 2000 -i 0.005 -W 2 10.10.0.1 | grep -o '[0-9.]*% packet loss')
rekeys=$(( $(ike_field child_sa_rekeys) - rekeys0 ))
[ "$rekeys" -ge 3 ] || fail "only $rekeys Child SA rekeys during the stream"
[ "$loss" = "0% packet loss" ] || fail "rekeys under traffic lost packets: $loss over $rekeys rekeys"
[ "$(counter drop_rx_unknown_spi)" = "$unknown0" ] || fail "ESP arrived for an SPI vpngw did not have installed"
echo "ok: $rekeys Child SA rekeys (PFS) under a 200 pps stream: 2000 sent, $loss"

# The same in vpngw's sending direction at a higher rate, where vpngw decides when to move its
# outbound traffic to a rekeyed SA.
udp_across_rekeys 2 "strongSwan rekeys"

# IKE SA rekeys both ways: vpngw's every 7 s (lab_ike_rekey_seconds) ran during the streams above;
# now strongSwan rekeys it too. Traffic keeps flowing over the moved Child SA.
ours=$(grep -c "IKE SA rekeyed by us" "$WORK/vpngw.log" || true)
[ "$ours" -ge 2 ] || fail "vpngw rekeyed the IKE SA only $ours times in ~25 s"
swan_ctl $P-cgw "$WORK/cgw" --rekey --ike tunnel1 >/dev/null || fail "swanctl --rekey --ike"
for _ in $(seq 25); do grep -q "IKE SA rekeyed by the peer" "$WORK/vpngw.log" && break; sleep 0.2; done
grep -q "IKE SA rekeyed by the peer" "$WORK/vpngw.log" || fail "strongSwan's IKE SA rekey did not reach vpngw"
in_ns $P-cgw ping -c 3 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "ping after the IKE SA rekeys"
[ "$(swan_ctl $P-cgw "$WORK/cgw" --list-sas | grep -c ESTABLISHED)" = 1 ] || fail "strongSwan does not have exactly one IKE SA"
echo "ok: IKE SA rekeyed $ours times by vpngw (during the streams above) and once by strongSwan; traffic flows"

# vpngw restarts: it deletes the IKE SA on the way out; strongSwan (close_action = start) re-initiates.
# Right after one of vpngw's 3 s Child SA rekeys completes: a DELETE sent while our CREATE_CHILD_SA
# is outstanding falls outside strongSwan's window when strongSwan rekeys at the same moment
# (simultaneous rekeys, RFC 7296 2.8.1, are a known gap), and strongSwan then waits for its own
# retransmissions to fail before re-initiating. That race is not what this step tests.
done0=$(grep -c "deleted 1 Child SA" "$WORK/vpngw.log" || true)
for _ in $(seq 50); do [ "$(grep -c "deleted 1 Child SA" "$WORK/vpngw.log" || true)" -gt "$done0" ] && break; sleep 0.1; done
kill -TERM $VPNGW_PID; wait $VPNGW_PID || true
grep -q "shutting down" "$WORK/vpngw.log" || fail "vpngw did not stop on SIGTERM"
start_vpngw
wait_state Established Established 30
for _ in $(seq 20); do in_ns $P-cgw ping -c 1 -W 1 10.10.0.1 >/dev/null 2>&1 && break; done
in_ns $P-cgw ping -c 3 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "ping after vpngw restarted"
echo "ok: after a vpngw restart strongSwan re-established the tunnel and traffic flows"

# strongSwan dies without a word: 10 s idle, liveness checks unanswered for dpd_timeout_seconds (30).
swan_stop_hard() { kill -KILL "$(cat "$WORK/cgw/swan.pid")" 2>/dev/null || true; }
swan_stop_hard
start=$(date +%s)
wait_state Down Down 60
secs=$(( $(date +%s) - start ))
ike_json | jq -r '.tunnels[0].log[]' | grep -q "AWS tunnel DPD timed out after" || fail "no DPD timeout in the IKE log"
[ "$("$VPNGW" ctl -s "$WORK/aws.sock" stats | jq -r '.tunnels[0].outbound')" = "null" ] ||
  fail "the dead tunnel still has an outbound SA in the data plane"
keepalives=$(ike_field nat_keepalives_sent)
[ "$keepalives" -ge 1 ] || fail "no NAT-T keepalive in 20 s without outbound traffic"
echo "ok: DPD declared the killed strongSwan dead after $secs s (10 s idle + 30 s timeout); tunnel Down; $keepalives NAT-T keepalive(s) sent while quiet"

# The other direction: vpngw initiates (startup action start) and strongSwan only responds; now
# vpngw rekeys the Child SA every 3 s (lab_child_rekey_seconds) and strongSwan does not.
kill -TERM $VPNGW_PID; wait $VPNGW_PID || true
sed -i 's/^dpd_timeout_seconds = 30$/dpd_timeout_seconds = 30\nstartup_action = "start"\nlab_child_rekey_seconds = 3/' "$WORK/aws.toml"
sed -i -e 's/start_action = start/start_action = none/' -e 's/^\( *rekey_time = \)3s/\13000s/' "$WORK/cgw/swanctl.conf"
swan_start $P-cgw "$WORK/cgw" || fail "charon (responder)"
start_vpngw
wait_state Established Established 20
in_ns $P-cgw ip route replace 10.10.0.0/16 dev ipsec0 src 10.20.0.1
for _ in $(seq 20); do in_ns $P-cgw ping -c 1 -W 1 10.10.0.1 >/dev/null 2>&1 && break; done
in_ns $P-cgw ping -c 3 -i 0.2 -W 2 10.10.0.1 >/dev/null || fail "ping with vpngw as the initiator"
ike_json | jq -r '.tunnels[0].log[]' | grep -q "initiating IKE_SA_INIT" || fail "vpngw did not initiate"
echo "ok: vpngw initiated (startup action start) and strongSwan as responder established the tunnel; ping crosses"
udp_across_rekeys 2 "vpngw rekeys: AWS performs the rekey"
