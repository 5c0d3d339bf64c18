#!/usr/bin/env bash
# Namespaces (root): the README's first command, scripts/demo.sh, end to end (it builds nothing
# new here: the tree is built). Checks: it succeeds; its report.html is a complete page with the lab
# status, the metrics, the failover table and picture, the Client VPN connections, both NAT proofs
# naming only the ENI (at the VPC host, and at the on-prem host reached over the Site-to-Site VPN)
# and the authorization outcome; nothing of the lab is left afterwards.
# Uses the lab named "lab".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vpngw-demo-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DEMO_OUT=$WORK "$HERE/../../scripts/demo.sh" >"$WORK/demo.log" 2>&1 || { tail -40 "$WORK/demo.log" >&2; fail "demo.sh failed"; }
tail -5 "$WORK/demo.log"
[ -z "$(ip netns list | grep '^lab-' || true)" ] || fail "the demo left namespaces behind"
python3 - "$WORK/report.html" <<'PY'
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "hr", "link", "input"}

class Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text, self.errors = [], {}, [], []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else '-'}>")
        else:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)

c = Check()
c.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(c.text)
problems = list(c.errors)
if c.stack: problems.append(f"unclosed: {c.stack}")
for tag, least in {"html": 1, "table": 3, "svg": 1, "rect": 10, "h2": 8, "pre": 5}.items():
    if c.tags.get(tag, 0) < least: problems.append(f"fewer than {least} <{tag}>")
for needle in ["detect ms", "bfd / linkdown", "ConnectionId", "alice", "bob", "aws_vpn_tunnel_state",
               "at the VPC host", "at the on-prem host", "vpn-1-tunnel2", "Established",
               "dropped (no rule for her group)", "bob (admins) -> on-prem 10.0.0.10: reached"]:
    if needle not in text: problems.append(f"missing: {needle!r}")
if text.count("the host saw only the ENI's address: 10.1.0.4") != 2: problems.append("not two NAT proofs naming only 10.1.0.4")
if problems:
    print("report.html:", *problems, sep="\n  ")
    sys.exit(1)
print(f"report.html: {sum(c.tags.values())} elements, {c.tags.get('table')} tables, an SVG with {c.tags.get('rect')} bars")
PY
echo "PASS"
