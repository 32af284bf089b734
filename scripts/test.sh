#!/usr/bin/env bash
# Every test: installs what is missing, builds, starts a private PostgreSQL on loopback unless
# CASCADE_PG names one, runs the whole CTest suite on SQLite and PostgreSQL, stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --server
build=${CASCADE_BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0" >/dev/null
cmake --build "$build" -j"$(nproc)"
if [ -z "${CASCADE_PG:-}" ]; then
  pgdir=$(mktemp -d /tmp/cascade-pg.XXXXXX)
  trap 'bash scripts/pg-private.sh stop "$pgdir"' EXIT
  CASCADE_PG=$(bash scripts/pg-private.sh start "$pgdir")
  export CASCADE_PG
fi
echo "PostgreSQL for the tests: $CASCADE_PG"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
