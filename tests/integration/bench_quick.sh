#!/usr/bin/env bash
# Namespaces (root): `vpngw bench --quick` end to end, so the benchmark command cannot rot. Checks
# only that every data path ran and carried traffic (no tunnel, vpngw, wireguard-go, OpenVPN,
# strongSwan with kernel-libipsec, fastd, Nebula, vpngw nat and nftables masquerade, vpngw's Client VPN endpoint
# and OpenVPN's server; three tests each), that the NAT flow tests and the failover run were
# measured, and that bench.json and bench.svg are complete. Numbers are not judged: CI boxes
# differ. Uses the namespaces bench-*.
set -euo pipefail
VPNGW=$(realpath "$1")
OUT=$(mktemp -d /tmp/vpngw-bench-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VPNGW" bench --quick --out "$OUT" >"$OUT/log" 2>&1 || { tail -40 "$OUT/log" >&2; fail "vpngw bench --quick failed"; }
sed -n '/^path /,/^median/p' "$OUT/log"
python3 - "$OUT" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
b = json.load(open(f"{d}/bench.json"))
problems = []
paths = ["veth", "vpngw", "wireguard-go", "openvpn", "strongswan", "fastd", "nebula", "nat-vpngw", "nat-nftables", "clientvpn-vpngw",
         "clientvpn-openvpn"]
for path in paths:
    for kind in ["tcp1", "tcp4", "udp64"]:
        s = b["dataplane"].get(path, {}).get(kind)
        if not s or not s["median"] > 0:
            problems.append(f"{path} {kind}: no traffic measured")
        elif path != "veth" and path != "nat-nftables" and not s.get("per_core", {}).get("median", 0) > 0:
            problems.append(f"{path} {kind}: no daemon CPU measured")
for path in ["nat-vpngw", "nat-nftables"]:
    flows = b["dataplane"].get("nat_flows", {}).get(path, {})
    for metric in ["existing_kpps", "new_flows_kps", "flows_created"]:
        if not flows.get(metric, {}).get("median", 0) > 0:
            problems.append(f"{path} {metric}: not measured")
runs = b["failover"]
if len(runs) != 1 or runs[0]["detect_ms"] is None or runs[0]["restore_ms"] is None:
    problems.append(f"failover not measured: {runs}")
svg = ET.parse(f"{d}/bench.svg").getroot()
rects = svg.findall(".//{http://www.w3.org/2000/svg}rect")
if len(rects) < len(paths) * 3 + 2:
    problems.append(f"bench.svg has {len(rects)} rects, expected a bar per path and test plus the failover")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"bench.json: {len(paths)} paths x 3 tests, NAT flows, failover {runs[0]['label']} restored in {runs[0]['restore_ms']:.0f} ms; bench.svg: {len(rects)} bars")
PY
[ -z "$(ip netns list | grep -E '^bench-' || true)" ] || fail "namespaces left behind"
echo "PASS"
