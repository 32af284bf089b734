#!/usr/bin/env bash
# The compile-time benchmark: for 25, 100 and 200 generated models, the seconds and peak memory of g++
# compiling one translation unit that instantiates cascade::destroy for every model, at -O0 and -O2.
# Anchor in the same run: the same unit with the schema and the destroys left out (the cost of the headers).
#   benchmarks/compile/run.sh [--json PATH] [SIZES...]
set -euo pipefail
cd "$(dirname "$0")/../.."
json=""; sizes=()
while [ $# -gt 0 ]; do
  case "$1" in --json) json=$2; shift 2 ;; *) sizes+=("$1"); shift ;; esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(25 100 200)
work=$(mktemp -d /tmp/cascade-compile.XXXXXX); trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -Iinclude -I/usr/include/postgresql -c -o /dev/null)
measure() {  # prints "seconds peak_mb"
  /usr/bin/time -f "%e %M" -o "$work/time" g++ "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  awk '{ printf "%.2f %.0f", $1, $2 / 1024 }' "$work/time"
}
printf '#include <cascade/soci.hpp>\nint main() {}\n' > "$work/headers.cpp"
declare -A result
read -r s m <<<"$(measure "${flags[@]}" -O0 "$work/headers.cpp")"
result[compile.headers.o0_seconds]=$s; result[compile.headers.o0_peak_mb]=$m
printf '%-8s %-4s %8s %10s\n' models opt seconds "peak MB"
printf '%-8s %-4s %8s %10s\n' headers -O0 "$s" "$m"
for n in "${sizes[@]}"; do
  bash benchmarks/compile/generate.sh "$n" > "$work/schema_$n.cpp"
  for opt in O0 O2; do
    read -r s m <<<"$(measure "${flags[@]}" -$opt "$work/schema_$n.cpp")"
    key=$(echo "$opt" | tr 'O' 'o')
    result[compile.n$n.${key}_seconds]=$s; result[compile.n$n.${key}_peak_mb]=$m
    printf '%-8s %-4s %8s %10s\n' "$n" "-$opt" "$s" "$m"
  done
done
if [ -n "$json" ]; then
  { echo "{"; first=1
    for k in $(printf '%s\n' "${!result[@]}" | sort); do
      [ $first -eq 1 ] || echo ","; first=0; printf '  "%s": %s' "$k" "${result[$k]}"
    done; echo; echo "}"; } > "$json"
  echo "wrote $json"
fi
