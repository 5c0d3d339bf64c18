#!/usr/bin/env bash
# Namespaces (root): vpngw's BFD (RFC 5880/5881) against BIRD 2's, across the encrypted tunnel.
# gw-left (vpngw, AS 64512) runs BGP with BFD to BIRD in gw-right (the customer gateway, AS 65000,
# `bfd on`), whose IPsec a second vpngw does. Checks: both BFD sessions come Up at 300 ms x 3
# (vpngw's counters and `birdc show bfd sessions`); when BIRD is SIGSTOPped, vpngw's BFD declares
# the path dead within about a second and ends the BGP session long before its 30 s hold timer;
# after SIGCONT BFD and BGP come back.
BIRD_TEST=bfd
WAIT_POLL=0.05  # the BFD timings are in tenths of a second
source "$(dirname "$0")/bird_common.sh"
fail() {
  echo "FAIL: $*" >&2
  ctl --json stats | jq '.bfd' >&2 || true
  birdc_ show bfd sessions >&2 || true
  tail -n 30 "$LAB_DIR"/left.log "$WORK"/bird.log >&2 || true
  exit 1
}
bgp_state() { ctl --json bgp summary | jq -r '.neighbors[0].state'; }
bfd_state() { ctl --json stats | jq -r '.bfd.sessions[0].state'; }
is_bgp() { [ "$(bgp_state)" = "$1" ]; }
not_bgp() { [ "$(bgp_state)" != "$1" ]; }
is_bfd() { [ "$(bfd_state)" = "$1" ]; }
bird_bfd_up() { birdc_ show bfd sessions | grep -q '169.254.100.1.*Up'; }

cat >"$WORK/bird.conf" <<BIRD
router id 169.254.100.2;
log "$WORK/bird.log" all;
protocol device {}
protocol static { ipv4; route 10.2.0.0/24 blackhole; }
protocol bfd {
  interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; };
}
protocol bgp aws {
  local 169.254.100.2 as 65000;
  neighbor 169.254.100.1 as 64512;
  hold time 30;
  keepalive time 10;
  connect retry time 2;
  error wait time 1, 2;
  bfd on;
  ipv4 { import all; export where source = RTS_STATIC; };
}
BIRD

LAB_LEFT_ROUTE="" LAB_RIGHT_ROUTE=10.1.0.0/24
LAB_LEFT_EXTRA=$(cat <<TOML
[bgp]
asn = 64512
connect_retry = 2
export = ["10.1.0.0/24"]
bfd_interval_ms = 300
bfd_multiplier = 3
[[bgp.neighbor]]
name = "cgw"
address = "169.254.100.2"
local_address = "169.254.100.1"
remote_asn = 65000
tunnel = "to-peer"
bfd = true
TOML
)
LAB_RIGHT_EXTRA=$(printf '[[route]]\nprefix = "169.254.100.0/30"\ntunnel = "to-peer"')
lab_create "f$$" "$WORK/lab" || fail "lab create"
lab_start_vpngw "$VPNGW" aes128gcm16 || fail "gateways"
start_bird

wait_for 30 "BGP Established" is_bgp Established
wait_for 15 "vpngw's BFD session Up" is_bfd Up
wait_for 10 "BIRD's BFD session Up" bird_bfd_up
birdc_ show bfd sessions
ctl --json stats | jq -c '.bfd.sessions[0] | {state, detection_time_ms, tx_interval_ms, rx_packets, tx_packets}'
[ "$(ctl --json stats | jq '.bfd.sessions[0].detection_time_ms')" = 900 ] || fail "detection time is not 3 x 300 ms"
echo "ok: BFD Up on both sides at 300 ms x 3, BGP Established"

kill -STOP "$BIRD_PID"
start=$(date +%s%N)
wait_for 5 "BFD to declare BIRD dead" is_bfd Down
wait_for 2 "BGP to end with BFD" not_bgp Established
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed" -lt 2500 ] || fail "took $elapsed ms (BFD should end the session within about 1 s; the hold timer is 30 s)"
grep -q "BFD down" "$LAB_DIR/left.log" || fail "the session did not end because of BFD"
echo "ok: BIRD stopped: BFD Down and the BGP session ended after $elapsed ms"

kill -CONT "$BIRD_PID"
wait_for 30 "BFD Up again" is_bfd Up
wait_for 40 "BGP Established again" is_bgp Established
echo "ok: BIRD resumed: BFD Up and BGP Established again"
echo "PASS"
