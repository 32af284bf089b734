#pragma once
// Every rule a schema must satisfy, checked once at the DSL boundary before any plan is made.
// Each rule is a named constexpr bool, so the same rules serve the polite concept
// (`cascade::valid_schema<S>`) and the hard errors (`static_assert`, whose instantiation context
// `check_association<Owner, Association>` names the model and the association).
#include <cascade/detail/graph.hpp>
#include <cascade/detail/strongly_connected.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace cascade {

namespace detail {

/// Rails' valid_dependent_options, per association kind: the policy's own `allowed_on`.
template <class Kind, class Policy>
inline constexpr bool policy_allowed_v = [] {
    if constexpr (policy<Policy>) return (Policy::allowed_on & Kind::bit) != 0;
    else return false;
}();

/// Text the SQL quotes (table names) or binds (scope values, polymorphic names) may hold neither a
/// NUL byte nor, for an identifier, a double quote.
constexpr bool clean_text(std::string_view s, bool identifier) {
    for (char c : s)
        if (c == '\0' || (identifier && c == '"')) return false;
    return !identifier || !s.empty();
}
template <class W>
inline constexpr bool clean_scope_v = [] {
    if constexpr (requires { where_traits<W>::value.view(); }) return clean_text(where_traits<W>::value.view(), false);
    else return true;
}();
template <class List>
struct clean_scopes;
template <class... Ws>
struct clean_scopes<list<Ws...>> : std::bool_constant<all_of({clean_scope_v<Ws>...})> {};

template <auto Member, class Owner>
inline constexpr bool member_of_v = [] {
    if constexpr (member_traits<Member>::is_member)
        return std::is_same_v<typename member_traits<Member>::owner, Owner> && !member_name<Member>().empty();
    else
        return false;
}();

template <auto Member>
inline constexpr bool nullable_member_v = [] {
    if constexpr (member_traits<Member>::is_member)
        return is_optional_v<typename member_traits<Member>::type>;
    else
        return false;
}();

template <class M>
struct model_rules {
    using T = typename M::type;
    static constexpr bool adapted = is_adapted_v<T>;
    static constexpr bool has_primary_key = [] {
        if constexpr (adapted && !is_null_v<primary_key_of<M>>) return member_of_v<primary_key_of<M>, T>;
        else return false;
    }();
    /// Keys are matched exactly and travel as integers or text (key lists, jobs, belongs_to targets):
    /// a floating-point key would be cut to an integer there, and name another row.
    static constexpr bool key_exact = [] {
        if constexpr (has_primary_key) return tag_of_v<key_db_t<M>> != value_tag::real;
        else return true;
    }();
    static constexpr bool table_clean = clean_text(M::table, true);
    static constexpr bool polymorphic_name_clean = clean_text(polymorphic_name_option<typename M::parts>::value, false);
    static constexpr bool ok = adapted && has_primary_key && key_exact && table_clean && polymorphic_name_clean;
};

/// Whether every scope's member is a column of Struct (the rows the scope filters).
template <class Struct, class Wheres>
struct scopes_on;
template <class Struct, class... Ws>
struct scopes_on<Struct, list<Ws...>> : std::bool_constant<(member_of_v<where_traits<Ws>::member, Struct> && ...)> {};

/// The rules of association A of the model of struct Owner. Named by the struct, not the model: the
/// compiler's notes spell this name, and a model's type spells every association it has.
template <class Schema, class Owner, class A>
struct association_rules {
    using acted_struct_t = typename acted_struct<A>::type;
    static constexpr bool target_in_schema = !std::is_void_v<model_for_t<Schema, typename A::target>>;
    static constexpr bool join_in_schema = !std::is_void_v<model_for_t<Schema, acted_struct_t>>;
    static constexpr bool policy_valid = policy_allowed_v<typename A::kind, typename A::policy>;
    static constexpr bool belongs = std::is_same_v<typename A::kind, kind::belongs_to>;
    static constexpr bool through = std::is_same_v<typename A::kind, kind::has_many_through>;
    static constexpr bool foreign_key_placed =
        belongs ? member_of_v<A::foreign_key, Owner> : member_of_v<A::foreign_key, acted_struct_t>;
    static constexpr bool source_key_placed = !through || member_of_v<source_key_of<A>, acted_struct_t>;
    static constexpr bool nullify_nullable =
        !std::is_same_v<typename A::policy, dependent::nullify> ||
        (through ? nullable_member_v<source_key_of<A>> : nullable_member_v<A::foreign_key>);
    static constexpr bool type_column_placed = [] {
        if constexpr (is_null_v<as_option<options_of_t<A>>::value>) return true;
        else return !belongs && member_of_v<as_option<options_of_t<A>>::value, acted_struct_t>;
    }();
    /// A polymorphic association matches the type column against the owner's polymorphic name, as
    /// Rails writes it: the owner must have one (a struct whose class name C++ cannot be sure of
    /// says it with polymorphic_name<>).
    static constexpr bool owner_polymorphic_name_known = [] {
        if constexpr (is_null_v<as_option<options_of_t<A>>::value>) return true;
        else return !polymorphic_name_of<model_for_t<Schema, Owner>>.empty();
    }();
    static constexpr bool targets_option_placed =
        !contains_v<destroy_async_targets, options_of_t<A>> ||
        (through && std::is_same_v<typename A::policy, dependent::destroy_async>);
    static constexpr bool queue_options_placed =
        (!queue_option<options_of_t<A>>::present && !priority_option<options_of_t<A>>::present) ||
        A::policy::action == policy_action::defer;
    static constexpr bool queue_name_clean = queue_name_problem(queue_option<options_of_t<A>>::value) == nullptr;
    static constexpr bool scope_values_clean = clean_scopes<filter_t<is_where, options_of_t<A>>>::value;
    static constexpr bool name_clean = clean_text(name_option<options_of_t<A>>::value, false);
    /// A scope filters the rows it names by a column of theirs, found by name: a member of another
    /// struct would filter by whatever column of that name the rows have. The rows: the dependents
    /// (has_many, has_one), the target (belongs_to, and through the join model of has_many_through).
    static constexpr bool scopes_placed =
        scopes_on<std::conditional_t<through, typename A::target, acted_struct_t>, filter_t<is_where, options_of_t<A>>>::value;
    /// primary_key<> on an association names the column the foreign key refers to: the owner's
    /// (has_many, has_one, has_many_through), the target's (belongs_to).
    static constexpr bool ref_placed = [] {
        if constexpr (is_null_v<primary_key_option<options_of_t<A>>::value>) return true;
        else if constexpr (!member_of_v<primary_key_option<options_of_t<A>>::value,
                                        std::conditional_t<belongs, typename A::target, Owner>>)
            return false;
        else  // an integer or text, as keys are (key lists, jobs): a floating-point value would be cut
            return tag_of_v<member_db_t<primary_key_option<options_of_t<A>>::value>> != value_tag::real;
    }();
    static constexpr bool ok = target_in_schema && join_in_schema && policy_valid && foreign_key_placed &&
                               source_key_placed && nullify_nullable && type_column_placed && owner_polymorphic_name_known && targets_option_placed &&
                               queue_options_placed && queue_name_clean && scope_values_clean && name_clean && scopes_placed &&
                               ref_placed;
};

// ---- names: one association of a name per model, one model per table ------------------------------------

/// The first two associations of M with the same name, as indices, or {-1, -1}.
template <class Schema, class M>
constexpr std::pair<int, int> duplicate_names() {
    std::string_view names[associations_t<M>::size + 1]{};
    int n = 0;
    for_each_type<edges_t<Schema, M>>([&]<class E>() { names[n++] = E::name; });
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j)
            if (names[i] == names[j]) return {i, j};
    return {-1, -1};
}
template <class Models>
struct duplicate_tables;
template <class... Ms>
struct duplicate_tables<list<Ms...>> {
    /// Sorted, then neighbours compared: n log n, where comparing every pair would exceed the
    /// compiler's constexpr step limit near 400 models.
    static constexpr std::pair<int, int> value = [] {
        std::array<std::pair<std::string_view, int>, sizeof...(Ms)> tables{};
        int i = 0;
        for (std::string_view t : {std::string_view{Ms::table}...}) tables[static_cast<std::size_t>(i)] = {t, i}, ++i;
        std::sort(tables.begin(), tables.end());
        for (std::size_t k = 1; k < tables.size(); ++k)
            if (tables[k].first == tables[k - 1].first) return std::pair<int, int>{tables[k - 1].second, tables[k].second};
        return std::pair<int, int>{-1, -1};
    }();
};

