# Library (source it after lab/s2s.sh): one measured failover in the Site-to-Site lab.
#
#   s2s_failover PREFIX BIN WORK METHOD FAULT [PPS]
#     METHOD  bfd  BFD inside each tunnel, 300 ms x 3 (a lab probe: AWS VPN has no BFD)
#             bgp  the BGP hold timer alone ($S2S_HOLD s, AWS's examples: 30)
#             dpd  IKE dead-peer detection alone (AWS's DPDTimeoutSeconds 30; BGP hold 240 s)
#     FAULT   kill (SIGKILL the active tunnel endpoint), linkdown (its outside link), stop (SIGSTOP)
#
# Builds the lab (s2s_failover) or takes the one up (s2s_failover_measure), sends a 1000 pps sequenced UDP stream on-prem -> VPC, fails the AWS endpoint of
# the tunnel the customer gateway sends through, notes when the customer gateway drops that
# tunnel's BGP session (detection), waits for traffic through the other tunnel, brings the
# endpoint back, waits for its session and a few seconds more, and leaves the run's spec for
# `vpngw stream report` in $WORK/run.spec (LABEL,ARRIVALS,SENT,FAULT_NS,DETECT_NS,RECOVER_NS).

s2s_active_tunnel() {  # BIN: the tunnel the customer gateway's best path to the VPC takes
  "$1" ctl -g cgw-1 --json bgp routes | jq -r '.routes[] | select(.prefix == "10.1.0.0/16") | .paths[] | select(.best) | .tunnel'
}

s2s_neighbor_state() {  # BIN TUNNEL
  "$1" ctl -g cgw-1 --json bgp summary | jq -r --arg t "$2" '.neighbors[] | select(.tunnel == $t) | .state'
}

s2s_failover() {
  local p=$1 bin=$2 work=$3 method=$4 fault=$5 pps=${6:-1000}
  local hold=${S2S_HOLD:-30} knobs
  case $method in
    bfd) knobs=$'bfd_ms = 300\nhold_time = '$hold ;;
    bgp) knobs="hold_time = $hold" ;;
    dpd) knobs="hold_time = 240" ;;
    *) echo "s2s_failover: method bfd, bgp or dpd" >&2; return 2 ;;
  esac
  case $fault in kill|linkdown|stop) ;; *) echo "s2s_failover: fault kill, linkdown or stop" >&2; return 2 ;; esac
  S2S_SITE_TO_SITE=$knobs s2s_up "$p" "$bin" "$work" vgw
  s2s_failover_measure "$p" "$bin" "$work" "$method" "$fault" "$pps"
}

# s2s_failover_measure PREFIX BIN WORK METHOD FAULT [PPS]: the measurement alone, on a lab that is
# up (built by `vpngw lab up` in WORK; METHOD only labels the run).
s2s_failover_measure() {
  local p=$1 bin=$2 work=$3 method=$4 fault=$5 pps=${6:-1000}
  local tunnel node
  tunnel=$(s2s_active_tunnel "$bin")
  node=${tunnel/tunnel/t}
  s2s_log "customer gateway sends through $tunnel: failing its AWS endpoint ($node) by $fault, detection by $method"
  rm -f "$work/stop" "$work/stop-recv" "$work/arrivals.csv"
  s2s_in "$p" vpc "$bin" stream recv --bind 10.1.0.10 --port 5201 --seconds 600 --stop-file "$work/stop-recv" \
    -o "$work/arrivals.csv" >"$work/recv.out" 2>&1 &
  local recv_pid=$!
  sleep 0.3
  s2s_in "$p" onprem "$bin" stream send --to 10.1.0.10 --port 5201 --pps "$pps" --seconds 600 --stop-file "$work/stop" \
    >"$work/send.out" 2>&1 &
  local send_pid=$!
  sleep 2

  local pid fault_ns detect_ns="" recover_ns=""
  pid=$(cat "$work/$node.pid")
  fault_ns=$("$bin" stream now)
  case $fault in
    kill) kill -KILL "$pid" ;;
    linkdown) s2s_in "$p" "$node" ip link set out0 down ;;
    stop) kill -STOP "$pid" ;;
  esac
  # Detection: the customer gateway's session over that tunnel leaves Established.
  local deadline=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(s2s_neighbor_state "$bin" "$tunnel")" != Established ]; then
      # the moment the customer gateway dropped the session, by its own clock (CLOCK_MONOTONIC)
      detect_ns=$("$bin" ctl -g cgw-1 --json bgp summary | jq -r --arg t "$tunnel" '.neighbors[] | select(.tunnel == $t) | .last_down_ns')
      break
    fi
    sleep 0.01
  done
  [ -n "$detect_ns" ] && s2s_log "detected after $(( (detect_ns - fault_ns) / 1000000 )) ms" || s2s_log "not detected within 120 s"
  sleep 2

  s2s_log "bringing $node back"
  case $fault in
    kill) S2S_WORK=$work s2s_start "$p" "$node" "$node" "$bin" gateway --config "$work/configs/vpn-1-$tunnel.toml" \
            --stats "$work/$node.json" ;;
    linkdown) s2s_in "$p" "$node" ip link set out0 up ;;
    stop) kill -CONT "$pid" ;;
  esac
  recover_ns=$("$bin" stream now)
  s2s_wait 90 "$tunnel's BGP session back" s2s_bgp_established "$bin" cgw-1 2 || true
  s2s_log "$tunnel Established again; the customer gateway now sends through $(s2s_active_tunnel "$bin")"
  sleep 3
  touch "$work/stop"
  wait "$send_pid" || true
  sleep 0.5  # the last packets are still on their way
  touch "$work/stop-recv"
  wait "$recv_pid" || true
  local sent
  sent=$(awk '{print $1}' "$work/send.out")
  echo "$method / $fault,$work/arrivals.csv,$sent,$fault_ns,$detect_ns,$recover_ns" >"$work/run.spec"
}
