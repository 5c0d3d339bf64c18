# Library (source it): the built-in two-gateway lab.
#
#   host-left 10.1.0.2 -- [gw-left] == ESP in UDP 4500 over 198.51.100.0/24 == [gw-right] -- host-right 10.2.0.2
#
# Every namespace is called vpngw-<lab>-<node>, so `lab_down_all` finds leftovers of a crash.
# Needs root. Uses only the vpngw binary, iproute2 and the generated configs.

lab_ns() { echo "vpngw-$LAB-$1"; }
lab_exec() { local node=$1; shift; ip netns exec "$(lab_ns "$node")" "$@"; }

# lab_up LAB_NAME VPNGW_BINARY WORKDIR [CIPHER]: topology plus the two vpngw gateways.
lab_up() {
  lab_create "$1" "$3" && lab_start_vpngw "$2" "${4:-aes128gcm16}"
}

# lab_create LAB_NAME WORKDIR: namespaces, veths, addresses; no tunnel yet.
lab_create() {
  LAB=$1 LAB_DIR=$2
  mkdir -p "$LAB_DIR"
  local n
  for n in hl gl gr hr; do ip netns add "$(lab_ns $n)"; lab_exec $n ip link set lo up; done
  ip link add hl0 netns "$(lab_ns hl)" type veth peer name gl-in netns "$(lab_ns gl)"
  ip link add gl-out netns "$(lab_ns gl)" type veth peer name gr-out netns "$(lab_ns gr)"
  ip link add gr-in netns "$(lab_ns gr)" type veth peer name hr0 netns "$(lab_ns hr)"
  lab_exec hl ip addr add 10.1.0.2/24 dev hl0; lab_exec hl ip link set hl0 up
  lab_exec hl ip route add default via 10.1.0.1
  lab_exec gl ip addr add 10.1.0.1/24 dev gl-in; lab_exec gl ip link set gl-in up
  lab_exec gl ip addr add 198.51.100.1/24 dev gl-out; lab_exec gl ip link set gl-out up
  lab_exec gr ip addr add 198.51.100.2/24 dev gr-out; lab_exec gr ip link set gr-out up
  lab_exec gr ip addr add 10.2.0.1/24 dev gr-in; lab_exec gr ip link set gr-in up
  lab_exec hr ip addr add 10.2.0.2/24 dev hr0; lab_exec hr ip link set hr0 up
  lab_exec hr ip route add default via 10.2.0.1
  for n in gl gr; do lab_exec $n sysctl -qw net.ipv4.ip_forward=1; done
}

# lab_start_vpngw VPNGW_BINARY CIPHER: keys, configs and one gateway per side.
# Optional: LAB_LEFT_ROUTE / LAB_RIGHT_ROUTE replace the static route each side points into the
# tunnel ("" for none, when BGP learns it); LAB_LEFT_EXTRA / LAB_RIGHT_EXTRA are appended to the
# configs (a [bgp] section, say).
lab_start_vpngw() {
  VPNGW=$1
  local cipher=$2
  local keylen=20
  [ "$cipher" = aes128gcm16 ] || keylen=36
  LAB_KEY_LR=$(head -c $keylen /dev/urandom | od -An -tx1 | tr -d ' \n')
  LAB_KEY_RL=$(head -c $keylen /dev/urandom | od -An -tx1 | tr -d ' \n')
  LAB_CIPHER=$cipher
  lab_write_config left 198.51.100.1 198.51.100.2 0x0000a001 "$LAB_KEY_LR" 0x0000b001 "$LAB_KEY_RL" \
    "${LAB_LEFT_ROUTE-10.2.0.0/24}" 169.254.100.1/30 "${LAB_LEFT_EXTRA:-}"
  lab_write_config right 198.51.100.2 198.51.100.1 0x0000b001 "$LAB_KEY_RL" 0x0000a001 "$LAB_KEY_LR" \
    "${LAB_RIGHT_ROUTE-10.1.0.0/24}" 169.254.100.2/30 "${LAB_RIGHT_EXTRA:-}"

  # `ip netns exec` directly, not the lab_exec function: a backgrounded function is a subshell, and
  # its pid is not the gateway's.
  ip netns exec "$(lab_ns gl)" "$VPNGW" gateway --config "$LAB_DIR/left.toml" --stats "$LAB_DIR/left.json" >"$LAB_DIR/left.log" 2>&1 &
  echo $! >"$LAB_DIR/left.pid"
  ip netns exec "$(lab_ns gr)" "$VPNGW" gateway --config "$LAB_DIR/right.toml" --stats "$LAB_DIR/right.json" >"$LAB_DIR/right.log" 2>&1 &
  echo $! >"$LAB_DIR/right.pid"
  local i
  for i in $(seq 50); do
    [ -s "$LAB_DIR/left.json" ] && [ -s "$LAB_DIR/right.json" ] && return 0
    sleep 0.1
  done
  echo "lab: gateways did not start; logs:" >&2
  cat "$LAB_DIR"/left.log "$LAB_DIR"/right.log >&2
  return 1
}

# lab_write_config NAME LOCAL PEER OUT_SPI OUT_KEY IN_SPI IN_KEY REMOTE_PREFIX TUN_ADDR [EXTRA]
lab_write_config() {
  local route=""
  [ -n "$8" ] && route=$(printf '[[route]]\nprefix = "%s"\ntunnel = "to-peer"' "$8")
  cat >"$LAB_DIR/$1.toml" <<CFG
[gateway]
name = "$1"
[outside]
address = "$2"
[tun]
name = "vpngw0"
mtu = 1400
address = "$9"
[[tunnel]]
name = "to-peer"
peer = "$3"
replay_window = 1024
[tunnel.outbound]
spi = "$4"
cipher = "$LAB_CIPHER"
key = "0x$5"
[tunnel.inbound]
spi = "$6"
cipher = "$LAB_CIPHER"
key = "0x$7"
$route
[management]
socket = "$LAB_DIR/$1.sock"
${10:-}
CFG
}

# Stops the gateways (SIGTERM, so they write final stats) and removes the namespaces.
lab_down() {
  local f
  for f in "$LAB_DIR"/left.pid "$LAB_DIR"/right.pid; do
    [ -f "$f" ] || continue
    kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$LAB_DIR"/left.pid "$LAB_DIR"/right.pid; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # Anything else still running in the namespaces (peers a test started, say) goes too: a process
  # left in a deleted namespace would live on unseen.
  local n
  for n in hl gl gr hr; do
    ip netns pids "$(lab_ns $n)" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$(lab_ns $n)" 2>/dev/null || true
  done
  return 0
}

# Removes every vpngw lab namespace, whoever left it (after a crash, say).
lab_down_all() {
  local ns
  for ns in $(ip netns list | awk '/^vpngw-/ {print $1}'); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL
    ip netns del "$ns" || true
  done
}

# Reads one counter from a gateway's stats JSON: lab_counter left drop_rx_replay
lab_counter() { jq -r ".counters.$2" "$LAB_DIR/$1.json"; }