// ---- cycles of destroy through several models: their keys must have one type -------------------------------

/// For a cycle of dependent::destroy associations through several models, the rows of all of them
/// are found by one recursive query whose key column has one type. The first two models of such a
/// cycle whose keys differ, as indices (or {-1, -1}): strongly connected components over the has-side
/// destroy associations.
template <class Schema>
constexpr std::pair<int, int> mixed_key_cycle() {
    using A = arrays<Schema>;
    auto const follows = [](edge_data const& e) { return e.has_side() && e.action == policy_action::destroy; };
    std::vector<std::vector<int>> out(A::N);
    for (auto const& e : A::edges)
        if (follows(e)) out[static_cast<std::size_t>(e.owner)].push_back(e.acted);
    auto const component = strongly_connected(out).component;
    for (auto const& e : A::edges) {
        auto const a = static_cast<std::size_t>(e.owner), b = static_cast<std::size_t>(e.acted);
        if (follows(e) && a != b && component[a] == component[b] && A::models[a].key_tag != A::models[b].key_tag)
            return {e.owner, e.acted};
    }
    return {-1, -1};
}

// ---- recursion (kept for the rules that follow edges) ---------------------------------------------------

template <class Schema, class M>
struct edge_rules_all;
template <class Schema, class M>
    requires model_rules<M>::ok
