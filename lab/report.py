#!/usr/bin/env python3
"""The demo's summary as one self-contained HTML page (scripts/demo.sh writes DIR, then this).

Usage: report.py DIR > DIR/report.html

Reads from DIR (each optional; a missing part is said on the page):
  failover.json   runs from `vpngw stream report --json`   -> table
  failover.svg    the same runs' picture                   -> inlined
  s2s-status.txt  `vpngw lab status` of the Site-to-Site lab -> preformatted
  iperf.txt       the TCP stream's sender/receiver lines     -> preformatted
  cvpn.json       `vpngw ctl --json connections`            -> table
  nat-proof.txt   the VPC host's capture during the ping     -> preformatted, with the verdict
  authz.txt       the authorization checks                  -> preformatted
Every text from those files is escaped; the SVG comes from vpngw's own renderer.
"""
import html
import json
import os
import sys


def read(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def pre(text):
    return "<pre>" + html.escape(text.rstrip()) + "</pre>" if text else "<p class=missing>not recorded</p>"


def table(headers, rows):
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def ms(v):
    return "never" if v is None else f"{v:.0f}"


def main():
    d = sys.argv[1]
    parts = []
    runs = json.loads(read(d, "failover.json") or "[]")
    parts.append("<h2>Site-to-Site: measured failover</h2>")
    if runs:
        parts.append(table(
            ["run", "sent", "received", "lost", "duplicates", "reordered", "detect ms", "restore ms", "lost on return"],
            [[r["label"], r["sent"], r["received"], r["lost"], r["duplicates"], r["reordered"], ms(r["detect_ms"]),
              ms(r["restore_ms"]), "-" if r["lost_on_return"] is None else r["lost_on_return"]] for r in runs]))
    else:
        parts.append("<p class=missing>not recorded</p>")
    svg = read(d, "failover.svg")
    parts.append(f"<figure>{svg}<figcaption>packets delivered per 10 ms around the fault (red: fault, "
                 f"orange: detection)</figcaption></figure>" if svg else "<p class=missing>no picture</p>")
    parts.append("<h2>Site-to-Site: the lab after the failover</h2>" + pre(read(d, "s2s-status.txt")))
    parts.append("<h2>Site-to-Site: one TCP stream on-prem to VPC</h2>" + pre(read(d, "iperf.txt")))

    parts.append("<h2>Client VPN: connections</h2>")
    cvpn = json.loads(read(d, "cvpn.json") or "{}")
    conns = cvpn.get("Connections", [])
    parts.append(table(["ConnectionId", "CommonName", "Group", "ClientIp", "DeviceIp", "IngressBytes", "EgressBytes"],
                       [[c.get(k, "") for k in ("ConnectionId", "CommonName", "Group", "ClientIp", "DeviceIp",
                                                 "IngressBytes", "EgressBytes")] for c in conns])
                 if conns else "<p class=missing>not recorded</p>")
    proof = read(d, "nat-proof.txt") or ""
    sources = {line.split()[2] for line in proof.splitlines() if " > " in line and "echo request" in line}
    verdict = ("the VPC host saw only the ENI's address: " + ", ".join(sorted(sources))) if sources else "no capture"
    parts.append("<h2>Client VPN: the NAT proof</h2><p>" + html.escape(verdict) + "</p>" + pre(proof))
    parts.append("<h2>Client VPN: authorization by group</h2>" + pre(read(d, "authz.txt")))

    print("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vpngw demo report</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 72em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
th { background: #eef; } td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
.missing { color: #a00; }
</style></head><body>
<h1>vpngw demo report</h1>
<p>Site-to-Site VPN with two tunnels and a measured failover, then Client VPN with stock OpenVPN clients.</p>
""" + "\n".join(parts) + "\n</body></html>")


if __name__ == "__main__":
    main()
