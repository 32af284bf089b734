#pragma once
// The static cascade plan. A *path* is a type naming a set of rows of one model, reached from the
// destroyed row along associations; it writes its own SQL condition at compile time and, as an
// object, holds the runtime values that condition binds (the root key, batch bounds), in the order
// their placeholders appear:
//   root_path<M>           the row with key = :k
//   edge_path<P, E>        the rows E acts on (has_many, has_one, through's join rows) owned by P's rows
//   target_path<P, E>      the rows a belongs_to E of P's rows refers to
//   batch_path<P>          P's rows whose key lies in [lo, hi] (one page of loaded rows)
// Nesting these types is the plan: e.g. edge_path<edge_path<root_path<Author>, books>, chapters>
// is `"book_id" IN (SELECT "id" FROM "books" WHERE "author_id" = :p1)`.
#include <cascade/callbacks.hpp>
#include <cascade/schema_check.hpp>
#include <cascade/detail/static_string.hpp>
#include <cascade/sql/text.hpp>

#include <string>

namespace cascade {

namespace detail {

/// The type a value of member type T is exchanged with the database as.
template <class T>
struct db_type {
    static_assert(std::is_same_v<T, std::string> || std::is_floating_point_v<T> || std::is_integral_v<T>,
                  "cascade: supported column types are integers, bool, floating point, std::string and "
                  "std::optional of these");
    using type = T;
};
template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct db_type<T> { using type = long long; };
template <>
struct db_type<bool> { using type = int; };
template <>
struct db_type<float> { using type = double; };
template <class T>
struct db_type<std::optional<T>> : db_type<T> {};
template <class T>
using db_type_t = typename db_type<T>::type;

/// A value bound for a compile-time constant (scope values, polymorphic names), with static
/// storage so the database layer can bind it by reference.
template <auto Value>
struct constant {
    static auto const& get() {
        if constexpr (requires { Value.view(); }) {
            static const std::string s{Value.view()};
            return s;
        } else {
            static const db_type_t<decltype(Value)> v = static_cast<db_type_t<decltype(Value)>>(Value);
            return v;
        }
    }
};
template <std::string_view const& Name>
struct name_constant {
    static std::string const& get() {
        static const std::string s{Name};
        return s;
    }
};

template <class M>
using key_db_t = db_type_t<key_type_t<M>>;

template <class M>
inline constexpr bool needs_rows_v = [] {
    bool belongs_dependent = false;
    for_each_type<associations_t<M>>([&]<class A>() {
        if constexpr (std::is_same_v<typename A::kind, kind::belongs_to>)
            belongs_dependent = belongs_dependent || std::is_same_v<typename A::policy, dependent::destroy> ||
                                std::is_same_v<typename A::policy, dependent::delete_>;
    });
    bool async = false;
    for_each_type<associations_t<M>>([&]<class A>() {
        async = async || std::is_same_v<typename A::policy, dependent::destroy_async>;
    });
    // A destroy_async edge hands each destroyed row's key to a job: the rows are read for it.
    return has_callbacks_v<typename M::type> || belongs_dependent || async;
}();

// ---- paths -------------------------------------------------------------------------------------

/// A column's name, computed once per member.
template <auto Member>
inline constexpr std::string_view column_name_v = member_name<Member>();

/// A path's condition, frozen once per path type and reused by every statement and every child path
/// (which copy it instead of writing it again).
template <class Path>
struct where_of {
    static constexpr void write(auto& out) {
        int n = 0;
        Path::where(out, n);
    }
};
/// Appends Path's condition. Every path writes its parent's condition before any placeholder of its
/// own, so the frozen text, numbered from :p1, is right wherever it starts the placeholders.
template <class Path>
constexpr void append_where_of(auto& out, int& n) {
    // The frozen text numbers its placeholders from 1: it may only start a statement's placeholders.
    if (n != 0) throw "cascade: a path's condition must come before any other placeholder";
    out += text_of<where_of<Path>>();
    n += Path::placeholders;
}

template <class M, auto KeyMember = primary_key_of<M>>
struct root_path {
    using model = M;
    static constexpr bool is_root = true;
    static constexpr std::string_view key_column = member_name<KeyMember>();
    db_type_t<unwrap_optional_t<typename member_traits<KeyMember>::type>> key;

    static constexpr int placeholders = 1;
    static constexpr void where(auto& out, int& n) {
        sql::append_identifier(out, key_column);
        out += " = ";
        sql::append_placeholder(out, n);
    }
    /// The bare placeholder, for children that compare their foreign key to the key directly.
    static constexpr void where_key(auto& out, int& n) { sql::append_placeholder(out, n); }
    template <class F>
    void bind(F&& f) const { f(key); }
};

template <class Scopes, class Acted>
struct scope_text;
template <class Acted, class... Ws>
struct scope_text<list<Ws...>, Acted> {
    static constexpr int placeholders = sizeof...(Ws);
    static constexpr void append(auto& out, int& n) {
        ((out += " AND ", sql::append_identifier(out, column_name_v<where_traits<Ws>::member>), out += " = ",
          sql::append_placeholder(out, n)),
         ...);
    }
    template <class F>
    static void bind(F& f) { (f(constant<where_traits<Ws>::value>::get()), ...); }
};

template <class Parent, class E>
struct edge_path {
    using model = typename E::acted;
    using edge = E;
    static constexpr bool is_root = false;
    Parent const& parent;

