#!/usr/bin/env bash
# The rooms' include rules (docs/architecture.md), checked on the source tree:
#   1. dataplane/ includes only dataplane/, tun/ and common/ (not common/config/): the packet
#      path knows no protocol, product or config model.
#   2. tun/ and common/ include nothing above them.
#   3. A protocol core (everything in proto/ but the Asio shells listed below) includes no Asio.
# Prints every violation with its file and line; exits 1 when there is one.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
violation() { echo "layering: $1: $2"; bad=1; }

check_room() {  # check_room ROOM ALLOWED_REGEX
  local room=$1 allowed=$2 f line inc
  while IFS= read -r f; do
    while IFS= read -r line; do
      inc=${line#*\"}; inc=${inc%%\"*}
      [[ $inc =~ $allowed ]] || violation "$f" "includes \"$inc\" (allowed: $allowed)"
    done < <(grep -E '^\s*#\s*include\s+"' "$f")
  done < <(find "$room" -name '*.cpp' -o -name '*.hpp')
}
check_room dataplane '^(dataplane|tun|common)/' 
for f in $(grep -rlE '#\s*include\s+"common/config/' dataplane); do violation "$f" "includes common/config/"; done
check_room tun '^(tun|common)/'
check_room common '^common/'

shells='proto/bgp/(speaker|route_installer|instance)|proto/bfd/service|proto/ike/endpoint'
while IFS= read -r f; do
  [[ $f =~ ^($shells)\.(cpp|hpp)$ ]] && continue
  grep -qE '#\s*include\s+<boost/asio' "$f" && violation "$f" "a protocol core includes Asio"
done < <(find proto -name '*.cpp' -o -name '*.hpp')

[ "$bad" = 0 ] && echo "layering: dataplane/, tun/, common/ and the protocol cores keep their rules"
exit "$bad"
