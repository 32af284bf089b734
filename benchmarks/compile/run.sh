#!/usr/bin/env bash
# The compile-time benchmark: seconds (wall, and CPU: user + sys) and peak memory of g++ compiling one
# translation unit.
#   - the lattice of generate.sh at 25, 50, 100, 200 and 400 models, instantiating cascade::destroy for
#     every model, at -O0 (and at -O2 for 100 models, and at -O0 with the structs adapted by
#     BOOST_HANA_DEFINE_STRUCT instead of CASCADE_DEFINE_STRUCT);
#   - the realistic schema of generate_realistic.sh (one root with 40 associations, polymorphic and through
#     edges, diamonds, a self-referential model, depth 6);
#   - one destroy in a 200-model schema: the unit with destroy<schema, M0> only, beside the unit that only
#     declares and checks the schema, so the cost of one destroy reads as the difference;
#   - one real root (generate_account.sh): an account deletion of 61 models, all reached from the root,
#     with a self-referential edge and diamonds: destroy<schema, Account> alone, explain<schema, Account>
#     alone (the plan and its SQL, no row code) and the checked schema alone, so the root's cost and the
#     row code's read as differences;
#   - the anchors in the same run: the headers alone, and what they include from outside cascade (the
#     standard library, Boost.Hana, SOCI), so cascade's own share of the headers reads as the difference;
#   - a least-squares fit of seconds against models + associations over the lattice sizes (slope, R^2):
#     compile time should grow linearly with the schema.
# With --baseline REV, the Hana-adapted 100-model unit is also compiled against the headers of git revision
# REV (an older cascade) in the same run (once), and so are the account units when REV's headers compile
# them (--repeat times, in turns with the same unit on this revision's headers), so a change in compile
# time is measured, not remembered.
# Each unit is compiled --repeat times (3 by default): the median time and the largest peak are reported,
# since one compile on a shared machine can be off by a third. CPU time (`_cpu_seconds`) moves less than
# wall time when another process shares the machine: compare the CPU figures.
#   benchmarks/compile/run.sh [--json PATH] [--baseline REV] [--repeat N] [SIZES...]
set -euo pipefail
cd "$(dirname "$0")/../.."
json=""; baseline=""; sizes=(); repeat=3
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=${2:?--json needs a path}; shift 2 ;;
    --baseline) baseline=${2:?--baseline needs a git revision}; shift 2 ;;
    --repeat) [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --repeat needs a number of runs, 1 to 99" >&2; exit 2; }
              repeat=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= 7 )) || { echo "run.sh: a size is a number of models >= 7, not '$1'" >&2; exit 2; }
       sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(25 50 100 200 400)
if [ -n "$baseline" ]; then
  git rev-parse --verify -q "$baseline^{commit}" >/dev/null || { echo "run.sh: no git revision '$baseline'" >&2; exit 2; }
