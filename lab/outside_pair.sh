# Library (source it): the two-site topology the IKE tests share. Namespaces $P-aws and $P-cgw
# joined by an "internet" veth out0 (AWS side 198.51.100.1, customer gateway 198.51.100.2);
# on-prem is 10.20.0.1 on the customer gateway's loopback. The VPC is either 10.10.0.1 on the AWS
# side's loopback (pair_vpc_loopback) or a host namespace $P-vpc behind it (pair_vpc_host).
# pair_cleanup removes every namespace and what runs in it. Needs root.

pair_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

pair_create() {
  PAIR=$1
  local ns
  for ns in aws cgw; do ip netns add "$PAIR-$ns"; pair_in "$PAIR-$ns" ip link set lo up; done
  ip link add out0 netns "$PAIR-aws" type veth peer name out0 netns "$PAIR-cgw"
  pair_in "$PAIR-aws" ip addr add 198.51.100.1/24 dev out0; pair_in "$PAIR-aws" ip link set out0 up
  pair_in "$PAIR-cgw" ip addr add 198.51.100.2/24 dev out0; pair_in "$PAIR-cgw" ip link set out0 up
  pair_in "$PAIR-cgw" ip addr add 10.20.0.1/32 dev lo
}

pair_vpc_loopback() { pair_in "$PAIR-aws" ip addr add 10.10.0.1/32 dev lo; }

# A VPC host 10.10.0.1/24 behind the AWS side (10.10.0.254), which forwards.
pair_vpc_host() {
  ip netns add "$PAIR-vpc"
  pair_in "$PAIR-vpc" ip link set lo up
  ip link add vpc0 netns "$PAIR-aws" type veth peer name eth0 netns "$PAIR-vpc"
  pair_in "$PAIR-aws" ip addr add 10.10.0.254/24 dev vpc0; pair_in "$PAIR-aws" ip link set vpc0 up
  pair_in "$PAIR-vpc" ip addr add 10.10.0.1/24 dev eth0; pair_in "$PAIR-vpc" ip link set eth0 up
  pair_in "$PAIR-vpc" ip route add default via 10.10.0.254
  pair_in "$PAIR-aws" sysctl -qw net.ipv4.ip_forward=1
}

pair_cleanup() {
  local ns
  for ns in "$PAIR-aws" "$PAIR-cgw" "$PAIR-vpc"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}
