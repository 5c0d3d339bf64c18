#!/usr/bin/env bash
# End-to-end throughput: iperf3 from host-left to host-right through the same namespace topology
# (lab/two_gateways.sh), once per data path, in one run on one machine:
#   veth         plain routing, no tunnel (the ceiling)
#   vpngw        vpngw ESP-in-UDP, AES-256-GCM, manual SAs
#   wireguard-go Debian's wireguard-go (ChaCha20-Poly1305)
#   openvpn      Debian's OpenVPN 2.6, p2p TLS, AES-256-GCM, user space (no DCO here)
#   strongswan   Debian's strongSwan (charon, IKEv2 PSK) with kernel-libipsec: ESP in user space
#                over its TUN, AES-256-GCM in UDP 4500 (this kernel has no ESP)
# Tests: one TCP stream, four TCP streams, UDP with 64-byte payloads. Each runs REPS times
# (default 3) for BENCH_SECONDS (default 5); the table shows median [min-max] and the ratio to
# vpngw. PATHS picks the data paths (default: all five, in that order).
# Usage: sudo bench/e2e.sh [--json FILE]      Needs root; prints numbers, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# (not $SECONDS: bash's own counter of seconds since the shell started)
REPS=${REPS:-3} SECONDS_PER=${BENCH_SECONDS:-5}
PATHS=${PATHS:-veth vpngw wireguard-go openvpn strongswan}
JSON_OUT=""
[ "${1:-}" = "--json" ] && JSON_OUT=$2
[ "$(id -u)" -eq 0 ] || { echo "e2e.sh: run as root" >&2; exit 1; }
# `vpngw bench` passes its own binary; run alone, set up and build first.
if [ -z "${VPNGW_BENCH_BIN:-}" ]; then
  ./scripts/setup.sh >/dev/null
  ./scripts/build.sh vpngw >/dev/null
fi
VPNGW=${VPNGW_BENCH_BIN:-$PWD/build/vpngw}
source lab/two_gateways.sh
source lab/strongswan_cgw.sh
WORK=$(mktemp -d /tmp/vpngw-bench.XXXXXX)
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
cleanup() {
  stop_wireguard
  teardown_strongswan
  lab_down
}
trap 'cleanup; rm -rf "$WORK"' EXIT

# ---- data paths -------------------------------------------------------------------------------
setup_veth() {
  lab_exec gl ip route add 10.2.0.0/24 via 198.51.100.2
  lab_exec gr ip route add 10.1.0.0/24 via 198.51.100.1
}

setup_vpngw() { lab_start_vpngw "$VPNGW" aes256gcm16; }

WG_PIDS=""
stop_wireguard() {
  [ -z "$WG_PIDS" ] || kill $WG_PIDS 2>/dev/null || true
  WG_PIDS=""
}

setup_wireguard() {
  local kl kr
  kl=$(wg genkey); kr=$(wg genkey)
  # (wireguard-go prints a banner about the kernel module; this kernel has none)
  # -f: in the foreground, so that $! is wireguard-go itself (stop_wireguard kills those PIDs).
  ip netns exec "$(lab_ns gl)" wireguard-go -f wgl >/dev/null 2>&1 & WG_PIDS="$!"
  ip netns exec "$(lab_ns gr)" wireguard-go -f wgr >/dev/null 2>&1 & WG_PIDS="$WG_PIDS $!"
  for _ in $(seq 50); do lab_exec gl ip link show wgl >/dev/null 2>&1 && lab_exec gr ip link show wgr >/dev/null 2>&1 && break; sleep 0.1; done
  echo "$kl" >"$WORK/kl"; echo "$kr" >"$WORK/kr"
  lab_exec gl wg set wgl private-key "$WORK/kl" listen-port 51820 \
    peer "$(echo "$kr" | wg pubkey)" endpoint 198.51.100.2:51820 allowed-ips 10.2.0.0/24
  lab_exec gr wg set wgr private-key "$WORK/kr" listen-port 51820 \
    peer "$(echo "$kl" | wg pubkey)" endpoint 198.51.100.1:51820 allowed-ips 10.1.0.0/24
  lab_exec gl ip link set wgl mtu 1420 up; lab_exec gr ip link set wgr mtu 1420 up
  lab_exec gl ip route add 10.2.0.0/24 dev wgl; lab_exec gr ip route add 10.1.0.0/24 dev wgr
}