fi
work=$(mktemp -d /tmp/cascade-compile.XXXXXX); trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -I/usr/include/postgresql -c -o /dev/null)
compile_once() {  # include-dir file opt times-file: appends "wall cpu peak_kb" of one compile
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" g++ "${flags[@]}" "-I$1" "-$3" "$2" >/dev/null 2>"$work/err" \
    || { cat "$work/err" >&2; return 1; }
  awk '{ print $1, $2 + $3, $4 }' "$work/time" >> "$4"
}
summary() {  # times-file -> prints "seconds cpu_seconds peak_mb": the medians, the largest peak
  local wall cpu
  wall=$(sort -n -k1,1 "$1" | awk '{ t[NR] = $1 } END { printf "%.2f", t[int((NR + 1) / 2)] }')
  cpu=$(sort -n -k2,2 "$1" | awk '{ t[NR] = $2 } END { printf "%.2f", t[int((NR + 1) / 2)] }')
  echo "$wall $cpu $(awk '{ if ($3 > m) m = $3 } END { printf "%.0f", m / 1024 }' "$1")"
}
measure() {  # include-dir file opt [runs] -> prints "seconds cpu_seconds peak_mb"
  local runs=${4:-$repeat}; : > "$work/times"
  for (( r = 0; r < runs; r++ )); do compile_once "$1" "$2" "$3" "$work/times" || return 1; done
  summary "$work/times"
}
declare -A result
row() { printf '%-28s %-4s %8s %8s %10s\n' "$@"; }
store() {  # key-prefix label opt "seconds cpu_seconds peak_mb"
  local s c m; read -r s c m <<<"$4"
  result[$1_seconds]=$s; result[$1_cpu_seconds]=$c; result[$1_peak_mb]=$m
  row "$2" "-$3" "$s" "$c" "$m"
}
record() {  # key-prefix label opt include file [runs]
  local out; out=$(measure "$4" "$5" "$3" "${6:-}") || exit 1
  store "$1" "$2" "$3" "$out"
}
difference() {  # key a-prefix b-prefix: a's seconds and CPU seconds minus b's
  local k
  for k in seconds cpu_seconds; do
    result[$1_$k]=$(awk -v a="${result[$2_$k]}" -v b="${result[$3_$k]}" 'BEGIN { printf "%.2f", a - b }')
  done
}
row unit opt seconds "CPU s" "peak MB"
printf '#include <cascade/soci.hpp>\nint main() {}\n' > "$work/headers.cpp"
record compile.headers.o0 headers O0 include "$work/headers.cpp"
# every header outside cascade that cascade/soci.hpp reaches, found by walking its #include lines
seen=" "; todo=(cascade/soci.hpp); : > "$work/deps.cpp"
while [ ${#todo[@]} -gt 0 ]; do
  h=${todo[0]}; todo=("${todo[@]:1}")
  case "$seen" in *" $h "*) continue ;; esac; seen+="$h "
  while read -r inc; do
    if [[ $inc == cascade/* ]]; then todo+=("$inc"); else echo "#include <$inc>" >> "$work/deps.cpp"; fi
  done < <(sed -n 's/^#include <\([^>]*\)>.*/\1/p' "include/$h")
done
sort -u -o "$work/deps.cpp" "$work/deps.cpp"; echo 'int main() {}' >> "$work/deps.cpp"
record compile.headers_dependencies.o0 "their dependencies" O0 include "$work/deps.cpp"
difference compile.headers.own_o0 compile.headers.o0 compile.headers_dependencies.o0
xs=(); ys=()
for n in "${sizes[@]}"; do
  bash benchmarks/compile/generate.sh "$n" > "$work/schema_$n.cpp"
  record "compile.n$n.o0" "$n models" O0 include "$work/schema_$n.cpp"
  if [ "$n" = 100 ]; then
    record "compile.n$n.o2" "$n models" O2 include "$work/schema_$n.cpp"
    bash benchmarks/compile/generate.sh "$n" all hana > "$work/schema_${n}_hana.cpp"
    record "compile.n$n.hana_adapted.o0" "$n, Hana-adapted" O0 include "$work/schema_${n}_hana.cpp"
  fi
  edges=$(head -1 "$work/schema_$n.cpp" | sed 's/.*associations=//')
  result[compile.n$n.associations]=$edges
  xs+=($(( n + edges ))); ys+=("${result[compile.n$n.o0_seconds]}")
done
bash benchmarks/compile/generate_realistic.sh > "$work/realistic.cpp"
record compile.realistic.o0 "realistic (67 models)" O0 include "$work/realistic.cpp"
bash benchmarks/compile/generate.sh 200 schema > "$work/n200_schema.cpp"
bash benchmarks/compile/generate.sh 200 root > "$work/n200_root.cpp"
record compile.n200.schema_only.o0 "200: schema only" O0 include "$work/n200_schema.cpp"
record compile.n200.one_root.o0 "200: one destroy" O0 include "$work/n200_root.cpp"
difference compile.n200.one_root.marginal_o0 compile.n200.one_root.o0 compile.n200.schema_only.o0
echo "one destroy in a 200-model schema costs ${result[compile.n200.one_root.marginal_o0_seconds]} s over the schema alone"
for unit in schema explain root; do bash benchmarks/compile/generate_account.sh "$unit" > "$work/account_$unit.cpp"; done
if [ -n "$baseline" ]; then
  mkdir -p "$work/baseline" && git archive "$baseline" include | tar -x -C "$work/baseline"
  # the account units compile against REV's headers only if REV has what they use (CASCADE_DEFINE_STRUCT)
  g++ "${flags[@]}" "-I$work/baseline/include" -fsyntax-only "$work/account_root.cpp" >/dev/null 2>&1 && account_baseline=1
fi
account() {  # key label unit: on this revision's headers and, in turns with it (the machine drifts), REV's
  local file="$work/account_$3.cpp" r; : > "$work/times_a"; : > "$work/times_b"
  for (( r = 0; r < repeat; r++ )); do
    compile_once include "$file" O0 "$work/times_a" || exit 1
    [ -z "${account_baseline:-}" ] || compile_once "$work/baseline/include" "$file" O0 "$work/times_b" || exit 1
  done
  store "compile.account.$1.o0" "account: $2" O0 "$(summary "$work/times_a")"
  [ -z "${account_baseline:-}" ] || store "compile.baseline.account.$1.o0" \
    "account: $2 @ $(git rev-parse --short "$baseline")" O0 "$(summary "$work/times_b")"
}
account schema_only "schema only" schema
account explain "explain<Account>" explain
account one_root "destroy<Account>" root
difference compile.account.one_root.marginal_o0 compile.account.one_root.o0 compile.account.schema_only.o0
difference compile.account.row_code.marginal_o0 compile.account.one_root.o0 compile.account.explain.o0
echo "destroy<Account> (61 models reached) costs ${result[compile.account.one_root.marginal_o0_cpu_seconds]} s of CPU over its schema alone, ${result[compile.account.one_root.o0_cpu_seconds]} s in all"
if [ -n "${account_baseline:-}" ]; then
  difference compile.baseline.account.one_root.marginal_o0 compile.baseline.account.one_root.o0 compile.baseline.account.schema_only.o0
  difference compile.baseline.account.row_code.marginal_o0 compile.baseline.account.one_root.o0 compile.baseline.account.explain.o0
fi
if [ -n "$baseline" ]; then
  # older headers know only Hana's adaptation: compare with this revision's Hana-adapted unit
  [ -f "$work/schema_100_hana.cpp" ] || bash benchmarks/compile/generate.sh 100 all hana > "$work/schema_100_hana.cpp"
  record compile.baseline.n100.o0 "100, Hana @ $(git rev-parse --short "$baseline")" O0 "$work/baseline/include" "$work/schema_100_hana.cpp" 1
  result[compile.baseline.revision]="\"$(git rev-parse --short "$baseline")\""
fi
if [ ${#xs[@]} -ge 2 ]; then  # seconds = a + b * (models + associations)
  read -r a b r2 <<<"$(paste <(printf '%s\n' "${xs[@]}") <(printf '%s\n' "${ys[@]}") | awk '
    { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; syy += $2 * $2 }
    END { b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
          r = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy))
          printf "%.3f %.5f %.4f", a, b, r * r }')"
  result[compile.fit.intercept_seconds]=$a; result[compile.fit.seconds_per_model_or_association]=$b
  result[compile.fit.r2]=$r2
  echo "fit: seconds = $a + $b x (models + associations), R^2 = $r2"
fi
if [ -n "$json" ]; then
  { echo "{"; first=1
    for k in $(printf '%s\n' "${!result[@]}" | sort); do
      [ $first -eq 1 ] || echo ","; first=0; printf '  "%s": %s' "$k" "${result[$k]}"
    done; echo; echo "}"; } > "$json"
  echo "wrote $json"
fi
