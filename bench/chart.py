#!/usr/bin/env python3
"""`vpngw bench`'s summary: DIR/bench.json and DIR/bench.svg from one run's results.

Usage: chart.py DIR
Reads DIR/dataplane.json (the data-plane comparison, bench/compare/) and, when there, DIR/failover/failover.json
(`vpngw lab failover`). The SVG has one panel per test: a bar per data path at its median, a
whisker from min to max, and the ratio to vpngw; the last panel is each failover run's detection
and restoration time.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
from html import escape

PATHS = ["veth", "vpngw", "wireguard-go", "openvpn", "strongswan", "fastd", "nebula", "nat-vpngw", "nat-nftables", "clientvpn-vpngw",
         "clientvpn-openvpn"]
LABELS = {"veth": "no tunnel", "vpngw": "vpngw", "wireguard-go": "wireguard-go", "openvpn": "OpenVPN",
          "strongswan": "strongSwan libipsec", "fastd": "fastd", "nebula": "Nebula", "nat-vpngw": "vpngw nat", "nat-nftables": "nftables masquerade",
          "clientvpn-vpngw": "Client VPN: vpngw", "clientvpn-openvpn": "Client VPN: OpenVPN"}
TESTS = [("tcp1", "TCP, 1 stream", "Mb/s"), ("tcp4", "TCP, 4 streams", "Mb/s"), ("udp64", "UDP, 64-byte payloads", "kpps")]
COLOURS = {"veth": "#999", "vpngw": "#1f6fb4", "wireguard-go": "#7a4", "openvpn": "#d80", "strongswan": "#a4a", "fastd": "#4aa",
           "nebula": "#a74",
           "nat-vpngw": "#1f6fb4", "nat-nftables": "#777", "clientvpn-vpngw": "#1f6fb4", "clientvpn-openvpn": "#d80"}


def package_version(package):
    """The Debian package's version (swanctl --version would ask a running charon)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "not installed"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def panel(y, title, unit, rows, width=760, clip=True):
    """rows: [(label, colour, median, lo, hi, note)] -> SVG elements and the panel's height."""
    left, right, bar_h, gap = 170, 150, 18, 6
    top = y + 26
    # The scale fits the tunnels; a bar far beyond them (plain veth) is cut at the edge and marked,
    # or every tunnel would be a sliver next to it.
    highs = sorted((r[4] for r in rows), reverse=True)
    scale_max = highs[1] * 1.1 if clip and len(highs) > 1 and highs[0] > 3 * highs[1] else (highs[0] if highs else 1)
    scale_max = scale_max or 1
    span = width - left - right
    x_of = lambda v: left + span * min(v, scale_max) / scale_max
    out = [f'<text x="10" y="{y + 16}" font-weight="bold">{escape(title)} ({escape(unit)})</text>']
    for i, (label, colour, median, lo, hi, note) in enumerate(rows):
        by = top + i * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{by + 13}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{by}" width="{x_of(median) - left:.1f}" height="{bar_h}" fill="{colour}"/>')
        if median > scale_max:
            out.append(f'<text x="{x_of(median) - 4:.1f}" y="{by + 13}" text-anchor="end" fill="#fff">off scale</text>')
        else:
            out.append(f'<line x1="{x_of(lo):.1f}" y1="{by + bar_h / 2}" x2="{x_of(hi):.1f}" y2="{by + bar_h / 2}" stroke="#000"/>')
        out.append(f'<text x="{left + span + 8}" y="{by + 13}">{escape(note)}</text>')
    return out, 26 + len(rows) * (bar_h + gap) + 14


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "dataplane.json")) as f:
        dataplane = json.load(f)
    failover = []
    fpath = os.path.join(d, "failover", "failover.json")
    if os.path.exists(fpath):
        with open(fpath) as f:
            failover = json.load(f)
    summary = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
        "versions": {name: package_version(name) for name in ("wireguard-go", "openvpn", "strongswan-charon", "fastd", "nebula", "iperf3", "nftables")},
        "dataplane": dataplane,
        "failover": failover,
        "notes": "medians with [min, max] over the runs; ratio_to_vpngw compares medians within this run "
                 "(NAT paths: to vpngw nat)",
    }
    with open(os.path.join(d, "bench.json"), "w") as f:
        json.dump(summary, f, indent=2)

    elements, y = [], 10
    for kind, title, unit in TESTS:
        rows = []
        for p in PATHS:
            s = dataplane.get(p, {}).get(kind)
            if s:
                ratio = f' x{s["ratio_to_vpngw"]:.2f}' if s.get("ratio_to_vpngw") is not None else ""
                rows.append((LABELS[p], COLOURS[p], s["median"], s["min"], s["max"],
                             f'{s["median"]:.0f} [{s["min"]:.0f}-{s["max"]:.0f}]{ratio}'))
        part, h = panel(y, title, unit, rows)
        elements += part
        y += h
    if failover:
        rows = []
        for r in failover:
            restore = r.get("restore_ms") or 0
            detect = r.get("detect_ms") or 0
            rows.append((r["label"], "#c33", restore, detect, restore,
                         f'detect {detect:.0f}, restore {restore:.0f}, lost {r["lost"]}'))
        part, h = panel(y, "Failover: active endpoint killed, 1000 pps (bar: restore; whisker: detect to restore)",
                        "ms", rows, clip=False)
        elements += part
        y += h
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{y + 10}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="#fff"/>' + "".join(elements) + "</svg>\n")
    with open(os.path.join(d, "bench.svg"), "w") as f:
        f.write(svg)

    if failover:
        print()
        print(f"{'failover run':<20}{'detect ms':>12}{'restore ms':>12}{'lost':>8}")
        for r in failover:
            print(f"{r['label']:<20}{r.get('detect_ms') or 0:>12.0f}{r.get('restore_ms') or 0:>12.0f}{r['lost']:>8}")


if __name__ == "__main__":
    main()
