#!/usr/bin/env bash
# Namespaces (root): `vpngw router` (BGP without a tunnel) against BIRD 2 over a plain veth, the
# way a Direct Connect VIF or an IX peering runs. vpngw is AS 65001 (exports 10.1.0.0/24, its
# loopback 10.1.0.1), BIRD AS 4200000002 (exports 10.2.0.0/24, its loopback 10.2.0.1), with TCP MD5
# and BFD. Checks: the session comes up with negotiated timers; BIRD's prefix lands in the router's
# kernel via its next hop and ours in BIRD's; a ping between the loopbacks follows both; a withdrawal
# at BIRD removes the kernel route; BFD Up on both sides and a BIRD freeze is detected by BFD in
# about a second; `vpngw ctl bgp med` changes the MED BIRD sees; SIGTERM sends Cease and removes the learned routes; a router file that names a
# tunnel is refused with its key.
set -euo pipefail
VPNGW=$(realpath "$1")
NS=rb$$
R=$NS-vpngw B=$NS-bird
WORK=$(mktemp -d /tmp/vpngw-router-bird.XXXXXX)
TOPOLOGY=$(dirname "$0")/../../lab/topologies/bare/router-pair.toml
ROUTER_PID="" BIRD_PID=""
cleanup() {
  [ -n "$BIRD_PID" ] && { kill -CONT "$BIRD_PID" 2>/dev/null; kill "$BIRD_PID" 2>/dev/null; } || true
  [ -n "$ROUTER_PID" ] && kill "$ROUTER_PID" 2>/dev/null || true
  "$VPNGW" lab down --prefix "$NS" --dir "$WORK/lab" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- vpngw ctl bgp summary" >&2; ctl bgp summary >&2 || true
  echo "--- birdc show protocols all vpngw" >&2; birdc_ show protocols all vpngw >&2 || true
  tail -n 40 "$WORK"/router.log "$WORK"/bird.log >&2 || true
  exit 1
}
ctl() { "$VPNGW" ctl --socket "$WORK/r.sock" "$@"; }
birdc_() { ip netns exec "$B" birdc -s "$WORK/bird.ctl" "$@"; }
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $what"
    sleep 0.2
  done
}
neighbor() { ctl --json bgp summary | jq -r ".neighbors[0].$1"; }
state_is() { [ "$(neighbor state)" = "$1" ]; }
kernel_route() { ip netns exec "$R" ip -4 route show proto bgp "$1"; }
has_route_via() { kernel_route "$1" | grep -q "via $2"; }
no_route() { [ -z "$(kernel_route "$1")" ]; }
bird_has_ours() { birdc_ show route 10.1.0.0/24 all | grep -q 'BGP.as_path: 65001'; }
bfd_state() { ctl --json stats | jq -r '.bfd.sessions[0].state'; }
is_bfd() { [ "$(bfd_state)" = "$1" ]; }

# 0. A router's file has no tunnels: a neighbour naming one is refused, with the key.
cat >"$WORK/bad.toml" <<'TOML'
[bgp]
asn = 65001
router_id = "10.1.0.1"
[[bgp.neighbor]]
address = "10.99.0.2"
remote_asn = 65002
tunnel = "t1"
TOML
out=$("$VPNGW" router --check --config "$WORK/bad.toml" 2>&1) && fail "a router file with a tunnel was accepted"
echo "$out" | grep -q "bgp.neighbor\[0\].tunnel.*unknown key" || fail "refusal does not name the key: $out"
echo "refused as expected: $out"

# 1. Two namespaces, one veth, nothing else: no TUN, no tunnel (lab/topologies/bare/router-pair.toml).
"$VPNGW" lab up "$TOPOLOGY" --prefix "$NS" --dir "$WORK/lab" >/dev/null

write_bird_config() {
  cat >"$WORK/bird.conf" <<BIRD
router id 10.2.0.1;
log "$WORK/bird.log" all;
protocol device {}
protocol direct { ipv4; interface "lo"; }
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }
protocol static { ipv4; $1 }
protocol bfd { interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
protocol bgp vpngw {
  local 10.99.0.2 as 4200000002;
  neighbor 10.99.0.1 as 65001;
  password "lab-md5";
  hold time 9;
  keepalive time 3;
  connect retry time 2;
  error wait time 1, 2;
  bfd on;
  ipv4 { import all; export where source = RTS_STATIC; };
}
BIRD
}
write_bird_config 'route 10.2.0.0/24 blackhole;'
cat >"$WORK/router.toml" <<TOML
[router]
name = "r1"
[bgp]
asn = 65001
router_id = "10.1.0.1"
connect_retry = 2
export = ["10.1.0.0/24"]
[[bgp.neighbor]]
name = "bird"
address = "10.99.0.2"
local_address = "10.99.0.1"
remote_asn = 4200000002
md5_password = "lab-md5"
bfd = true
[management]
socket = "$WORK/r.sock"
TOML
"$VPNGW" router --check --config "$WORK/router.toml"
ip netns exec "$R" "$VPNGW" router --config "$WORK/router.toml" --stats "$WORK/r.json" >"$WORK/router.log" 2>&1 &
ROUTER_PID=$!
ip netns exec "$B" bird -c "$WORK/bird.conf" -s "$WORK/bird.ctl" -P "$WORK/bird.pid" -f >"$WORK/bird.out" 2>&1 &
wait_for 10 "BIRD pid file" test -s "$WORK/bird.pid"
BIRD_PID=$(cat "$WORK/bird.pid")

