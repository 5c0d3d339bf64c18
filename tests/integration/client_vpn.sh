# Library for the Client VPN test drivers (source it): the lab `vpngw lab up` builds from
# lab/topologies/bare/client-vpn.toml, with clients added by `vpngw lab extend` and every process
# started by `vpngw lab start` (PIDs recorded, logs in the work folder). Stock OpenVPN clients
# reach a VPC through a vpngw Client VPN endpoint, by its AWS-style DNS name, over a lab "internet".
#
#   <P>-c1..cN  clients (openvpn, resolv.conf -> the lab's dnsmasq)  198.51.100.101...
#        |  veth
#   <P>-inet    bridge inet0 198.51.100.0/24; dnsmasq 198.51.100.53 answers
#               *.<endpoint DNS name> -> 198.51.100.1 (remote-random-hostname adds a label)
#        |  veth
#   <P>-cvpn    vpngw clientvpn serve: 198.51.100.1:443/udp, TUN cvpn0 (172.16.0.1/22), NAT TUN,
#               ENI eni0 10.0.1.10 in bridge sub1, ENI eni1 10.0.2.10 in bridge sub2
#        |  veth (one per subnet)
#   <P>-vpc     VPC host 10.0.1.20/24 (subnet 1) and 10.0.2.20/24 (subnet 2)
#
# Authorization in the default endpoint: subnet 1 for every user, subnet 2 only for group
# "admins". Namespaces are <P>-*; cvpn_down removes them and everything running in them. Root;
# $CVPN_VPNGW is the binary.

CVPN_NET=198.51.100
CVPN_TOPOLOGY=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../lab" && pwd)/topologies/bare/client-vpn.toml

cvpn_ns() { echo "$CVPN_P-$1"; }
cvpn_in() { local n=$1; shift; ip netns exec "$(cvpn_ns "$n")" "$@"; }

# cvpn_create P WORK: the lab, in WORK (new or empty: the lab's folder, where every log goes).
cvpn_create() {
  CVPN_P=$1 CVPN_WORK=$2
  "$CVPN_VPNGW" lab up "$CVPN_TOPOLOGY" --prefix "$CVPN_P" --dir "$CVPN_WORK" >/dev/null
  CVPN_ENI_BRIDGES="eni0:br-sub1 eni1:br-sub2"
}

cvpn_lab() { "$CVPN_VPNGW" lab "$1" --prefix "$CVPN_P" --dir "$CVPN_WORK" "${@:2}"; }

# cvpn_config FILE [SPLIT_TUNNEL] [EXTRA_TOML]: the lab's endpoint (PKI in $CVPN_WORK/pki).
cvpn_config() {
  cat >"$1" <<CFG
[endpoint]
id = "cvpn-endpoint-0123456789abcdef0"
region = "us-east-1"
listen = "$CVPN_NET.1"
port = 443
client_cidr = "172.16.0.0/22"
vpc_cidr = "10.0.0.0/16"
split_tunnel = ${2:-true}
connection_log = "$CVPN_WORK/connections.jsonl"
${3:-}

[tls]
ca = "pki/ca.crt"
cert = "pki/server.crt"
key = "pki/server.key"
crl = "pki/crl.pem"

[[target_network]]
subnet = "10.0.1.0/24"
eni_device = "eni0"
eni_address = "10.0.1.10"

[[target_network]]
subnet = "10.0.2.0/24"
eni_device = "eni1"
eni_address = "10.0.2.10"

[[route]]
destination = "10.0.2.0/24"
target = "10.0.2.0/24"

[[authorization_rule]]
destination = "10.0.1.0/24"

[[authorization_rule]]
destination = "10.0.2.0/24"
group = "admins"
CFG
}

# cvpn_start VPNGW: PKI (if missing), the endpoint, each ENI into its bridge ($CVPN_ENI_BRIDGES:
# "DEVICE:BRIDGE ..." in the endpoint's namespace), the wildcard DNS answer.
cvpn_start() {
  local vpngw=$1 cfg=$CVPN_WORK/endpoint.toml
  [ -f "$cfg" ] || cvpn_config "$cfg"
  if [ ! -f "$CVPN_WORK/pki/ca.crt" ]; then
    "$vpngw" clientvpn pki-init --dir "$CVPN_WORK/pki" --config "$cfg"
  fi
  rm -f "$CVPN_WORK/stats.json"
  CVPN_ENDPOINT_PID=$(cvpn_lab start cvpn endpoint -- "$vpngw" clientvpn serve --config "$cfg" \
    --stats "$CVPN_WORK/stats.json" --socket "$CVPN_WORK/endpoint.sock")
  local i
  for i in $(seq 50); do [ -s "$CVPN_WORK/stats.json" ] && break; sleep 0.1; done
  [ -s "$CVPN_WORK/stats.json" ] || { echo "vpngw clientvpn serve did not start:" >&2; cat "$CVPN_WORK/endpoint.log" >&2; return 1; }
  local pair
  for pair in ${CVPN_ENI_BRIDGES:-}; do cvpn_in cvpn ip link set "${pair%%:*}" master "${pair#*:}"; done
  cvpn_dns "$cfg"
}

