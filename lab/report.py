#!/usr/bin/env python3
"""A lab's summary as one self-contained HTML page (`vpngw lab report`, and the demo through it).

Usage: report.py DIR > DIR/report.html
       report.py DIR --text       the same parts as a short terminal summary

Reads from DIR; each part is optional and shown only when its file is there:
  status.txt             `vpngw lab status`: nodes, tunnels, BGP, routes, connections -> preformatted
  metrics.txt            the VGW router's CloudWatch metrics (Prometheus text)          -> table
  failover.json          runs from `vpngw stream report --json`                         -> table
  failover.svg           the same runs' picture                                         -> inlined
  iperf.txt              a TCP stream's sender/receiver lines                           -> preformatted
  cvpn.json              `vpngw ctl --json connections`                                 -> table
  nat-proof.txt          the VPC host's capture while a client pinged it                -> verdict + capture
  nat-proof-onprem.txt   the on-prem host's capture while a client pinged it            -> verdict + capture
  authz.txt              authorization checks                                           -> preformatted
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
    return "<pre>" + html.escape(text.rstrip()) + "</pre>"


def table(headers, rows):
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def ms(v):
    return "never" if v is None else f"{v:.0f}"


def metrics_rows(text):
    """aws_vpn_tunnel_data_in_bytes_total{tunnel="vpn-1-tunnel1",outside_ip="..."} 1234 -> rows."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("aws_vpn") or " " not in line:
            continue
        name_labels, value = line.rsplit(" ", 1)
        name, _, labels = name_labels.partition("{")
        tunnel = next((kv.split("=", 1)[1].strip('"') for kv in labels.rstrip("}").split(",")
                       if kv.startswith("tunnel=")), "")
        rows.append([tunnel, name, value])
    return rows


def nat_verdict(text):
    sources = {line.split()[2] for line in text.splitlines() if " > " in line and "echo request" in line}
    return ("the host saw only the ENI's address: " + ", ".join(sorted(sources))) if sources else "no packet captured"


def nat_proof(title, text):
    return f"<h2>{html.escape(title)}</h2><p>" + html.escape(nat_verdict(text)) + "</p>" + pre(text)


def text_summary(d):
    """The page's facts in a few terminal lines."""
    lines = ["== summary"]
    status = read(d, "status.txt")
    if status:
        lines.append(status.splitlines()[0])
    metrics = metrics_rows(read(d, "metrics.txt") or "")
    by_tunnel = {}
    for tunnel, name, value in metrics:
        by_tunnel.setdefault(tunnel, {})[name] = value
    for tunnel, m in sorted(by_tunnel.items()):
        state = "up" if m.get("aws_vpn_tunnel_state") == "1" else "down"
        lines.append(f"tunnel {tunnel}: {state}, {m.get('aws_vpn_tunnel_data_in_bytes_total', '?')} bytes in, "
                     f"{m.get('aws_vpn_tunnel_data_out_bytes_total', '?')} bytes out (at the VGW)")
    for r in json.loads(read(d, "failover.json") or "[]"):
        lines.append(f"failover {r['label']}: detected in {ms(r['detect_ms'])} ms, restored in {ms(r['restore_ms'])} ms, "
                     f"{r['lost']} of {r['sent']} packets lost")
    for line in (read(d, "iperf.txt") or "").splitlines():
        if "receiver" in line:
            lines.append("TCP on-prem -> VPC: " + " ".join(line.split()[4:8]).replace(" receiver", ""))
    cvpn = read(d, "cvpn.json")
    if cvpn is not None:
        conns = json.loads(cvpn or "{}").get("Connections", [])
        names = ", ".join(f"{c.get('CommonName')} {c.get('ClientIp')}" for c in conns)
        lines.append(f"Client VPN: {len(conns)} connection(s){': ' + names if names else ''}")
    for name, where in (("nat-proof.txt", "VPC host"), ("nat-proof-onprem.txt", "on-prem host")):
        text = read(d, name)
        if text is not None:
            lines.append(f"NAT proof at the {where}: {nat_verdict(text)}")
    lines += (read(d, "authz.txt") or "").splitlines()
    return "\n".join(lines)


def main():
    d = sys.argv[1]
    if sys.argv[2:] == ["--text"]:
        print(text_summary(d))
        return
    parts = []
    status = read(d, "status.txt")
    if status is not None:
        parts.append("<h2>The lab: nodes, tunnels, BGP, routes, connections</h2>" + pre(status))
    metrics = read(d, "metrics.txt")
    if metrics:
        parts.append("<h2>Site-to-Site: CloudWatch metrics at the VGW</h2>" +
                     table(["tunnel", "metric", "value"], metrics_rows(metrics)))
    runs = read(d, "failover.json")
    if runs is not None:
        parts.append("<h2>Site-to-Site: measured failover</h2>")
        parts.append(table(
            ["run", "sent", "received", "lost", "duplicates", "reordered", "detect ms", "restore ms", "lost on return"],
            [[r["label"], r["sent"], r["received"], r["lost"], r["duplicates"], r["reordered"], ms(r["detect_ms"]),
              ms(r["restore_ms"]), "-" if r["lost_on_return"] is None else r["lost_on_return"]]
             for r in json.loads(runs)]))
        svg = read(d, "failover.svg")
        if svg:
            parts.append(f"<figure>{svg}<figcaption>packets delivered per 10 ms around the fault (red: fault, "
                         f"orange: detection)</figcaption></figure>")
    iperf = read(d, "iperf.txt")
    if iperf is not None:
        parts.append("<h2>Site-to-Site: one TCP stream on-prem to VPC</h2>" + pre(iperf))
    cvpn = read(d, "cvpn.json")
    if cvpn is not None:
        conns = json.loads(cvpn or "{}").get("Connections", [])
        keys = ("ConnectionId", "CommonName", "Group", "ClientIp", "DeviceIp", "IngressBytes", "EgressBytes")
        parts.append("<h2>Client VPN: connections</h2>" +
                     table(list(keys), [[c.get(k, "") for k in keys] for c in conns]))
    for name, title in (("nat-proof.txt", "Client VPN: the NAT proof at the VPC host"),
                        ("nat-proof-onprem.txt", "Client VPN to on-prem over Site-to-Site: the NAT proof at the on-prem host")):
        text = read(d, name)
        if text is not None:
            parts.append(nat_proof(title, text))
    authz = read(d, "authz.txt")
    if authz is not None:
        parts.append("<h2>Client VPN: authorization by group</h2>" + pre(authz))

    print("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vpngw lab report</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 72em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
th { background: #eef; } td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
</style></head><body>
<h1>vpngw lab report</h1>
""" + "\n".join(parts) + "\n</body></html>")


if __name__ == "__main__":
    main()
