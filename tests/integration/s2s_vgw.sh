#!/usr/bin/env bash
# Namespaces (root): the Site-to-Site lab with a virtual private gateway (lab/s2s.sh): a vpngw
# customer gateway, two AWS tunnel endpoints in their own namespaces, the VGW router, a VPC host.
# Checks: both tunnels and BGP sessions come up from the model with AWS's random defaults; ping
# both ways; the VGW prefers the tunnel without the customer's AS_PATH prepend and sends 16 flows
# towards on-prem through that one tunnel only (no ECMP);
# `vpngw ctl tunnel replace` (MED steering, drain, IKE restart) under 1000 pps each way loses
# nothing; measured
# failovers under a 1000 pps stream on-prem -> VPC:
#   BFD 300 ms x 3, active endpoint SIGKILLed: restored within 1 s, nothing duplicated, and
#     nothing lost when the endpoint (restarted, re-keyed after the customer gateway's DPD) comes back;
#   BGP hold timer alone (6 s), active endpoint SIGSTOPped: restored within the hold time;
#   IKE DPD alone (30 s), the active endpoint's outside link down: within 10 s + 30 s;
# and that lab down leaves no namespace behind.
S2S_TEST=s2svgw
source "$(dirname "$0")/s2s_common.sh"

echo "== lab up (VGW, BFD in the tunnels, the customer gateway prepends its AS twice on tunnel 1)"
S2S_SITE_TO_SITE=$'bfd_ms = 300\ncustomer_prepend = [2, 0]' s2s_up "$P" "$VPNGW" "$WORK/basic" vgw
s2s_in "$P" onprem ping -c 3 -i 0.2 -W 2 10.1.0.10 >/dev/null || fail "on-prem -> VPC ping"
s2s_in "$P" vpc ping -c 3 -i 0.2 -W 2 10.0.0.10 >/dev/null || fail "VPC -> on-prem ping (through the VGW router)"
"$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" vgw

echo "== the VGW never splits a prefix over tunnels"
vias=$("$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" --json vgw | jq -c '.routes[] | select(.prefix == "10.0.0.0/16") | .via')
[ "$vias" = '["vpn-1-tunnel2"]' ] || fail "10.0.0.0/16 via $vias (the shorter AS_PATH is tunnel 2's)"
used=$(tunnels_used TunnelDataOut 1000 vpc 10.1.0.10 10.0.0.10 6000)
[ "$used" = 1 ] || fail "16 flows VPC -> on-prem used $used tunnels (a VGW uses one)"

echo "== maintenance: vpngw ctl tunnel replace on the tunnel both directions use, 1000 pps each way"
W=$WORK/basic
active=$(s2s_active_tunnel "$VPNGW")
s2s_in "$P" vpc "$VPNGW" stream recv --bind 10.1.0.10 --port 5201 --seconds 120 --stop-file "$W/stop-recv" -o "$W/up.csv" >/dev/null &
r1=$!
s2s_in "$P" onprem "$VPNGW" stream recv --bind 10.0.0.10 --port 5202 --seconds 120 --stop-file "$W/stop-recv" -o "$W/down.csv" >/dev/null &
r2=$!
sleep 0.3
s2s_in "$P" onprem "$VPNGW" stream send --to 10.1.0.10 --port 5201 --seconds 120 --stop-file "$W/stop" >"$W/up.sent" &
s1=$!
s2s_in "$P" vpc "$VPNGW" stream send --to 10.0.0.10 --port 5202 --seconds 120 --stop-file "$W/stop" >"$W/down.sent" &
s2=$!
sleep 1
t0=$("$VPNGW" stream now)
timeout 120 "$VPNGW" ctl -s "/run/vpngw/$P-vgw.sock" tunnel replace "vpn-1-$active" || fail "tunnel replace"
sleep 1
touch "$W/stop"; wait $s1 $s2; sleep 0.5; touch "$W/stop-recv"; wait $r1 $r2
"$VPNGW" stream report --run "on-prem to VPC,$W/up.csv,$(awk '{print $1}' "$W/up.sent"),$t0" \
  --run "VPC to on-prem,$W/down.csv,$(awk '{print $1}' "$W/down.sent"),$t0" --json "$W/maintenance.json"
jq -e 'all(.[]; .lost == 0 and .sent > 3000)' "$W/maintenance.json" >/dev/null || fail "packets lost during maintenance"
s2s_down "$P"

echo "== failover: BFD 300 ms x 3, active endpoint SIGKILLed"
"$VPNGW" lab failover --methods bfd --faults kill --hold 30 --prefix "$P" --out "$WORK/fo"
"$VPNGW" stream report --run "$(cat "$WORK/fo/bfd-kill/run.spec")" --json "$WORK/bfd.json" --svg "$WORK/bfd.svg"
jq -e '.[0] | .restore_ms != null and .restore_ms < 1000' "$WORK/bfd.json" >/dev/null || fail "BFD failover not restored within 1 s"
jq -e '.[0] | .duplicates == 0 and .lost_on_return == 0 and .lost < 1000' "$WORK/bfd.json" >/dev/null ||
  fail "BFD failover: duplicates, loss on return, or more than 1 s of loss"
grep -q "<svg" "$WORK/bfd.svg" || fail "no picture"
s2s_down "$P"

echo "== failover: BGP hold timer 6 s alone, active endpoint SIGSTOPped"
"$VPNGW" lab failover --methods bgp --faults stop --hold 6 --prefix "$P" --out "$WORK/fo"
"$VPNGW" stream report --run "$(cat "$WORK/fo/bgp-stop/run.spec")" --json "$WORK/bgp.json"
jq -e '.[0] | .restore_ms != null and .restore_ms < 7000 and .detect_ms <= 6500' "$WORK/bgp.json" >/dev/null ||
  fail "BGP failover not within the hold time"
jq -e '.[0] | .duplicates == 0' "$WORK/bgp.json" >/dev/null || fail "duplicates"
s2s_down "$P"

echo "== failover: IKE DPD alone (AWS's 30 s after 10 s of silence; BGP hold 240 s), active endpoint's link down"
"$VPNGW" lab failover --methods dpd --faults linkdown --prefix "$P" --out "$WORK/fo"
"$VPNGW" stream report --run "$(cat "$WORK/fo/dpd-linkdown/run.spec")" --json "$WORK/dpd.json"
jq -e '.[0] | .restore_ms != null and .detect_ms <= 45000 and .restore_ms < 46000' "$WORK/dpd.json" >/dev/null ||
  fail "DPD failover not within 10 s + DPDTimeoutSeconds"
jq -e '.[0] | .duplicates == 0 and .lost_on_return == 0' "$WORK/dpd.json" >/dev/null || fail "duplicates or loss on return"
s2s_down "$P"

left=$(ip netns list | grep -c "^$P-" || true)
[ "$left" = 0 ] || fail "$left namespaces left after lab down"
echo "PASS"
