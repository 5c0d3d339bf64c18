# Library for the IKE test drivers (source it): the two sites they share, built by `vpngw lab up`
# from lab/topologies/bare/outside-pair.toml: namespaces $P-aws and $P-cgw joined by out0 (AWS side
# 198.51.100.1, customer gateway 198.51.100.2), the VPC 10.10.0.1 on the AWS side's loopback and
# on-prem 10.20.0.1 on the customer gateway's. `pair_create P vpc` builds outside-pair-vpc.toml
# instead: a VPC host $P-vpc (10.10.0.1) behind the AWS side (10.10.0.254), which forwards.
# pair_cleanup removes the namespaces and what runs in them. Needs root and $VPNGW (the binary).

pair_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

pair_create() {  # PREFIX [vpc]
  PAIR=$1 PAIR_DIR=$(mktemp -d /tmp/vpngw-pair.XXXXXX)
  "${VPNGW:?pair_create needs VPNGW}" lab up "$(dirname "${BASH_SOURCE[0]}")/../../lab/topologies/bare/outside-pair${2:+-$2}.toml" \
    --prefix "$PAIR" --dir "$PAIR_DIR" >/dev/null
}

pair_cleanup() {
  [ -z "${PAIR_DIR:-}" ] || { "$VPNGW" lab down --prefix "$PAIR" --dir "$PAIR_DIR" >/dev/null; rm -rf "$PAIR_DIR"; }
}
