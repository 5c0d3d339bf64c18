# Library (source it): Debian's strongSwan as a customer gateway inside a namespace, run the way
# ../shared/reference/toolchain.md says it works on this kernel: charon with kernel-libipsec (ESP in
# user space over the TUN ipsec0, always in UDP 4500), its own strongswan.conf and vici socket in
# a work directory, a private /run (the pid file path is compiled in), and a copy of the binary (a
# host AppArmor profile for /usr/lib/ipsec/charon may deny it files under /tmp). Needs root.

# swan_write_conf DIR LOCAL REMOTE PSK IKE_PROPOSALS ESP_PROPOSALS [CHILD_OPTIONS] [CONN_OPTIONS] [CHARON_OPTIONS]
# One connection "aws" with one route-based Child SA "tunnel1" (0.0.0.0/0 both ways).
swan_write_conf() {
  local dir=$1 local_addr=$2 remote=$3 psk=$4 ike=$5 esp=$6 child_opts=${7:-} conn_opts=${8:-} charon_opts=${9:-}
  mkdir -p "$dir/run"
  cat >"$dir/strongswan.conf" <<EOF
charon {
  load = random nonce openssl kdf pem pkcs1 x509 pubkey curve25519 kernel-libipsec kernel-netlink socket-default vici
  install_virtual_ip = no
  install_routes = no
  routing_table_prio = 40000
  $charon_opts
  filelog { stderr { default = 1 ike = 2 } }
  plugins { vici { socket = unix://$dir/charon.vici } }
}
EOF
  cat >"$dir/swanctl.conf" <<EOF
connections {
  aws {
    version = 2
    local_addrs = $local_addr
    remote_addrs = $remote
    proposals = $ike
    encap = yes
    $conn_opts
    local { auth = psk
            id = $local_addr }
    remote { auth = psk
             id = $remote }
    children {
      tunnel1 {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = $esp
        start_action = none
        $child_opts
      }
    }
  }
}
secrets {
  ike-aws { id-1 = $remote
            secret = "$psk" }
}
EOF
}

# swan_start NS DIR: starts charon in NS and loads DIR/swanctl.conf (or the file given as $3).
swan_start() {
  local ns=$1 dir=$2 conf=${3:-$2/swanctl.conf} i
  cp /usr/lib/ipsec/charon "$dir/charon"
  rm -f "$dir/charon.vici"
  ip netns exec "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" unshare -m --propagation private \
    sh -c "mount --bind '$dir/run' /run && exec '$dir/charon'" >>"$dir/charon.log" 2>&1 &
  echo $! >"$dir/swan.pid"  # ip netns exec, env, unshare and sh all exec: this is charon
  for i in $(seq 50); do [ -S "$dir/charon.vici" ] && break; sleep 0.1; done
  [ -S "$dir/charon.vici" ] || { echo "charon did not start in $ns" >&2; return 1; }
  swan_ctl "$ns" "$dir" --load-all --file "$conf" >"$dir/load.log" 2>&1
}

# swan_ctl NS DIR ARGS...: swanctl against that charon.
swan_ctl() {
  local ns=$1 dir=$2
  shift 2
  ip netns exec "$ns" swanctl "$@" --uri "unix://$dir/charon.vici"
}

# swan_stop NS DIR: SIGTERM, then SIGKILL what is left of the charon swan_start started there.
swan_stop() {
  local dir=$2 pid
  [ -s "$dir/swan.pid" ] || return 0
  pid=$(cat "$dir/swan.pid")
  rm -f "$dir/swan.pid"
  kill -TERM $pid 2>/dev/null || true
  for _ in $(seq 20); do kill -0 $pid 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL $pid 2>/dev/null || true
}