setup_openvpn() {
  local side
  for side in l r; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=ovpn-$side" \
      -keyout "$WORK/$side.key" -out "$WORK/$side.crt" 2>/dev/null
  done
  fp() { openssl x509 -in "$WORK/$1.crt" -noout -fingerprint -sha256 | cut -d= -f2; }
  local common=(--dev-type tun --proto udp --data-ciphers AES-256-GCM --cipher AES-256-GCM --dh none --verb 1
                --tun-mtu 1500 --sndbuf 4194304 --rcvbuf 4194304 --ping 10 --daemon)
  lab_exec gr openvpn "${common[@]}" --dev ovpnr --local 198.51.100.2 --lport 1194 --tls-server \
    --cert "$WORK/r.crt" --key "$WORK/r.key" --peer-fingerprint "$(fp l)" \
    --ifconfig 10.99.0.1 10.99.0.2 --route 10.1.0.0 255.255.255.0 --writepid "$WORK/ovpn-r.pid" --log "$WORK/ovpn-r.log"
  lab_exec gl openvpn "${common[@]}" --dev ovpnl --remote 198.51.100.2 1194 --nobind --tls-client \
    --cert "$WORK/l.crt" --key "$WORK/l.key" --peer-fingerprint "$(fp r)" \
    --ifconfig 10.99.0.2 10.99.0.1 --route 10.2.0.0 255.255.255.0 --writepid "$WORK/ovpn-l.pid" --log "$WORK/ovpn-l.log"
  for _ in $(seq 100); do
    lab_exec hl ping -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "openvpn did not come up" >&2; cat "$WORK"/ovpn-*.log >&2; return 1
}

# Two charons, PSK, one route-based Child SA with 0.0.0.0/0 selectors; routes into ipsec0 by hand.
setup_strongswan() {
  local psk
  psk=$(openssl rand -hex 16)
  swan_write_conf "$WORK/swan-l" 198.51.100.1 198.51.100.2 "$psk" aes256gcm16-prfsha256-ecp256 aes256gcm16
  swan_write_conf "$WORK/swan-r" 198.51.100.2 198.51.100.1 "$psk" aes256gcm16-prfsha256-ecp256 aes256gcm16
  swan_start "$(lab_ns gr)" "$WORK/swan-r" || return 1
  swan_start "$(lab_ns gl)" "$WORK/swan-l" || return 1
  swan_ctl "$(lab_ns gl)" "$WORK/swan-l" --initiate --child tunnel1 >"$WORK/swan-initiate.log" 2>&1 ||
    { echo "strongSwan did not establish:" >&2; tail -20 "$WORK/swan-initiate.log" "$WORK/swan-l/charon.log" >&2; return 1; }
  lab_exec gl ip route add 10.2.0.0/24 dev ipsec0
  lab_exec gr ip route add 10.1.0.0/24 dev ipsec0
}

teardown_strongswan() {
  [ -d "$WORK/swan-l" ] && swan_stop "$(lab_ns gl)" "$WORK/swan-l"
  [ -d "$WORK/swan-r" ] && swan_stop "$(lab_ns gr)" "$WORK/swan-r"
  return 0
}

teardown_openvpn() {
  kill "$(cat "$WORK/ovpn-l.pid")" "$(cat "$WORK/ovpn-r.pid")" 2>/dev/null || true
}

