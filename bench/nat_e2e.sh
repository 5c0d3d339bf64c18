#!/usr/bin/env bash
# NAT end to end: the same traffic through `vpngw nat` (ENI-like TAP) and through Linux nftables
# masquerade, in one run on one machine (topology: lab/client_vpc.sh).
#   existing  udp_spray cycling over 1000 flows from 40 client addresses: packets/s the VPC host got
#   new       udp_spray where every packet is a new flow, 60000 of them (one outside address has
#             64512 UDP ports, for vpngw and for masquerade alike): new flows/s the VPC host got
#   tcp       one iperf3 TCP stream, Mb/s
#   per flow  vpngw: its flow table's fixed budget (bytes / capacity) and its RSS after the new-flow
#             run; kernel: the nf_conntrack slab object size (plus extensions, not counted)
# REPS (default 3) runs per path, SECONDS (default 3) per test; median [min-max].
# Usage: sudo bench/nat_e2e.sh        Needs root; prints numbers, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3} SECS=${SECONDS_PER_TEST:-3}
[ "$(id -u)" -eq 0 ] || { echo "nat_e2e.sh: run as root" >&2; exit 1; }
./scripts/setup.sh >/dev/null
./scripts/build.sh vpngw udp_spray >/dev/null
VPNGW=$PWD/build/vpngw SPRAY=$PWD/build/bench/udp_spray
source lab/client_vpc.sh
WORK=$(mktemp -d /tmp/vpngw-natbench.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
trap 'cvpc_down; rm -rf "$WORK"' EXIT
CLIENTS=40 FLOW_CAPACITY=4194304

# Packets the VPC host's counter rule has seen so far (anonymous rule counters cannot be reset here).
received() { cvpc_exec vpc nft -j list chain ip bench in | jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'; }

run_path() {
  local path=$1 rep=$2
  cvpc_create "nb$$" "$CLIENTS"
  cvpc_exec vpc nft -f - <<'NFT'
table ip bench {
  chain in { type filter hook input priority 0; udp dport 9 counter drop; }
}
NFT
  if [ "$path" = vpngw ]; then cvpc_start_vpngw "$VPNGW" "$WORK" "$FLOW_CAPACITY"; else cvpc_start_nftables; fi
  cvpc_exec cl ping -c 2 -W 2 10.0.1.20 >/dev/null || { echo "no path through $path" >&2; return 1; }

  local out pps before
  before=$(received)
  out=$(cvpc_exec cl "$SPRAY" 10.0.1.20 9 172.16.0.10 "$CLIENTS" 1000 "$SECS")
  pps=$(awk -v got="$(( $(received) - before ))" '{printf "%.0f", got / $2}' <<<"$out")
  printf '%s\texisting_kpps\t%s\n' "$path" "$(echo "$pps / 1000" | bc -l)" >>"$RESULTS"

  before=$(received)
  out=$(cvpc_exec cl "$SPRAY" 10.0.1.20 9 172.16.0.10 "$CLIENTS" 2500000 "$SECS" 60000)
  pps=$(awk -v got="$(( $(received) - before ))" '{printf "%.0f", got / $2}' <<<"$out")
  printf '%s\tnew_flows_kps\t%s\n' "$path" "$(echo "$pps / 1000" | bc -l)" >>"$RESULTS"
  if [ "$path" = vpngw ]; then
    local pid=$CVPC_NAT_PID flows
    sleep 1.1
    flows=$(jq -r .counters.mappings_created "$WORK/nat.json")
    printf '%s\tflows_created\t%s\n' "$path" "$flows" >>"$RESULTS"
    printf '%s\trss_mib\t%s\n' "$path" "$(awk '/VmRSS/ {print $2 / 1024}' /proc/"$pid"/status)" >>"$RESULTS"
  else
    printf '%s\tflows_created\t%s\n' "$path" "$(cvpc_exec rt cat /proc/sys/net/netfilter/nf_conntrack_count)" >>"$RESULTS"
  fi

  cvpc_exec vpc iperf3 -s -D -1 >/dev/null
  sleep 0.3
  local mbps
  mbps=$(cvpc_exec cl iperf3 -c 10.0.1.20 -B 172.16.0.10 -t "$SECS" --json | jq '.end.sum_received.bits_per_second / 1e6')
  printf '%s\ttcp_mbps\t%s\n' "$path" "$mbps" >>"$RESULTS"
  echo "  $path run $rep done" >&2
  cvpc_down
}

for rep in $(seq "$REPS"); do
  run_path vpngw "$rep"
  run_path nftables "$rep"
done

conntrack_obj=$(awk '$1 == "nf_conntrack" {print $4}' /proc/slabinfo 2>/dev/null || true)
python3 - "$RESULTS" "$FLOW_CAPACITY" "${conntrack_obj:-?}" <<'EOF'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
def stat(path, metric):
    v = [float(r[2]) for r in rows if r[0] == path and r[1] == metric]
    return (statistics.median(v), min(v), max(v)) if v else None
metrics = [("existing_kpps", "existing flows, kpps received"), ("new_flows_kps", "new flows/s (thousands)"),
           ("tcp_mbps", "TCP 1 stream, Mb/s"), ("flows_created", "flows in the table after the run")]
print(f"{'':34} {'vpngw nat':>24} {'nftables masquerade':>24}")
for key, label in metrics:
    cells = []
    for path in ("vpngw", "nftables"):
        s = stat(path, key)
        cells.append(f"{s[0]:.0f} [{s[1]:.0f}-{s[2]:.0f}]" if s else "-")
    print(f"{label:34} {cells[0]:>24} {cells[1]:>24}")
rss = stat("vpngw", "rss_mib")
print(f"vpngw: flow table budget {int(sys.argv[2])} flows x ~41 B; process RSS after the new-flow run "
      f"{rss[0]:.0f} MiB [{rss[1]:.0f}-{rss[2]:.0f}]")
print(f"kernel: nf_conntrack slab object {sys.argv[3]} B per connection (extensions extra)")
EOF
