#!/usr/bin/env bash
# BGP convergence: BIRD 2 sends a full table over an AWS-style tunnel (lab/two_gateways.sh: the
# session runs through two vpngw gateways' ESP tunnel) to a receiver on the AWS side, which is
# either vpngw's BGP speaker or a second BIRD, in one run on one machine, alternating.
#
#   time   Established -> every prefix in the receiver's tables. For vpngw: in the Loc-RIB and in
#          the published FIB snapshot. For BIRD: in its master table. Both are measured the same
#          way from outside (polling every 20 ms); vpngw's own timestamps are shown beside.
#   rss    the receiver's peak resident memory (VmHWM), whole process.
#
# Feeds: packed (all prefixes share one attribute set, so ~1000 fit one UPDATE) and unique (each
# prefix has its own AS_PATH, so one prefix per UPDATE).
# Usage: sudo bench/bgp_convergence.sh [PREFIXES...]   (default: 100000 1000000)
#   REPS=3 (runs per receiver and feed), FEEDS="packed unique", KERNEL=0 (1: vpngw also installs
#   every route in the kernel, which BIRD without a kernel protocol does not do).
# Prints median [min-max]; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3} FEEDS=${FEEDS:-"packed unique"} KERNEL=${KERNEL:-0}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
[ "$(id -u)" -eq 0 ] || { echo "bgp_convergence.sh: run as root" >&2; exit 1; }
./scripts/setup.sh >/dev/null
./scripts/build.sh vpngw >/dev/null
VPNGW=$PWD/build/vpngw
source lab/two_gateways.sh
WORK=$(mktemp -d /tmp/vpngw-bgpbench.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
cleanup() {
  for f in "$WORK"/*.bird.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  lab_down 2>/dev/null || true
}
trap 'cleanup; rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }
rss_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# CPU time (ms) of a process's main thread: vpngw's control plane runs there (its data-plane
# threads, which carry the BGP session's ESP, are left out, as BIRD does no ESP either).
main_thread_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/task/$1/stat"; }

# The sender's static table: N /24s from 16.0.0.0 on; "unique" gives each its own AS_PATH.
write_sender_config() {
  local n=$1 feed=$2 out=$3
  {
    echo "router id 169.254.100.2;"
    echo "protocol device {}"
    echo "protocol static feed { ipv4;"
    awk -v n="$n" -v feed="$feed" 'BEGIN {
      for (i = 0; i < n; i++) {
        a = 16 + int(i / 65536); b = int(i / 256) % 256; c = i % 256;
        if (feed == "unique") printf "route %d.%d.%d.0/24 blackhole { bgp_path.prepend(%d); };\n", a, b, c, 100000 + i;
        else printf "route %d.%d.%d.0/24 blackhole;\n", a, b, c;
      }
    }'
    echo "}"
    cat <<EOF
protocol bgp aws {
  disabled;
  local 169.254.100.2 as 65000;
  neighbor 169.254.100.1 as 64512;
  connect retry time 1;
  ipv4 { import none; export where source = RTS_STATIC; };
}
EOF
  } >"$out"
}

write_receiver_bird_config() {
  cat >"$1" <<EOF
router id 169.254.100.1;
protocol device {}
protocol bgp cgw {
  local 169.254.100.1 as 64512;
  neighbor 169.254.100.2 as 65000;
  connect retry time 1;
  ipv4 { import all; export none; };
}
EOF
}

start_bird() {  # NODE NAME CONFIG
  lab_exec "$1" bird -c "$3" -s "$WORK/$2.ctl" -P "$WORK/$2.bird.pid" >"$WORK/$2.out" 2>&1
  for _ in $(seq 100); do [ -s "$WORK/$2.bird.pid" ] && [ -S "$WORK/$2.ctl" ] && return 0; sleep 0.1; done
  echo "bird $2 did not start" >&2; cat "$WORK/$2.out" >&2; return 1
}
birdc_() { local node=$1 name=$2; shift 2; lab_exec "$node" birdc -s "$WORK/$name.ctl" "$@"; }
bird_count() { birdc_ "$1" "$2" show route count | awk '/routes for/ {print $1; exit}'; }

# One measurement: RECEIVER(vpngw|bird) N FEED -> appends a line to $RESULTS.
measure() {
  local receiver=$1 n=$2 feed=$3
  local tag="r$$"
  LAB_LEFT_ROUTE="" LAB_RIGHT_ROUTE=""
  LAB_RIGHT_EXTRA=$(printf '[[route]]\nprefix = "169.254.100.0/30"\ntunnel = "to-peer"')
  if [ "$receiver" = vpngw ]; then
    local kr=false
    [ "$KERNEL" = 1 ] && kr=true
    LAB_LEFT_EXTRA=$(printf '[bgp]\nasn = 64512\nconnect_retry = 1\nkernel_routes = %s\n[[bgp.neighbor]]\nname = "cgw"\naddress = "169.254.100.2"\nremote_asn = 65000\ntunnel = "to-peer"\nmax_prefixes = 0\n' "$kr")
  else
    LAB_LEFT_EXTRA=$(printf '[[route]]\nprefix = "169.254.100.0/30"\ntunnel = "to-peer"')
  fi
  lab_create "$tag" "$WORK/lab" >/dev/null
  lab_start_vpngw "$VPNGW" aes128gcm16 >/dev/null
  write_sender_config "$n" "$feed" "$WORK/sender.conf"
  start_bird gr sender "$WORK/sender.conf"
  until [ "$(bird_count gr sender)" = "$n" ]; do sleep 0.2; done  # the table is loaded before the session starts
  local pid established done_ms fib_internal=""
  if [ "$receiver" = bird ]; then
    write_receiver_bird_config "$WORK/receiver.conf"
    start_bird gl receiver "$WORK/receiver.conf"
    pid=$(cat "$WORK/receiver.bird.pid")
  else
    pid=$(cat "$WORK/lab/left.pid")
  fi
  local cpu0; cpu0=$(main_thread_cpu_ms "$pid")
  birdc_ gr sender enable aws >/dev/null
  # Established, seen from the receiver.
  while :; do
    if [ "$receiver" = bird ]; then
      birdc_ gl receiver show protocols cgw | grep -q Established && break
    else
      [ "$("$VPNGW" ctl -s "$WORK/lab/left.sock" --json bgp summary | jq -r '.neighbors[0].state')" = Established ] && break
    fi
    sleep 0.02
  done
  established=$(now_ms)
  while :; do
    if [ "$receiver" = bird ]; then
      [ "$(bird_count gl receiver)" = "$n" ] && break
    else
      local st; st=$("$VPNGW" ctl -s "$WORK/lab/left.sock" stats)
      # n routes plus the neighbour's /32
      if [ "$(jq -r .fib.routes <<<"$st")" -ge $((n + 1)) ]; then
        fib_internal=$(jq -r '.fib.published_at_ms - .bgp.neighbors[0].established_at_ms' <<<"$st")
        break
      fi
    fi
    sleep 0.02
  done
  done_ms=$(now_ms)
  local rss; rss=$(rss_mib "$pid")
  local cpu=$(( $(main_thread_cpu_ms "$pid") - cpu0 ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$receiver" "$n" "$feed" "$((done_ms - established))" "$rss" "$cpu" "$fib_internal" >>"$RESULTS"
  echo "  $receiver $n $feed: $((done_ms - established)) ms, receiver CPU $cpu ms, peak RSS $rss MiB${fib_internal:+ (by the gateway clock: $fib_internal ms)}" >&2
  [ -f "$WORK/receiver.bird.pid" ] && { kill "$(cat "$WORK/receiver.bird.pid")" 2>/dev/null || true; rm -f "$WORK/receiver.bird.pid"; }
  kill "$(cat "$WORK/sender.bird.pid")" 2>/dev/null || true
  rm -f "$WORK/sender.bird.pid" "$WORK"/*.ctl
  lab_down >/dev/null
}

for n in "${SIZES[@]}"; do
  for feed in $FEEDS; do
    for _ in $(seq "$REPS"); do
      measure vpngw "$n" "$feed"
      measure bird "$n" "$feed"
    done
  done
done

python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def cell(vals, unit):
    return f"{statistics.median(vals):.0f} {unit} [{min(vals):.0f}-{max(vals):.0f}]" if unit == "ms" else \
           f"{statistics.median(vals):.1f} {unit} [{min(vals):.1f}-{max(vals):.1f}]"
print(f"{'prefixes':>9} {'feed':7} {'receiver':8} {'Established -> all routes':>28} {'receiver CPU':>26} {'peak RSS':>26}")
keys = sorted({(int(r[1]), r[2]) for r in rows})
for n, feed in keys:
    sel = {rc: [r for r in rows if r[0] == rc and int(r[1]) == n and r[2] == feed] for rc in ("vpngw", "bird")}
    med = {}
    for rc in ("vpngw", "bird"):
        t = [float(r[3]) for r in sel[rc]]; m = [float(r[4]) for r in sel[rc]]; c = [float(r[5]) for r in sel[rc]]
        if not t: continue
        med[rc] = (statistics.median(t), statistics.median(c), statistics.median(m))
        print(f"{n:>9} {feed:7} {rc:8} {cell(t, 'ms'):>28} {cell(c, 'ms'):>26} {cell(m, 'MiB'):>26}")
    if "vpngw" in med and "bird" in med:
        ratios = [med["vpngw"][i] / max(med["bird"][i], 1e-9) for i in range(3)]
        print(f"{'':>9} {'':7} {'vs BIRD':8} {ratios[0]:>27.2f}x {ratios[1]:>25.2f}x {ratios[2]:>25.2f}x")
EOF