struct edge_rules_all<Schema, M> {
    template <class L>
    struct all;
    template <class... As>
    struct all<list<As...>> : std::bool_constant<all_of({association_rules<Schema, typename M::type, As>::ok...})> {};
    static constexpr bool value = all<associations_t<M>>::value;
};
template <class Schema, class M>
struct edge_rules_all {
    static constexpr bool value = false;
};

template <class Schema, class Models>
struct schema_rules_of;
/// Named by the schema alone (see detail::arrays).
template <class Schema>
struct schema_rules : schema_rules_of<Schema, typename Schema::models> {};
template <class Schema, class... Ms>
struct schema_rules_of<Schema, list<Ms...>> {
    static constexpr bool models_ok = all_of({model_rules<Ms>::ok...});
    static constexpr bool associations_ok = all_of({edge_rules_all<Schema, Ms>::value...});
    static constexpr bool names_ok = [] {
        if constexpr (models_ok && associations_ok)
            return all_of({(duplicate_names<Schema, Ms>().first < 0)...}) && duplicate_tables<list<Ms...>>::value.first < 0;
        else
            return false;
    }();
    static constexpr bool cycles_ok = [] {
        if constexpr (names_ok) return mixed_key_cycle<Schema>().first < 0;
        else return false;
    }();
    static constexpr bool ok = models_ok && associations_ok && names_ok && cycles_ok;
};

}  // namespace detail

/// A schema every rule holds for: the polite form of the checks, for static_assert and overloads.
template <class S>
concept valid_schema = requires { typename S::models; } && detail::schema_rules<S>::ok;

// ---- the hard errors, one instantiation per model and association, named in the compiler's
// ---- "required from" lines -----------------------------------------------------------------------

/// The rules of the model of struct T, copied here so that the compiler's notes name
/// check_model<T, Schema>, never the model's type (which spells every association it has).
template <class T, class Schema>
struct check_model {
    using rules = detail::model_rules<detail::model_for_t<Schema, T>>;
    static constexpr bool adapted = rules::adapted;
    static constexpr bool has_primary_key = rules::has_primary_key;
    static constexpr bool key_exact = rules::key_exact;
    static constexpr bool table_clean = rules::table_clean;
    static constexpr bool polymorphic_name_clean = rules::polymorphic_name_clean;
    static_assert(adapted,
                  "cascade::model: the struct must be adapted with CASCADE_DEFINE_STRUCT (or BOOST_HANA_DEFINE_STRUCT) so its columns are known");
    static_assert(!adapted || has_primary_key,
                  "cascade::model: no primary key; add a member named `id` or the option cascade::primary_key<&T::member>");
    static_assert(key_exact,
                  "cascade::model: the primary key is a floating-point member; keys are matched exactly and travel as "
                  "integers or text (a key 1.5 would name row 1): use an integer or a string key");
    static_assert(table_clean, "cascade::model: the table name must be non-empty, without a double quote or a NUL byte");
    static_assert(polymorphic_name_clean, "cascade::polymorphic_name: the name may not contain a NUL byte");
    static constexpr bool ok = rules::ok;
};