# 2. Established with TCP MD5 on a plain link; BIRD's timers win (the smaller hold time).
wait_for 30 "session Established" state_is Established
[ "$(neighbor hold_time)" = 9 ] || fail "negotiated hold time $(neighbor hold_time), want 9"
[ "$(neighbor tunnel)" = null ] || fail "the neighbour reports tunnel $(neighbor tunnel)"
echo "established: $(ctl --json bgp summary | jq -c '.neighbors[0] | {state, hold_time, keepalive, as4, md5}')"

# 3. Routes both ways: BIRD's /24 in our kernel via its address, ours at BIRD with our AS path.
wait_for 15 "10.2.0.0/24 via 10.99.0.2 in the router's kernel" has_route_via 10.2.0.0/24 10.99.0.2
wait_for 15 "BIRD learns 10.1.0.0/24 from AS 65001" bird_has_ours
kernel_route 10.2.0.0/24
ip netns exec "$R" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null || fail "ping 10.1.0.1 -> 10.2.0.1 over the BGP routes"
echo "ping between the loopbacks follows the BGP routes"

# 3b. vpngw ctl bgp med: the new MED reaches BIRD at once, and "none" takes it away.
ctl bgp med bird 150 >/dev/null || fail "vpngw ctl bgp med bird 150"
wait_for 10 "BIRD sees MED 150 on 10.1.0.0/24" sh -c "ip netns exec $B birdc -s $WORK/bird.ctl show route 10.1.0.0/24 all | grep -q 'BGP.med: 150'"
ctl bgp med bird none >/dev/null || fail "vpngw ctl bgp med bird none"
wait_for 10 "BIRD sees no MED on 10.1.0.0/24" sh -c "! ip netns exec $B birdc -s $WORK/bird.ctl show route 10.1.0.0/24 all | grep -q 'BGP.med'"
"$VPNGW" ctl --socket "$WORK/r.sock" bgp med bird 99999999999 2>/dev/null && fail "a MED past 32 bits was accepted"
echo "MED set and cleared at runtime (vpngw ctl bgp med)"

# 4. BFD Up on both sides.
wait_for 15 "vpngw's BFD session Up" is_bfd Up
wait_for 10 "BIRD's BFD session Up" sh -c "ip netns exec $B birdc -s $WORK/bird.ctl show bfd sessions | grep -q '10.99.0.1.*Up'"

# 5. A withdrawal at BIRD leaves the kernel.
write_bird_config 'route 10.3.0.0/24 blackhole;'
birdc_ configure >/dev/null
wait_for 15 "10.2.0.0/24 withdrawn from the kernel" no_route 10.2.0.0/24
wait_for 15 "10.3.0.0/24 via 10.99.0.2 in the kernel" has_route_via 10.3.0.0/24 10.99.0.2
echo "withdraw and announce reach the kernel"

# 6. BIRD frozen: BFD (3 x 300 ms) ends the session long before the 9 s hold timer.
kill -STOP "$BIRD_PID"
start=$(date +%s%N)
wait_for 5 "BFD to declare BIRD down" is_bfd Down
detect_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait_for 3 "the BGP session to end with BFD" sh -c "! $VPNGW ctl --socket $WORK/r.sock --json bgp summary | jq -e '.neighbors[0].state == \"Established\"'"
wait_for 5 "BIRD's routes gone from the kernel" no_route 10.3.0.0/24
echo "BFD detected the frozen peer in ${detect_ms} ms; session and routes gone"
kill -CONT "$BIRD_PID"
wait_for 40 "session Established again" state_is Established
wait_for 15 "10.3.0.0/24 back" has_route_via 10.3.0.0/24 10.99.0.2

# 7. SIGTERM: Cease to BIRD, learned routes out of the kernel, a clean exit.
kill -TERM "$ROUTER_PID"
wait "$ROUTER_PID" || fail "vpngw router exited with $?"
ROUTER_PID=""
birdc_ show protocols all vpngw | grep -qi 'cease\|Administrative shutdown' || fail "BIRD did not see a Cease"
[ -z "$(ip netns exec "$R" ip -4 route show proto bgp)" ] || fail "learned routes left in the kernel after exit"
echo "PASS: vpngw router peers with BIRD over a plain veth (no tunnel)"
