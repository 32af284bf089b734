#!/usr/bin/env bash
# Writes a translation unit with the shape of a real application's schema (67 models), not a lattice:
#   - one root (Account) with 40 dependent associations: 36 has_many onto first-level models with mixed
#     policies, one polymorphic has_many (notes, as: notable), one has_many onto a self-referential model
#     (comments with replies), two has_many_through (tags through taggings, labels through labelings);
#   - diamonds: every model below the first level is reached from two parents;
#   - depth 6: Account -> P -> Q -> R -> S -> T -> U;
#   - polymorphic notes reached from the root, four second-level models and the comments;
#   - every fourth model has a callback (its rows are loaded).
# The unit instantiates cascade::destroy for every model, as generate.sh does.
#   generate_realistic.sh > realistic.cpp
set -euo pipefail
declare -A members assocs
order=()
add_model() { order+=("$1"); members[$1]="(std::int64_t, id), (std::string, name)"; assocs[$1]=""; }
fk() { members[$1]+=", (std::optional<std::int64_t>, $2)"; }  # model, column
policies=(destroy delete_all destroy nullify destroy restrict_with_error)

add_model Account
for i in $(seq 0 35); do add_model "P$i"; done
for i in $(seq 0 11); do add_model "Q$i"; done
for i in $(seq 0 5); do add_model "R$i"; done
for i in 0 1 2; do add_model "S$i"; done
for i in 0 1; do add_model "T$i"; done
add_model U0
for m in Note Comment Tag Tagging Label Labeling; do add_model "$m"; done
members[Note]+=", (std::optional<std::string>, notable_type)"
fk Note notable_id; fk Comment parent_id; fk Comment account_id
fk Tagging account_id; fk Tagging tag_id; fk Labeling account_id; fk Labeling label_id

has_many() {  # owner child policy name
  fk "$2" "${4}_id"
  assocs[$1]+=", c::has_many<$2, &$2::${4}_id, d::$3, c::name<\"$4\">>"
}
# root: 36 + notes + comments + 2 through = 40
for i in $(seq 0 35); do has_many Account "P$i" "${policies[$(( i % 6 ))]}" "account_p$i"; done
assocs[Account]+=", c::has_many<Note, &Note::notable_id, d::destroy, c::as<&Note::notable_type>, c::name<\"notes\">>"
assocs[Account]+=", c::has_many<Comment, &Comment::account_id, d::destroy, c::name<\"comments\">>"
assocs[Account]+=", c::has_many_through<Tag, Tagging, &Tagging::account_id, &Tagging::tag_id, d::destroy, c::name<\"tags\">>"
assocs[Account]+=", c::has_many_through<Label, Labeling, &Labeling::account_id, &Labeling::label_id, d::delete_all, c::name<\"labels\">>"
assocs[Comment]+=", c::has_many<Comment, &Comment::parent_id, d::destroy, c::name<\"replies\">>"
assocs[Comment]+=", c::has_many<Note, &Note::notable_id, d::destroy, c::as<&Note::notable_type>, c::name<\"notes\">>"
# diamonds, level by level: child k of the next level is reached from parents 2k and 2k+1
link_level() {  # parent_prefix parent_count child_prefix child_count
  for (( p = 0; p < $2; p++ )); do
    (( p / 2 < $4 )) || continue
    has_many "$1$p" "$3$(( p / 2 ))" "${policies[$(( (p + 1) % 6 ))]}" "$(echo "$1$p" | tr 'A-Z' 'a-z')"
  done
}
link_level P 24 Q 12; link_level Q 12 R 6; link_level R 6 S 3; link_level S 3 T 2; link_level T 2 U 1
has_many S1 T1 destroy s1b   # T1 would otherwise have one parent: make it a diamond too
for i in 0 1 2 3; do
  assocs[Q$i]+=", c::has_many<Note, &Note::notable_id, d::destroy, c::as<&Note::notable_type>, c::name<\"notes\">>"
done

echo '#include <cascade/soci.hpp>'
echo 'namespace c = cascade; namespace d = cascade::dependent;'
k=0
for m in "${order[@]}"; do
  callback=""; (( k % 4 == 3 )) && callback=" void before_destroy() {}"
  echo "struct $m { CASCADE_DEFINE_STRUCT($m, ${members[$m]});$callback };"
  k=$(( k + 1 ))
done
echo 'struct schema : c::schema<'
last=${order[-1]}
for m in "${order[@]}"; do
  table=$(echo "$m" | tr 'A-Z' 'a-z')s
  poly=""; case $m in Account|Comment|Q0|Q1|Q2|Q3) poly=", c::polymorphic_name<\"$m\">" ;; esac
  sep=","; [ "$m" = "$last" ] && sep=""
  echo "  c::model<$m, \"$table\"$poly${assocs[$m]}>$sep"
done
echo '> {};'
echo 'void destroy_all(soci::session& sql) {'
for m in "${order[@]}"; do echo "  (void)c::destroy<schema, $m>(sql, 1);"; done
echo '}'
echo 'int main() {}'