template <class Owner, class Association, class Schema>
struct check_association {
    using rules = detail::association_rules<Schema, Owner, Association>;
    static_assert(rules::target_in_schema,
                  "cascade: the association's target is not a model of this schema; add cascade::model<Target, "
                  "\"table\", ...> to cascade::schema<...>");
    static_assert(rules::join_in_schema || !rules::through,
                  "cascade::has_many_through: the join model (its second argument, the struct holding both keys) is "
                  "not a model of this schema; add cascade::model<Join, \"table\", ...> to cascade::schema<...>");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_many>,
                  "cascade::has_many: invalid dependent policy; has_many takes destroy, delete_all, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_many_through>,
                  "cascade::has_many_through: invalid dependent policy; it takes destroy, delete_all, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async (acting on the join rows)");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_one>,
                  "cascade::has_one: invalid dependent policy; has_one takes destroy, delete_, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::belongs_to>,
                  "cascade::belongs_to: invalid dependent policy; belongs_to takes destroy, delete_ or destroy_async");
    static_assert(rules::foreign_key_placed,
                  "cascade: the foreign key must be an adapted member of the dependent model (has_many, has_one, "
                  "the join model of has_many_through) or of the owner (belongs_to)");
    static_assert(rules::source_key_placed,
                  "cascade::has_many_through: the source key must be an adapted member of the join model");
    static_assert(rules::nullify_nullable,
                  "cascade: dependent::nullify needs a nullable foreign key; declare the member as std::optional<...>");
    static_assert(rules::type_column_placed,
                  "cascade::as: the polymorphic type column must be an adapted member of the dependent model "
                  "(has_many or has_one)");
    static_assert(rules::owner_polymorphic_name_known,
                  "cascade::as: the type column holds the owner's class name as Rails writes it, and C++ cannot be "
                  "sure of it for this owner (a struct in a named namespace or class, a template, or a lowercase "
                  "name); give the owner's model cascade::polymorphic_name<\"...\"> with the name Rails writes "
                  "(Owner.polymorphic_name in Rails, e.g. \"Blog::Post\")");
    static_assert(rules::targets_option_placed,
                  "cascade::destroy_async_targets: only for a has_many_through with dependent::destroy_async");
    static_assert(rules::queue_options_placed,
                  "cascade::queue / cascade::priority: only for a dependent::destroy_async association (they name "
                  "the durable queue and the priority of its jobs; other policies run in the destroy)");
    static_assert(rules::queue_name_clean,
                  "cascade::queue: the queue name must not be empty, longer than 128 bytes or contain a NUL byte");
    static_assert(rules::scope_values_clean,
                  "cascade::where: a text value contains a NUL byte, which SOCI's PostgreSQL backend would cut short");
    static_assert(rules::name_clean, "cascade::name: the name may not contain a NUL byte");
    static_assert(rules::scopes_placed,
                  "cascade::where: the member must be an adapted column of the rows the scope filters: the dependent "
                  "model (has_many, has_one) or the target (belongs_to, has_many_through); a member of another struct "
                  "would filter by whatever column of that name they have");
    static_assert(rules::ref_placed,
                  "cascade::primary_key on an association: the member must be an adapted column of the owner (has_many, "
                  "has_one, has_many_through) or of the target (belongs_to), the column the foreign key refers to, "
                  "holding an integer or a string (not a floating-point value)");
    static constexpr bool ok = rules::ok;
};

/// Instantiated with the owner and both associations of one name: the compiler names them.
template <class Owner, class First, class Second>
struct duplicate_association_name {
    static_assert(sizeof(Owner) == 0,
                  "cascade: two associations of one model have the same name (listed in "
                  "duplicate_association_name<Model, first, second>); their jobs and errors would be confused: "
                  "give one of them its own name with cascade::name<\"...\">");
    static constexpr bool ok = false;
};
/// Instantiated with two models of one table.
template <class First, class Second>
struct duplicate_table {
    static_assert(sizeof(First) == 0,
                  "cascade: two models of one schema have the same table (listed in duplicate_table<First, Second>); "
                  "each table is one model");
    static constexpr bool ok = false;
};
/// Instantiated with two models of a destroy cycle whose keys have different types.
template <class First, class Second>
struct cycle_with_mixed_keys {
    static_assert(sizeof(First) == 0,
                  "cascade: dependent::destroy associations form a cycle through models whose primary keys have "
                  "different types (listed in cycle_with_mixed_keys<First, Second>); the cycle's rows are found by "
                  "one recursive query: give the models keys of one type, or break the cycle with nullify, "
                  "delete_all or destroy_async on one association");
    static constexpr bool ok = false;
};

