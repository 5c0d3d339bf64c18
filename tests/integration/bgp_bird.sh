#!/usr/bin/env bash
# Namespaces (root): vpngw's BGP speaker against BIRD 2 over the encrypted tunnel, as on an AWS
# Site-to-Site VPN tunnel. gw-left is the AWS side (AS 64512, exports 10.1.0.0/24); BIRD runs
# in gw-right as the customer gateway with a 4-byte ASN (4200000001) and TCP MD5, its IPsec done by
# a second vpngw. Checks: negotiated timers; learned prefixes in the FIB and the kernel, and
# traffic following them; our prefix at BIRD with our AS path; withdraw; loop prevention; hold
# timer expiry under SIGSTOP and recovery after SIGCONT; the max-prefix trip and `ctl bgp reset`.
BIRD_TEST=bgp
source "$(dirname "$0")/bird_common.sh"
fail() {
  echo "FAIL: $*" >&2
  echo "--- vpngw ctl bgp summary" >&2; ctl bgp summary >&2 || true
  echo "--- birdc show protocols all aws" >&2; birdc_ show protocols all aws >&2 || true
  tail -n 40 "$LAB_DIR"/left.log "$WORK"/bird.log >&2 || true
  exit 1
}
summary_field() { ctl --json bgp summary | jq -r ".neighbors[0].$1"; }
state_is() { [ "$(summary_field state)" = "$1" ]; }
fib_has() { [ "$(jq -r .fib.routes "$LAB_DIR/left.json")" -ge "$1" ]; }
kernel_bgp_routes() { lab_exec gl ip -4 route show proto bgp | wc -l; }
kernel_has() { [ "$(kernel_bgp_routes)" -eq "$1" ]; }
learned() { [ "$(summary_field prefixes_accepted)" -eq "$1" ]; }