    /// Children of the root that refer to its key compare with the key itself, no subquery.
    static constexpr bool direct = [] {
        if constexpr (Parent::is_root) return Parent::key_column == E::ref_column;
        else return false;
    }();

    static constexpr int placeholders = (direct ? 1 : Parent::placeholders) + (E::polymorphic ? 1 : 0) +
                                        scope_text<typename E::scopes, model>::placeholders;

    static constexpr void where(auto& out, int& n) {
        using P = typename Parent::model;
        sql::append_identifier(out, E::fk_column);
        if constexpr (direct) {
            out += " = ";
            Parent::where_key(out, n);
        } else {
            out += " IN (SELECT ";
            sql::append_identifier(out, E::ref_column);
            out += " FROM ";
            sql::append_identifier(out, P::table);
            out += " WHERE ";
            append_where_of<Parent>(out, n);
            out += ")";
        }
        if constexpr (E::polymorphic) {
            out += " AND ";
            sql::append_identifier(out, column_name_v<E::type_member>);
            out += " = ";
            sql::append_placeholder(out, n);
        }
        if constexpr (E::through) {
            if constexpr (E::scopes::size > 0) {
                // A scope on a through association is a condition on the target: keep the join rows
                // whose target satisfies it.
                out += " AND ";
                sql::append_identifier(out, column_name_v<E::source_member>);
                out += " IN (SELECT ";
                sql::append_identifier(out, primary_key_column<typename E::target>);
                out += " FROM ";
                sql::append_identifier(out, E::target::table);
                out += " WHERE 1 = 1";
                scope_text<typename E::scopes, typename E::target>::append(out, n);
                out += ")";
            }
        } else {
            scope_text<typename E::scopes, model>::append(out, n);
        }
    }
    template <class F>
    void bind(F&& f) const {
        parent.bind(f);
        if constexpr (E::polymorphic) f(name_constant<polymorphic_name_of<typename E::owner>>::get());
        scope_text<typename E::scopes, model>::bind(f);
    }
};

template <class Parent, class E>
struct target_path {
    using model = typename E::target;
    using edge = E;
    static constexpr bool is_root = false;
    Parent const& parent;

    static constexpr int placeholders = Parent::placeholders + scope_text<typename E::scopes, model>::placeholders;
    static constexpr void where(auto& out, int& n) {
        sql::append_identifier(out, E::ref_column);
        out += " IN (SELECT ";
        sql::append_identifier(out, E::fk_column);
        out += " FROM ";
        sql::append_identifier(out, Parent::model::table);
        out += " WHERE ";
        append_where_of<Parent>(out, n);
        out += ")";
        scope_text<typename E::scopes, model>::append(out, n);
    }
    template <class F>
    void bind(F&& f) const {
        parent.bind(f);
        scope_text<typename E::scopes, model>::bind(f);
    }
};

/// The targets a has_many_through E reaches from Parent's rows through the join rows (for
/// destroy_async_targets): `"id" IN (SELECT "tag_id" FROM "taggings" WHERE <the join rows>)`.
template <class Parent, class E>
struct through_targets_path {
    using model = typename E::target;
    using edge = E;
    static constexpr bool is_root = false;
    Parent const& parent;

    static constexpr int placeholders = edge_path<Parent, E>::placeholders;
    static constexpr void where(auto& out, int& n) {
        sql::append_identifier(out, primary_key_column<model>);
        out += " IN (SELECT ";
        sql::append_identifier(out, column_name_v<E::source_member>);
        out += " FROM ";
        sql::append_identifier(out, E::acted::table);
        out += " WHERE ";
        append_where_of<edge_path<Parent, E>>(out, n);
        out += ")";
    }
    template <class F>
    void bind(F&& f) const {
        edge_path<Parent, E>{parent}.bind(f);
    }
};

template <class Parent>
struct batch_path {
    using model = typename Parent::model;
    static constexpr bool is_root = false;
    Parent const& parent;
    key_db_t<model> lo;
    key_db_t<model> hi;

    static constexpr int placeholders = Parent::placeholders + 2;
    static constexpr void where(auto& out, int& n) {
        append_where_of<Parent>(out, n);
        out += " AND ";
        sql::append_identifier(out, primary_key_column<model>);
        out += " >= ";
        sql::append_placeholder(out, n);
        out += " AND ";
        sql::append_identifier(out, primary_key_column<model>);
        out += " <= ";
        sql::append_placeholder(out, n);
    }
    template <class F>
    void bind(F&& f) const {
        parent.bind(f);
        f(lo);
        f(hi);
    }
};

}  // namespace detail
}  // namespace cascade