namespace detail {

/// The checker that reports the first rule a schema breaks, or void. The rules are read as plain
/// booleans (no error yet); only the one failing checker is instantiated, directly from check_schema,
/// so the compiler's report is short: the checker naming the model and the association, one "required
/// from" line for check_schema<Schema>, one for the call, then the message.
template <class Schema>
struct first_violation {
    using models = typename Schema::models;
    /// Whether every association of model M keeps its rules, and the first one that does not.
    template <class M, class As = associations_t<M>>
    struct associations;
    template <class M, class... As>
    struct associations<M, list<As...>> {
        static constexpr std::array<bool, sizeof...(As) + 1> ok{association_rules<Schema, typename M::type, As>::ok..., false};
        static constexpr std::size_t first_broken = [] {
            std::size_t i = 0;
            while (ok[i]) ++i;
            return i;
        }();
        static constexpr bool all = first_broken == sizeof...(As);
    };
    template <class L = models>
    struct per_model;
    template <class... Ms>
    struct per_model<list<Ms...>> {
        /// 0: keeps every rule; 1: the model itself breaks one; 2: one of its associations does.
        static constexpr std::array<int, sizeof...(Ms) + 1> state{
            (!model_rules<Ms>::ok ? 1 : associations<Ms>::all ? 0 : 2)..., 3};
        static constexpr std::array<int, sizeof...(Ms) + 1> duplicate{(duplicate_names<Schema, Ms>().first >= 0)..., true};
        static constexpr std::size_t first_broken = [] {
            std::size_t i = 0;
            while (state[i] == 0) ++i;
            return i;
        }();
    };
    static constexpr auto find() {
        using P = per_model<>;
        if constexpr (P::first_broken < models::size) {
            using M = typename nth<models, P::first_broken>::type;
            if constexpr (P::state[P::first_broken] == 1) {
                return std::type_identity<check_model<typename M::type, Schema>>{};
            } else {
                using A = typename nth<associations_t<M>, associations<M>::first_broken>::type;
                return std::type_identity<check_association<typename M::type, A, Schema>>{};
            }
        } else {
            constexpr std::size_t named = [] {
                std::size_t i = 0;
                while (!P::duplicate[i]) ++i;
                return i;
            }();
            constexpr auto tables = duplicate_tables<models>::value;
            if constexpr (named < models::size) {
                using M = typename nth<models, named>::type;
                constexpr auto d = duplicate_names<Schema, M>();
                using As = associations_t<M>;
                return std::type_identity<duplicate_association_name<typename M::type, typename nth<As, static_cast<std::size_t>(d.first)>::type,
                                                                     typename nth<As, static_cast<std::size_t>(d.second)>::type>>{};
            } else if constexpr (tables.first >= 0) {
                return std::type_identity<duplicate_table<typename nth<models, static_cast<std::size_t>(tables.first)>::type::type,
                                                          typename nth<models, static_cast<std::size_t>(tables.second)>::type::type>>{};
            } else {
                constexpr auto cycle = mixed_key_cycle<Schema>();
                if constexpr (cycle.first >= 0)
                    return std::type_identity<cycle_with_mixed_keys<typename nth<models, static_cast<std::size_t>(cycle.first)>::type::type,
                                                                    typename nth<models, static_cast<std::size_t>(cycle.second)>::type::type>>{};
                else
                    return std::type_identity<void>{};
            }
        }
    }
    using type = typename decltype(find())::type;
};

}  // namespace detail

/// Checks every rule of Schema. Valid: `ok` is true. Invalid: the first rule broken is a compile
/// error naming the model, the association and the fix (the public entry points read `ok` and
/// instantiate nothing else when it is false).
template <class Schema>
struct check_schema {
    using violation = typename detail::first_violation<Schema>::type;
    static constexpr bool ok = [] {
        if constexpr (std::is_void_v<violation>) return true;
        else return !violation::ok;  // instantiating the checker reports the rule
    }() && std::is_void_v<violation>;
};

/// Schema when it keeps every rule, else the empty schema. A public class template that takes a schema
/// names this first: naming it reports the broken rule (check_schema), and the class is then built on
/// an empty schema, which reports nothing more.
template <class Schema>
using checked_schema_t = std::conditional_t<check_schema<Schema>::ok, Schema, schema<>>;

}  // namespace cascade