# BIRD's static routes: 10.2.0.0/24 (host-right's subnet) and N extra /24s; one more carries our
# own ASN in its path and must be discarded.
write_bird_config() {
  local extra=$1
  {
    cat <<EOF
router id 169.254.100.2;
log "$WORK/bird.log" all;
protocol device {}
protocol static s4 {
  ipv4;
  route 10.2.0.0/24 blackhole;
  route 10.99.0.0/24 blackhole { bgp_path.prepend(64512); };
EOF
    for i in $(seq 1 "$extra"); do echo "  route 10.50.$i.0/24 blackhole;"; done
    cat <<EOF
}
protocol bgp aws {
  local 169.254.100.2 as 4200000001;
  neighbor 169.254.100.1 as 64512;
  password "md5-secret";
  hold time 9;
  keepalive time 3;
  connect retry time 2;
  error wait time 1, 2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
EOF
  } >"$WORK/bird.conf"
}

LAB_LEFT_ROUTE="" LAB_RIGHT_ROUTE=10.1.0.0/24
LAB_LEFT_EXTRA=$(cat <<EOF
[bgp]
asn = 64512
connect_retry = 2
export = ["10.1.0.0/24"]
[[bgp.neighbor]]
name = "cgw"
address = "169.254.100.2"
remote_asn = 4200000001
tunnel = "to-peer"
md5_password = "md5-secret"
max_prefixes = 30
EOF
)
LAB_RIGHT_EXTRA=$(printf '[[route]]\nprefix = "169.254.100.0/30"\ntunnel = "to-peer"')
lab_create "b$$" "$WORK/lab" || fail "lab create"
lab_start_vpngw "$VPNGW" aes128gcm16 || fail "gateways"

write_bird_config 20
start_bird

# 1. Session up over the tunnel with TCP MD5; timers negotiated down to BIRD's 9 s.
wait_for 30 "session Established" state_is Established
[ "$(summary_field hold_time)" = 9 ] || fail "negotiated hold time $(summary_field hold_time), want 9"
[ "$(summary_field keepalive)" = 3 ] || fail "negotiated keepalive $(summary_field keepalive), want 3"
[ "$(summary_field as4)" = true ] || fail "4-octet AS not negotiated"
[ "$(summary_field md5)" = true ] || fail "MD5 not reported"
echo "ok: Established with AS 4200000001 over the tunnel, TCP MD5, hold 9 / keepalive 3"

# 2. 21 prefixes learned (the looped one discarded), in the FIB and the kernel; traffic follows.
wait_for 15 "21 prefixes accepted" learned 21
[ "$(summary_field loop_discards)" -ge 1 ] || fail "the path with our ASN was not counted as a loop"
ctl --json bgp routes | jq -e '.routes[] | select(.prefix == "10.99.0.0/24")' >/dev/null && fail "looped prefix installed"
ctl --json bgp routes | jq -e '.routes[] | select(.prefix == "10.2.0.0/24") | .paths[0].as_path == "4200000001"' >/dev/null ||
  fail "10.2.0.0/24 without AS path 4200000001"
wait_for 5 "FIB holds the routes" fib_has 22  # 21 learned + the neighbour's /32
wait_for 5 "kernel holds 21 BGP routes" kernel_has 21
lab_exec hl ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping along a BGP-learned route"
echo "ok: 21 prefixes in Loc-RIB, FIB and kernel (proto bgp); 10.99.0.0/24 with AS 64512 in its path discarded; ping follows the BGP route"

# 3. BIRD learned our prefix with our AS path.
birdc_ show route 10.1.0.0/24 all | grep -q "BGP.as_path: 64512" || fail "BIRD lacks 10.1.0.0/24 with AS path 64512"
[ "$(summary_field 'advertised[0]')" = 10.1.0.0/24 ] || fail "Adj-RIB-Out does not show 10.1.0.0/24"
echo "ok: BIRD learned 10.1.0.0/24 with AS path 64512"

# 4. Withdraw: BIRD drops 10 prefixes.
write_bird_config 10
birdc_ configure >/dev/null || fail "birdc configure"
wait_for 15 "withdrawn down to 11" learned 11
wait_for 5 "kernel down to 11" kernel_has 11
echo "ok: withdraw of 10 prefixes reached the RIB and the kernel"

# 5. Hold timer: BIRD stops answering; our side declares it dead after 9 s and removes its routes.
kill -STOP "$BIRD_PID"
stopped_at=$(date +%s)
wait_for 20 "hold timer expiry" state_is Active
took=$(( $(date +%s) - stopped_at ))
[ "$(summary_field last_error)" = "sent: hold timer expired" ] || fail "last error $(summary_field last_error)"
wait_for 5 "routes removed from the kernel" kernel_has 0
lab_exec hl ping -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && fail "ping still works with the session down"
echo "ok: hold timer expired ${took}s after SIGSTOP; routes left the FIB and the kernel"
kill -CONT "$BIRD_PID"
wait_for 40 "session back after SIGCONT" state_is Established
wait_for 15 "routes back" kernel_has 11
[ "$(summary_field flaps)" -ge 1 ] || fail "flap not counted"
echo "ok: recovered after SIGCONT (flaps $(summary_field flaps))"

# 6. Max-prefix: 40 prefixes against a limit of 30 -> Cease/1, and the session stays idle.
write_bird_config 40
birdc_ configure >/dev/null || fail "birdc configure"
wait_for 20 "max-prefix trip" state_is Idle
[ "$(summary_field idle_after_max_prefix)" = true ] || fail "not idle after max-prefix"
[ "$(summary_field last_error)" = "sent: cease: maximum number of prefixes reached" ] || fail "last error $(summary_field last_error)"
sleep 5  # longer than both sides' connect-retry: it must stay down
state_is Idle || fail "session left Idle by itself after a max-prefix trip"
kernel_has 0 || fail "routes remain after the max-prefix trip"
# BIRD's log, not its protocol status: a reconnect attempt BIRD makes during the sleep (refused,
# as it should be) overwrites the status's "last error".
grep -q "Received: Maximum number of prefixes reached" "$WORK/bird.log" || fail "BIRD did not get Cease/1"
echo "ok: max-prefix tripped at 30: Cease/1 sent, session stays Idle"

# 7. Back under the limit, `ctl bgp reset` brings it up again.
write_bird_config 20
birdc_ configure >/dev/null || fail "birdc configure"
ctl bgp reset cgw >/dev/null || fail "ctl bgp reset"
wait_for 30 "Established after reset" state_is Established
wait_for 15 "21 prefixes after reset" learned 21
ctl bgp summary
ctl bgp routes --limit 3
echo "ok: reset after max-prefix"
