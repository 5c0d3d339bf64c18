#!/usr/bin/env bash
# The binary's side of config validation: the shipped example passes --check; a bad file makes
# `vpngw gateway` exit 2 with a message naming the file, the key, the value and the rule.
set -euo pipefail
VPNGW=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vpngw-cfg.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VPNGW" gateway --check --config "$HERE/../../examples/left.toml" || fail "example rejected"
sed 's/replay_window = 1024/replay_window = 5000/' "$HERE/../../examples/left.toml" >"$WORK/bad.toml"
set +e
msg=$("$VPNGW" gateway --config "$WORK/bad.toml" 2>&1)
rc=$?
set -e
echo "$msg"
[ $rc -eq 2 ] || fail "exit code $rc, want 2"
for part in "$WORK/bad.toml" "tunnel[0].replay_window" 5000 "64-2048"; do
  [[ "$msg" == *"$part"* ]] || fail "message lacks '$part'"
done
echo "PASS config_errors"
