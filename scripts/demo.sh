#!/usr/bin/env bash
# The main job: builds the demo and runs it on embedded SQLite (prints the plan, a dry run, the result).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCASCADE_BUILD_TESTS=OFF -DCASCADE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target cascade_demo -j"$(nproc)" >/dev/null
./build/release/examples/cascade_demo
