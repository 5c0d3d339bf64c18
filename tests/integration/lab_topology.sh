#!/usr/bin/env bash
# Namespaces (root): `vpngw lab up FILE` with a topology a user writes (uses the lab named "lab": do
# not run it while a lab of your own is up). Its own addresses, two on-prem hosts, a transit gateway
# with two VPCs (one with two subnets), a Client VPN endpoint in one of them whose group "ops" may
# reach on-prem. Checks: every on-prem host reaches every VPC host over the tunnels; the client
# reaches its VPC, and on-prem over the VPN (seen there as the ENI); `lab check` and `lab up` refuse
# a broken file with the key named and leave the running lab as it was; status and capture find
# the customer gateway by its own id; `lab report` writes a page;
# `lab down` leaves nothing.
set -euo pipefail
VPNGW=$(realpath "$1")
WORK=$(mktemp -d /tmp/vpngw-lab-topology.XXXXXX)
cleanup() { "$VPNGW" lab down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
on() { "$VPNGW" lab exec "$@"; }

cat >"$WORK/mylab.toml" <<'TOML'
[lab]
name = "mylab"
description = "two sites' worth of hosts, a transit gateway, two VPCs, ops on Client VPN"

[onprem]
cidr = "192.168.0.0/16"
lan = "192.168.10.0/24"

[[vpc]]
id = "prod"
cidr = "10.20.0.0/16"
subnets = ["10.20.1.0/24", "10.20.2.0/24"]

[[vpc]]
id = "shared"
cidr = "10.30.0.0/16"
subnets = ["10.30.0.0/24"]

[hosts]
desk1 = "192.168.10.21"
desk2 = "192.168.10.22"
web = "10.20.1.50"
db = "10.20.2.50"
dns = "10.30.0.53"

[[customer_gateway]]
id = "cgw-home"
bgp_asn = 65010
ip_address = "198.51.100.5"

[[transit_gateway]]
id = "tgw-1"
amazon_side_asn = 64600

[[vpn_connection]]
id = "vpn-home"
customer_gateway = "cgw-home"
transit_gateway = "tgw-1"

[client_vpn]
client_cidr = "100.64.128.0/22"
split_tunnel = true

[[client_vpn.target_network]]
subnet = "10.20.1.0/24"

[[client_vpn.authorization_rule]]
destination = "10.20.0.0/16"

[[client_vpn.authorization_rule]]
destination = "192.168.0.0/16"
group = "ops"

[[client_vpn.route]]
destination = "192.168.0.0/16"
target = "10.20.1.0/24"

[[client_vpn.client]]
name = "carol"
group = "ops"
TOML

"$VPNGW" lab check "$WORK/mylab.toml"
"$VPNGW" lab up "$WORK/mylab.toml"
for src in desk1 desk2; do
  for dst in 10.20.1.50 10.20.2.50 10.30.0.53; do
    on "$src" -- ping -c 2 -i 0.2 -W 2 "$dst" >/dev/null || fail "$src cannot reach $dst"
  done
done
on carol -- ping -c 2 -i 0.2 -W 2 10.20.2.50 >/dev/null || fail "carol cannot reach db"
on desk1 -- timeout 6 tcpdump -lni eth0 -c 1 'icmp[icmptype] == icmp-echo' 2>/dev/null >"$WORK/seen" &
capture=$!
sleep 1
on carol -- ping -c 2 -i 0.3 -W 2 192.168.10.21 >/dev/null || fail "carol (ops) cannot reach desk1 over the VPN"
wait "$capture" || true
cat "$WORK/seen"
grep -q "IP 10.20.1.4 > 192.168.10.21" "$WORK/seen" || fail "desk1 did not see the ENI's address (10.20.1.4)"

echo "== a broken file is refused before the running lab is touched"
sed 's/desk2 = "192.168.10.22"/desk2 = "192.168.10.1"/' "$WORK/mylab.toml" >"$WORK/broken.toml"
set +e
"$VPNGW" lab check "$WORK/broken.toml" 2>"$WORK/check.err"; rc_check=$?
"$VPNGW" lab up "$WORK/broken.toml" 2>"$WORK/up.err"; rc_up=$?
set -e
cat "$WORK/up.err"
[ "$rc_check" = 2 ] && [ "$rc_up" = 2 ] || fail "broken topology: check exited $rc_check, up exited $rc_up (expected 2)"
grep -q "key 'hosts.desk2' = \"192.168.10.1\"" "$WORK/up.err" || fail "the error does not name the key and value"
on desk2 -- ping -c 1 -W 2 10.20.1.50 >/dev/null || fail "the running lab did not survive a refused lab up"

grep -q "customer gateway cgw-home" <<<"$("$VPNGW" lab status)" || fail "status does not show the customer gateway by its id"
"$VPNGW" lab capture tunnel1 --seconds 2 --out "$WORK/capture" >/dev/null
[ -s "$WORK/capture/esp_sa" ] || fail "lab capture wrote no SA table for the customer gateway cgw-home"
"$VPNGW" lab report --out "$WORK/report"
grep -q "mylab" "$WORK/report/report.html" || fail "the report does not show the lab"
grep -q "carol" "$WORK/report/report.html" || fail "the report does not list carol's connection"
"$VPNGW" lab down
[ -z "$(ip netns list | grep '^lab-' || true)" ] || fail "namespaces left after lab down"
echo "PASS"
