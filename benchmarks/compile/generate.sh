#!/usr/bin/env bash
# Writes a translation unit with a schema of N models in 7 levels (depth 6): every model above the last
# level has 3 associations to models of the next level, with policies cycling through destroy,
# delete_all, nullify, destroy, restrict_with_error, destroy; every fourth model has a callback (its
# rows are loaded). The unit instantiates cascade::destroy for every model (all), for model 0 only
# (root: the cost of one destroy in a big schema), or for none (schema: the schema's own cost). The
# structs are adapted with CASCADE_DEFINE_STRUCT, or with BOOST_HANA_DEFINE_STRUCT (hana).
#   generate.sh N [all|root|schema] [cascade|hana] > schema_N.cpp
set -euo pipefail
n=${1:?number of models}
what=${2:-all}
case $what in all|root|schema) ;; *) echo "generate.sh: unknown unit '$what' (all, root or schema)" >&2; exit 2 ;; esac
case ${3:-cascade} in cascade) adapt=CASCADE_DEFINE_STRUCT ;; hana) adapt=BOOST_HANA_DEFINE_STRUCT ;;
  *) echo "generate.sh: unknown adaptation '$3' (cascade or hana)" >&2; exit 2 ;; esac
levels=7
per=$(( (n + levels - 1) / levels ))
policies=(destroy delete_all nullify destroy restrict_with_error destroy)
level_of() { echo $(( $1 / per )); }
# incoming[j] = list of "i:a" (model i, association a) pointing at j
declare -A incoming
for (( i = 0; i < n; i++ )); do
  l=$(level_of $i); (( l + 1 >= levels )) && continue
  start=$(( (l + 1) * per )); (( start >= n )) && continue
  size=$(( n - start < per ? n - start : per ))
  for a in 0 1 2; do
    j=$(( start + (i * 3 + a) % size ))
    incoming[$j]+="$i:$a "
  done
done
edges=0
for (( j = 0; j < n; j++ )); do for ia in ${incoming[$j]:-}; do edges=$(( edges + 1 )); done; done
echo "// models=$n associations=$edges"
echo '#include <cascade/soci.hpp>'
echo 'namespace c = cascade; namespace d = cascade::dependent;'
for (( j = 0; j < n; j++ )); do
  members="(std::int64_t, id), (std::string, name)"
  for ia in ${incoming[$j]:-}; do members+=", (std::optional<std::int64_t>, m${ia%%:*}_${ia##*:}_id)"; done
  callback=""; (( j % 4 == 3 )) && callback=" void before_destroy() {}"
  echo "struct M$j { $adapt(M$j, $members);$callback };"
done
echo 'struct schema : c::schema<'
for (( i = 0; i < n; i++ )); do
  assocs=""
  l=$(level_of $i)
  if (( l + 1 < levels )); then
    start=$(( (l + 1) * per ))
    if (( start < n )); then
      size=$(( n - start < per ? n - start : per ))
      for a in 0 1 2; do
        j=$(( start + (i * 3 + a) % size ))
        p=${policies[$(( (i + a) % 6 ))]}
        assocs+=", c::has_many<M$j, &M$j::m${i}_${a}_id, d::$p, c::name<\"a${i}_${a}\">>"
      done
    fi
  fi
  sep=","; (( i == n - 1 )) && sep=""
  echo "  c::model<M$i, \"t$i\"$assocs>$sep"
done
echo '> {};'
echo 'void destroy_all(soci::session& sql) {'
case $what in
  all) for (( i = 0; i < n; i++ )); do echo "  (void)c::destroy<schema, M$i>(sql, 1);"; done ;;
  root) echo "  (void)c::destroy<schema, M0>(sql, 1);" ;;
  schema) echo "  (void)sql; static_assert(c::valid_schema<schema>);" ;;
esac
echo '}'
echo 'int main() {}'
