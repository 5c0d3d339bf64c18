# Library for test and bench drivers (source it): two vpngw gateways with manual keys in the lab
# `vpngw lab up` builds from lab/topologies/bare/two-gateways.toml.
#
#   host-left 10.1.0.2 -- [gw-left] == ESP in UDP 4500 over 198.51.100.0/24 == [gw-right] -- host-right 10.2.0.2
#
# Namespaces vpngw-<lab>-{hl,gl,gr,hr}. Needs root and $VPNGW (the binary).

lab_ns() { echo "vpngw-$LAB-$1"; }
lab_exec() { local node=$1; shift; ip netns exec "$(lab_ns "$node")" "$@"; }

# lab_up LAB_NAME VPNGW_BINARY WORKDIR [CIPHER]: topology plus the two vpngw gateways.
lab_up() {
  VPNGW=$2
  lab_create "$1" "$3" && lab_start_vpngw "$2" "${4:-aes128gcm16}"
}

# lab_create LAB_NAME WORKDIR: the network (WORKDIR new or empty: the lab's folder); no tunnel yet.
lab_create() {
  LAB=$1 LAB_DIR=$2
  "${VPNGW:?lab_create needs VPNGW}" lab up "$(dirname "${BASH_SOURCE[0]}")/topologies/bare/two-gateways.toml" \
    --prefix "vpngw-$LAB" --dir "$LAB_DIR" >/dev/null
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

  # logs in LAB_DIR/left.log and right.log, PIDs in left.pid and right.pid
  local side
  for side in left right; do
    "$VPNGW" lab start --prefix "vpngw-$LAB" --dir "$LAB_DIR" "g${side:0:1}" "$side" -- \
      "$VPNGW" gateway --config "$LAB_DIR/$side.toml" --stats "$LAB_DIR/$side.json" >/dev/null
  done
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

# Stops the gateways (SIGTERM, so they write final stats), then whatever else runs in the lab (peers
# a test started, say), and removes the namespaces.
lab_down() {
  [ -z "${LAB:-}" ] || "$VPNGW" lab down --prefix "vpngw-$LAB" --dir "$LAB_DIR" >/dev/null
}

# Reads one counter from a gateway's stats JSON: lab_counter left drop_rx_replay
lab_counter() { jq -r ".counters.$2" "$LAB_DIR/$1.json"; }