# cvpn_dns CONFIG: dnsmasq on the lab internet answers every name under the endpoint's DNS name
# (remote-random-hostname prepends a random label) with the endpoint's address.
cvpn_dns() {
  local name
  name=$(awk -F"[\"']" '/^id =/ {id=$2} /^region =/ {r=$2} END {print id ".prod.clientvpn." r ".amazonaws.com"}' "$1")
  CVPN_DNS_PID=$(cvpn_lab start inet dnsmasq -- dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null \
    --user=root --bind-interfaces --listen-address="$CVPN_NET.53" --address="/$name/$CVPN_NET.1" --pid-file --log-facility=-)
}

# cvpn_start_openvpn: OpenVPN's own server in the endpoint's place (the benchmark baseline), same
# address, port, PKI, client CIDR and pushed routes, with nftables masquerade out of veth kn0
# (10.0.1.11 in subnet 1) standing in for the ENI. --duplicate-cn: the handshake benchmark reuses
# one certificate; the connect-freq limits (2.6 defaults: 100 initial replies per 10 s) would
# otherwise measure OpenVPN's rate limiter instead of its handshakes.
cvpn_start_openvpn() {
  local cfg=$CVPN_WORK/endpoint.toml
  cvpn_in cvpn sysctl -qw net.ipv4.ip_forward=1
  printf '[[link]]\na = { node = "cvpn", device = "kn0", address = "10.0.1.11/24" }\nb = { node = "cvpn", device = "kn1", bridge = "br-sub1" }\n' |
    cvpn_lab extend -
  cvpn_in cvpn nft -f - <<'NFT'
table ip cvpnbench {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "kn0" masquerade; }
}
NFT
  cvpn_lab start cvpn openvpn-server -- openvpn --mode server --tls-server --dev ovpns0 --dev-type tun --proto udp --local "$CVPN_NET.1" \
    --port 443 --topology subnet --ifconfig 172.16.0.1 255.255.252.0 --ifconfig-pool 172.16.0.2 172.16.3.254 \
    --push "topology subnet" --push "route-gateway 172.16.0.1" --push "route 10.0.0.0 255.255.0.0" \
    --ca "$CVPN_WORK/pki/ca.crt" --cert "$CVPN_WORK/pki/server.crt" --key "$CVPN_WORK/pki/server.key" \
    --crl-verify "$CVPN_WORK/pki/crl.pem" --dh none --data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305 \
    --keepalive 10 60 --max-clients 1000 --duplicate-cn --connect-freq 100000 1 \
    --connect-freq-initial 100000 1 --verb 3 >/dev/null
  local i
  for i in $(seq 50); do grep -q "Initialization Sequence Completed" "$CVPN_WORK/openvpn-server.log" 2>/dev/null && break; sleep 0.1; done
  cvpn_dns "$cfg"
}

# cvpn_add_client NAME GROUP INDEX: a node on the lab internet (198.51.100.<100 + INDEX>, default
# route via the home router: redirect-gateway needs one), a certificate, the exported .ovpn
# ($CVPN_WORK/NAME.ovpn); the client is not started.
cvpn_add_client() {
  local name=$1 group=${2:-} i=$3
  printf '[[node]]\nname = "%s"\n[[link]]\na = { node = "%s", device = "eth0", address = "%s/24" }\nb = { node = "inet", device = "p-%s", bridge = "inet0" }\n[[route]]\nnode = "%s"\nprefix = "0.0.0.0/0"\nvia = "%s.254"\n' \
    "$name" "$name" "$CVPN_NET.$((100 + i))" "$name" "$name" "$CVPN_NET" | cvpn_lab extend -
  cvpn_client_files "$name" "$group"
}

# cvpn_client_files NAME GROUP: the client's resolv.conf (the lab's DNS), certificate and .ovpn.
cvpn_client_files() {
  local vpngw=$CVPN_VPNGW name=$1 group=${2:-} ns
  ns=$(cvpn_ns "$name")
  mkdir -p "/etc/netns/$ns"
  echo "nameserver $CVPN_NET.53" >"/etc/netns/$ns/resolv.conf"
  "$vpngw" clientvpn pki-client --dir "$CVPN_WORK/pki" ${group:+--group "$group"} "$name"
  "$vpngw" clientvpn export-client-config --config "$CVPN_WORK/endpoint.toml" \
    --cert "$CVPN_WORK/pki/$name.crt" --key "$CVPN_WORK/pki/$name.key" -o "$CVPN_WORK/$name.ovpn"
}

# cvpn_connect NAME [openvpn args...]: the stock client with the exported file, in the background
# (log $CVPN_WORK/NAME.log, PID $CVPN_WORK/NAME.pid).
cvpn_connect() {
  local name=$1
  shift
  cvpn_lab start "$name" "$name" -- openvpn --config "$CVPN_WORK/$name.ovpn" "$@" >/dev/null
}

# cvpn_wait_connected NAME SECONDS
cvpn_wait_connected() {
  local i
  for i in $(seq $(($2 * 10))); do
    grep -q "Initialization Sequence Completed" "$CVPN_WORK/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

cvpn_down() { [ -z "${CVPN_WORK:-}" ] || cvpn_lab down >/dev/null; }

# cvpn_stop_endpoint: the endpoint cvpn_start started, and the lab DNS it started, by their PIDs.
cvpn_stop_endpoint() {
  [ -z "${CVPN_ENDPOINT_PID:-}" ] || kill "$CVPN_ENDPOINT_PID" 2>/dev/null || true
  [ -z "${CVPN_DNS_PID:-}" ] || kill "$CVPN_DNS_PID" 2>/dev/null || true
  CVPN_ENDPOINT_PID=""
}
