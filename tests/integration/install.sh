#!/usr/bin/env bash
# `cmake --install` gives a vpngw that runs on its own: the binary in PREFIX/bin, and the bench's
# chart, the lab's topologies and report page and the examples in PREFIX/share/vpngw, which the binary finds
# before the source tree it was built from. Needs no root, no namespaces.
set -euo pipefail
VPNGW=$(realpath "$1")
BUILD=$(dirname "$VPNGW")
PREFIX=$(mktemp -d /tmp/vpngw-install.XXXXXX)
trap 'rm -rf "$PREFIX"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
for f in bin/vpngw share/vpngw/lab/topologies/default.toml share/vpngw/lab/topologies/bare/two-gateways.toml share/vpngw/lab/report.py \
    share/vpngw/bench/chart.py share/vpngw/examples/router.toml; do
  [ -e "$PREFIX/$f" ] || fail "$f not installed"
done

"$PREFIX/bin/vpngw" --version | grep -qE '^vpngw [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}' \
  || fail "--version: $("$PREFIX/bin/vpngw" --version)"
"$PREFIX/bin/vpngw" lab check "$PREFIX/share/vpngw/lab/topologies/default.toml" | grep -q ': ok' || fail "lab check"
"$PREFIX/bin/vpngw" router --check --config "$PREFIX/share/vpngw/examples/router.toml" >/dev/null || fail "router --check"

# The installed topologies and scripts are the ones it uses, not the source tree's.
cp "$PREFIX/share/vpngw/lab/topologies/s2s.toml" "$PREFIX/share/vpngw/lab/topologies/installedonly.toml"
"$PREFIX/bin/vpngw" lab plan installedonly | grep -q "^veth t1/vgw0" || fail "lab plan did not find an installed topology"
# (`vpngw bench` reads lab/topologies/bare/two-gateways.toml and bench/chart.py the same way.)
"$PREFIX/bin/vpngw" bench --help | grep -q 'two-gateway lab' || fail "vpngw bench --help"
echo "PASS: installed vpngw runs from PREFIX/share/vpngw ($("$PREFIX/bin/vpngw" --version))"
