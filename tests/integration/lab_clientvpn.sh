#!/usr/bin/env bash
# Namespaces (root): `vpngw lab up clientvpn` / exec / status / down as a user runs them (the lab
# is named "lab": do not run this while a lab of your own is up). Checks: both clients connect,
# alice reaches the VPC host, bob (admins) reaches subnet 2, status lists both connections,
# `lab up` again starts from nothing, and `lab down` leaves no namespace, process or netns file
# (the processes checked by the PIDs the lab recorded).
set -euo pipefail
VPNGW=$(realpath "$1")
cleanup() { "$VPNGW" lab down >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VPNGW" lab up clientvpn
"$VPNGW" lab exec alice -- ping -c 2 -i 0.2 -W 2 10.0.1.20 >/dev/null || fail "alice cannot reach the VPC host"
"$VPNGW" lab exec bob -- ping -c 2 -i 0.2 -W 2 10.0.2.20 >/dev/null || fail "bob cannot reach subnet 2"
status=$("$VPNGW" lab status)
echo "$status"
[ "$(grep -c " active " <<<"$status")" = 2 ] || fail "status does not list 2 active connections"
"$VPNGW" lab up clientvpn >/dev/null  # idempotent: tears the old lab down first
[ "$(ip netns list | grep -c '^lab-')" = 7 ] || fail "lab up twice left $(ip netns list | grep -c '^lab-') namespaces, expected 7 (net, router, cvpn, vpc, vpc2, alice, bob)"
# the endpoint, the lab DNS and both clients, by the PIDs the lab recorded when it started them
started=$(cat /run/vpngw-lab/work/processes)
[ "$(wc -l <<<"$started")" = 4 ] || fail "the lab recorded $(wc -l <<<"$started") processes, expected 4: $started"
"$VPNGW" lab down
[ "$(ip netns list | grep -c '^lab-' || true)" = 0 ] || fail "namespaces left after lab down"
ls /etc/netns 2>/dev/null | grep -q '^lab-' && fail "resolv.conf files left in /etc/netns"
while read -r name pid _; do  # a zombie has ended (its parent may not have reaped it yet)
  state=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$pid/stat" 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = Z ] || fail "$name (PID $pid) survived lab down (state $state)"
done <<<"$started"
echo "PASS"
