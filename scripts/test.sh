#!/usr/bin/env bash
# Every test: installs what is missing, builds, starts a private PostgreSQL and a private MariaDB on
# loopback unless CASCADE_PG / CASCADE_MYSQL name servers, runs the whole CTest suite on SQLite,
# PostgreSQL and MariaDB, stops the servers.
#   scripts/test.sh              the suite
#   scripts/test.sh --sanitize   then every test that runs a program again, built by clang 15 with
#                                AddressSanitizer and UndefinedBehaviorSanitizer (CI does this; it
#                                also proves the library builds with clang)
# UBSan's vptr check is left out: it needs RTTI of every class it sees, and Debian's libsoci is built
# without the instrumentation, so the link fails. The tests that only compile (compile_fail.*,
# install.*) are not run twice: they produce no instrumented program. The sanitizer build is clang's
# at -O0: GCC 12 builds the same tests too (and passes), at twice the time.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
  esac
done
# The dashboard's browser tests run when Chromium is installed; CI (CI=true) installs it.
extra=()
if [ -n "${CI:-}" ]; then extra+=(--browser); fi
if [ "$sanitize" = 1 ]; then bash scripts/setup.sh --server --clang "${extra[@]}"; else bash scripts/setup.sh --server "${extra[@]}"; fi
jobs=$(nproc)
build=${CASCADE_BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0" >/dev/null
cmake --build "$build" -j"$jobs"
pgdir=""; mydir=""
trap '[ -z "$pgdir" ] || bash scripts/pg-private.sh stop "$pgdir"; [ -z "$mydir" ] || bash scripts/mariadb-private.sh stop "$mydir"' EXIT
if [ -z "${CASCADE_PG:-}" ]; then
  pgdir=$(mktemp -d /tmp/cascade-pg.XXXXXX)
  CASCADE_PG=$(bash scripts/pg-private.sh start "$pgdir")
  export CASCADE_PG
fi
if [ -z "${CASCADE_MYSQL:-}" ]; then
  mydir=$(mktemp -d /tmp/cascade-mariadb.XXXXXX)
  CASCADE_MYSQL=$(bash scripts/mariadb-private.sh start "$mydir")
  export CASCADE_MYSQL
fi
echo "PostgreSQL for the tests: $CASCADE_PG"
echo "MariaDB for the tests: $CASCADE_MYSQL"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
if [ "$sanitize" = 1 ]; then
  asan=${CASCADE_SANITIZE_BUILD_DIR:-build/sanitize}
  flags="-O0 -g -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S . -B "$asan" -DCMAKE_CXX_COMPILER=clang++-15 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$flags" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCASCADE_BUILD_BENCHMARKS=OFF >/dev/null
  targets=(cascade_functional_tests cascade_unit_tests cascade_queue_tests cascade_queue_test_worker cascade_queue_tool
           cascade_demo cascade_custom_executor)
  if command -v chromium >/dev/null; then targets+=(cascade_dashboard_tests); fi
  cmake --build "$asan" -j"$jobs" --target "${targets[@]}"
  echo "The same tests under AddressSanitizer and UndefinedBehaviorSanitizer"
  # Leaks are reported as errors too; the exit code of a sanitizer report fails the test.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$asan" --output-on-failure -j"$jobs" -E '^(compile_fail|install)\.'
fi
