#!/usr/bin/env bash
# Client VPN end to end: `vpngw clientvpn serve` against OpenVPN's own server (2.6, user space, no
# DCO here) in the same topology (lab/client_vpn.sh), same PKI, same clients (Debian's openvpn
# 2.6 with the exported .ovpn), in one run on one machine:
#   handshakes/s  bench/ovpn_handshake: 300 complete handshakes (TLS 1.3, client certificate, key
#                 method 2, PUSH_REPLY, EXIT), 16 at a time, from one lightweight client process
#   stock clients HANDSHAKES openvpn processes (default 20) started at once: connected per second
#   1 client      one iperf3 TCP stream, client -> VPC host, Mb/s
#   aggregate     4 clients with one stream each at once, Mb/s summed
# Both servers source-NAT into the VPC subnet (vpngw: its ENI; OpenVPN: nftables masquerade).
# The clients are user-space openvpn processes on the same 2 cores, so they cap throughput for
# both servers alike; the numbers compare servers, not absolute capacity.
# REPS (default 3) runs per server, SECONDS_PER_TEST (default 3); median [min-max].
# Usage: sudo bench/clientvpn_e2e.sh        Needs root; prints numbers, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3} SECS=${SECONDS_PER_TEST:-3} HANDSHAKES=${HANDSHAKES:-20}
[ "$(id -u)" -eq 0 ] || { echo "clientvpn_e2e.sh: run as root" >&2; exit 1; }
./scripts/setup.sh >/dev/null
./scripts/build.sh vpngw ovpn_handshake >/dev/null
VPNGW=$PWD/build/vpngw HANDSHAKE=$PWD/build/bench/ovpn_handshake
source lab/client_vpn.sh
WORK=$(mktemp -d /tmp/vpngw-cvpnbench.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
CVPN_P=cb$$
CVPN_VPNGW=$VPNGW
trap 'cvpn_down; rm -rf "$WORK"' EXIT

now() { date +%s.%N; }

run_server() {
  local server=$1 rep=$2 i
  local dir=$WORK/$server-$rep
  cvpn_create "$CVPN_P" "$dir"
  cp -r "$WORK/pki" "$dir/pki"
  cvpn_config "$dir/endpoint.toml" true
  if [ "$server" = vpngw ]; then cvpn_start "$VPNGW"; else cvpn_start_openvpn; fi
  for i in $(seq "$HANDSHAKES"); do cvpn_add_client "c$i" "" "$i" >/dev/null 2>&1; done

  local start elapsed
  start=$(now)
  for i in $(seq "$HANDSHAKES"); do cvpn_connect "c$i"; done
  for i in $(seq "$HANDSHAKES"); do cvpn_wait_connected "c$i" 60 || { echo "$server: c$i did not connect" >&2; return 1; }; done
  elapsed=$(echo "$(now) - $start" | bc -l)
  printf '%s\tstock_clients_per_s\t%s\n' "$server" "$(echo "$HANDSHAKES / $elapsed" | bc -l)" >>"$RESULTS"
  local hs
  hs=$(cvpn_in c1 "$HANDSHAKE" "$CVPN_NET.1" 443 "$dir/pki/ca.crt" "$dir/pki/c1.crt" "$dir/pki/c1.key" 300 16)
  printf '%s\thandshakes_per_s\t%s\n' "$server" "$(awk '{print $8}' <<<"$hs")" >>"$RESULTS"
  printf '%s\thandshake_median_ms\t%s\n' "$server" "$(awk '{print $10}' <<<"$hs")" >>"$RESULTS"
  # Leave 4 clients for the throughput runs.
  for i in $(seq 5 "$HANDSHAKES"); do kill "$(cat "$dir/c$i.pid")" 2>/dev/null || true; done

  for i in 1 2 3 4; do cvpn_in vpc iperf3 -s -D -p $((5200 + i)) >/dev/null; done
  sleep 0.5
  local mbps
  mbps=$(cvpn_in c1 iperf3 -c 10.0.1.20 -p 5201 -t "$SECS" --json | jq '.end.sum_received.bits_per_second / 1e6')
  printf '%s\tone_client_mbps\t%s\n' "$server" "$mbps" >>"$RESULTS"
  local pids=()
  for i in 1 2 3 4; do
    cvpn_in "c$i" iperf3 -c 10.0.1.20 -p $((5200 + i)) -t "$SECS" --json >"$dir/iperf-$i.json" &
    pids+=($!)
  done
  wait "${pids[@]}"  # not a bare wait: the servers and clients are this shell's jobs too
  local sum=0
  for i in 1 2 3 4; do sum=$(echo "$sum + $(jq '.end.sum_received.bits_per_second / 1e6' "$dir/iperf-$i.json")" | bc -l); done
  printf '%s\taggregate_mbps\t%s\n' "$server" "$sum" >>"$RESULTS"
  echo "  $server run $rep done" >&2
  cvpn_down
}

# One PKI for every run: the server certificate and CRL come from vpngw's helper either way.
mkdir -p "$WORK/pki-src"
CVPN_WORK=$WORK/pki-src cvpn_config "$WORK/pki-src/endpoint.toml" true
"$VPNGW" clientvpn pki-init --dir "$WORK/pki" --config "$WORK/pki-src/endpoint.toml" >/dev/null

for rep in $(seq "$REPS"); do
  run_server vpngw "$rep"
  run_server openvpn "$rep"
done

python3 - "$RESULTS" "$HANDSHAKES" <<'EOF'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
def stat(path, metric):
    v = [float(r[2]) for r in rows if r[0] == path and r[1] == metric]
    return (statistics.median(v), min(v), max(v)) if v else None
metrics = [("handshakes_per_s", "handshakes/s (300, 16 at a time)"),
           ("handshake_median_ms", "handshake time, median ms"),
           ("stock_clients_per_s", f"stock clients up/s ({sys.argv[2]} at once)"),
           ("one_client_mbps", "1 client TCP, Mb/s"), ("aggregate_mbps", "4 clients TCP, Mb/s total")]
print(f"{'':34} {'vpngw clientvpn':>22} {'openvpn 2.6 server':>22}")
for key, label in metrics:
    cells = []
    for path in ("vpngw", "openvpn"):
        s = stat(path, key)
        cells.append(f"{s[0]:.1f} [{s[1]:.1f}-{s[2]:.1f}]" if s else "-")
    print(f"{label:34} {cells[0]:>22} {cells[1]:>22}")
EOF