# ---- measurements -----------------------------------------------------------------------------
# iperf3 client run; prints receiver Mbit/s (and for UDP, kpps received)
run_iperf() {
  local kind=$1 out
  lab_exec hr iperf3 -s -1 -D -B 10.2.0.2 --pidfile "$WORK/iperf.pid" >/dev/null
  sleep 0.3
  case $kind in
    tcp1) out=$(lab_exec hl iperf3 -c 10.2.0.2 -t "$SECONDS_PER" -J) ;;
    tcp4) out=$(lab_exec hl iperf3 -c 10.2.0.2 -t "$SECONDS_PER" -P 4 -J) ;;
    udp64) out=$(lab_exec hl iperf3 -c 10.2.0.2 -t "$SECONDS_PER" -u -l 64 -b 0 -J) ;;
  esac
  sleep 0.3
  if [ "$kind" = udp64 ]; then
    echo "$out" | jq -r '.end.sum | "\(.bits_per_second / 1e6) \((.packets - .lost_packets) / .seconds / 1e3)"'
  else
    echo "$out" | jq -r '.end.sum_received.bits_per_second / 1e6'
  fi
}

measure() {
  local path=$1 kind rep v
  for kind in tcp1 tcp4 udp64; do
    for rep in $(seq "$REPS"); do
      v=$(run_iperf $kind || echo "0 0")
      echo -e "$path\t$kind\t$rep\t$v" >>"$RESULTS"
      echo "  $path $kind #$rep: $v" >&2
    done
  done
}

for path in $PATHS; do
  echo "== $path" >&2
  lab_create "b$$" "$WORK/lab"
  case $path in
    veth) setup_veth ;;
    vpngw) setup_vpngw ;;
    wireguard-go) setup_wireguard ;;
    openvpn) setup_openvpn ;;
    strongswan) setup_strongswan ;;
  esac
  lab_exec hl ping -c 2 -i 0.2 -W 2 10.2.0.2 >/dev/null || { echo "$path: no connectivity" >&2; exit 1; }
  measure $path
  [ $path = openvpn ] && teardown_openvpn
  [ $path = strongswan ] && teardown_strongswan
  [ $path = wireguard-go ] && stop_wireguard
  lab_down
done

# ---- table --------------------------------------------------------------------------------------
python3 - "$RESULTS" "$JSON_OUT" <<'PY'
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
data = {}
for path, kind, rep, val in rows:
    parts = val.split()
    data.setdefault((path, kind), []).append([float(x) for x in parts])
paths = ["veth", "vpngw", "wireguard-go", "openvpn", "strongswan"]
kinds = [("tcp1", 0, "TCP 1 stream Mb/s"), ("tcp4", 0, "TCP 4 streams Mb/s"), ("udp64", 1, "UDP 64 B kpps")]
def stat(path, kind, idx):
    vals = [v[idx] for v in data.get((path, kind), []) if len(v) > idx]
    return (statistics.median(vals), min(vals), max(vals)) if vals else None
print(f"{'path':<14}" + "".join(f"{title:>34}" for _, _, title in kinds))
out = {}
for p in paths:
    line = f"{p:<14}"
    for kind, idx, title in kinds:
        s, ref = stat(p, kind, idx), stat("vpngw", kind, idx)
        if not s:
            line += f"{'n/a':>34}"; continue
        ratio = s[0] / ref[0] if ref and ref[0] else float("nan")
        cell = f"{s[0]:.0f} [{s[1]:.0f}-{s[2]:.0f}] x{ratio:.2f}"
        line += f"{cell:>34}"
        out.setdefault(p, {})[kind] = {"median": s[0], "min": s[1], "max": s[2], "ratio_to_vpngw": ratio}
    print(line)
print("median [min-max] of the runs; xN = ratio to vpngw's median in the same run")
if sys.argv[2]:
    json.dump(out, open(sys.argv[2], "w"), indent=2)
PY
