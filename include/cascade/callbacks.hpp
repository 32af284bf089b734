#pragma once
// Model callbacks, found on the struct itself, Rails-style:
//   bool before_destroy(cascade::destroy_context const&)   (or void; false aborts and rolls back)
//   void after_destroy(cascade::destroy_context const&)
//   void after_commit(cascade::destroy_context const&)      after the transaction commits
//   void after_rollback(cascade::destroy_context const&)    after it rolls back
// Each may also be declared without the context. Whether a model has any is known at compile time,
// and decides whether its rows are ever loaded.
#include <string_view>
#include <type_traits>

namespace soci { class session; }

namespace cascade {

/// Which association destroyed the row (Rails' `destroyed_by_association`).
struct association_info {
    std::string_view owner_table;
    std::string_view name;
    std::string_view kind;
    std::string_view policy;
};

/// What a callback is told: the session of the destroy and the association that reached the row
/// (null for the row `destroy` was called on).
struct destroy_context {
    soci::session& session;
    association_info const* destroyed_by_association = nullptr;
};

/// Thrown by a before_destroy callback to abort the destroy (Rails' `throw :abort`); returning
/// false does the same.
struct abort_destroy {};

namespace detail {

template <class T>
concept has_before_destroy = requires(T& t, destroy_context const& c) { t.before_destroy(c); } ||
                             requires(T& t) { t.before_destroy(); };
template <class T>
concept has_after_destroy = requires(T& t, destroy_context const& c) { t.after_destroy(c); } ||
                            requires(T& t) { t.after_destroy(); };
template <class T>
concept has_after_commit = requires(T& t, destroy_context const& c) { t.after_commit(c); } ||
                           requires(T& t) { t.after_commit(); };
template <class T>
concept has_after_rollback = requires(T& t, destroy_context const& c) { t.after_rollback(c); } ||
                             requires(T& t) { t.after_rollback(); };

template <class T>
inline constexpr bool has_callbacks_v =
    has_before_destroy<T> || has_after_destroy<T> || has_after_commit<T> || has_after_rollback<T>;

/// Runs before_destroy; false when it asked to abort.
template <class T>
bool run_before_destroy(T& row, destroy_context const& c) {
    if constexpr (requires { row.before_destroy(c); }) {
        if constexpr (std::is_convertible_v<decltype(row.before_destroy(c)), bool>) return row.before_destroy(c);
        else { row.before_destroy(c); return true; }
    } else if constexpr (requires { row.before_destroy(); }) {
        if constexpr (std::is_convertible_v<decltype(row.before_destroy()), bool>) return row.before_destroy();
        else { row.before_destroy(); return true; }
    } else {
        return true;
    }
}

#define CASCADE_DETAIL_RUN_VOID_CALLBACK(NAME)                                  \
    template <class T>                                                           \
    void run_##NAME(T& row, destroy_context const& c) {                          \
        if constexpr (requires { row.NAME(c); }) row.NAME(c);                    \
        else if constexpr (requires { row.NAME(); }) row.NAME();                 \
    }
CASCADE_DETAIL_RUN_VOID_CALLBACK(after_destroy)
CASCADE_DETAIL_RUN_VOID_CALLBACK(after_commit)
CASCADE_DETAIL_RUN_VOID_CALLBACK(after_rollback)
#undef CASCADE_DETAIL_RUN_VOID_CALLBACK

}  // namespace detail
}  // namespace cascade
