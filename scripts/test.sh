#!/usr/bin/env bash
# The test command (README): installs what it needs, builds, and runs every test.
#   1. unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   2. each libFuzzer target for a bounded time (clang)
#   3. unit + integration tests (namespaces; needs root) on the release build, through ctest
# FUZZ_SECONDS (default 20) bounds each fuzz target: 12 targets, about 4 minutes in CI; run longer
# by hand (FUZZ_SECONDS=600 ./scripts/test.sh) after touching a parser.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run as root (apt-get, network namespaces, TUN devices)" >&2
  exit 1
fi
./scripts/setup.sh
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/vpngw-ccache}

echo "== build (release)"
./scripts/build.sh

echo "== unit tests under ASan + UBSan"
[ -f build-asan/build.ninja ] || cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DVPNGW_SANITIZE=ON -DVPNGW_BENCH=OFF >/dev/null
ninja -C build-asan vpngw_unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./build-asan/tests/vpngw_unit_tests --gtest_brief=1

echo "== fuzz targets, ${FUZZ_SECONDS}s each"
[ -f build-fuzz/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVPNGW_FUZZ=ON >/dev/null
ninja -C build-fuzz
for target in build-fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  corpus=$(mktemp -d)
  seeds=tests/fuzz/corpus/$name
  [ -d "$seeds" ] && cp "$seeds"/* "$corpus"/
  echo "-- $name"
  "$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$corpus" 2>&1 | grep -E "^stat::(number_of_executed_units|new_units_added)|ERROR|SUMMARY"
  rm -rf "$corpus"
done

echo "== unit and integration tests (ctest)"
cd build
ctest --output-on-failure --timeout 900
