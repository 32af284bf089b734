#pragma once
// The dry run: what a destroy would touch, counted without changing anything (Django's admin shows
// this before a delete). Each step of the plan is one SELECT COUNT(*) over its row set; a row reached
// along two paths (a diamond) is counted on each.
#include <cascade/soci/destroy.hpp>

namespace cascade {

namespace detail {

template <class Schema>
struct dry_run_count {
    soci::session& sql;
    destroy_result& result;
    restrict_check<Schema> restricts{sql, result};

    template <class Path>
    std::size_t count(Path const& p) {
        long long n = 0;
        query_one(sql, text_of<sql::count_rows<Path>>(), p, n);
        return static_cast<std::size_t>(n);
    }
    template <class E, class Path>
    void enter(Path const&, int) {}
    template <class E, class Path>
    void remove(Path const& p, int) {
        result.add(Path::model::table, row_action::deleted, count(p));
    }
    template <class E, class Path>
    void step(Path const& p, int depth) {
        using P = typename E::policy;
        if constexpr (is_restrict_v<P>) {
            try {
                restricts.template step<E>(p, depth);
            } catch (delete_restriction_error const& e) {
                result.errors.push_back({E::owner::table, e.key, E::name, e.what()});
            }
        } else if constexpr (std::is_same_v<P, dependent::nullify>) {
            result.add(Path::model::table, row_action::nullified, count(p));
        } else if constexpr (!std::is_same_v<P, dependent::destroy_async>) {
            result.add(Path::model::table, row_action::deleted, count(p));
        }
    }
};

}  // namespace detail

/// Counts, per table, the rows destroy<Schema, T>(sql, key) would delete or nullify, and the
/// restrictions that would stop it (status restricted), without changing anything.
template <class Schema, class T, class Key>
destroy_result dry_run(soci::session& sql, Key const& key) {
    static_assert(check_schema<Schema>::ok, "cascade::dry_run: the schema is invalid (see the errors above)");
    destroy_result result;
    if constexpr (valid_schema<Schema>) {
        using M = detail::model_for_t<Schema, T>;
        static_assert(!std::is_void_v<M>, "cascade::dry_run<Schema, T>: T is not a model of the schema");
        detail::root_path<M> const root{static_cast<detail::key_db_t<M>>(key)};
        detail::key_db_t<M> found{};
        if (!detail::query_one(sql, detail::text_of<sql::lock_root<decltype(root), sql::dialect::sqlite>>(), root,
                               found)) {
            result.status = destroy_status::not_found;
            return result;
        }
        detail::dry_run_count<Schema> counter{sql, result};
        detail::walk<Schema, detail::walk_mode::sets, void>(counter, root, 0);
        if (!result.errors.empty()) result.status = destroy_status::restricted;
    }
    return result;
}

}  // namespace cascade
