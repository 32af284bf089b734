#pragma once
// A property every schema must have: the dry run reports, per table, exactly the rows the destroy then
// deletes and nullifies, and the same outcome. For any schema: its tables are made from the models'
// members, filled with random rows whose foreign keys refer to random rows of the models their
// associations name (or to nothing), and every model in turn is destroyed from a random row, its dry
// run taken just before.
#include "database.hpp"

#include <cascade/jobs.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>

#include <map>
#include <random>
#include <set>

namespace test {

namespace property {

namespace detail = cascade::detail;

template <class T>
std::string column_type() {
    using U = detail::unwrap_optional_t<T>;
    if constexpr (std::is_same_v<U, bool>) return "BOOLEAN";
    else if constexpr (std::is_integral_v<U>) return "BIGINT";
    else if constexpr (std::is_floating_point_v<U>) return is_postgresql() ? "DOUBLE PRECISION" : "REAL";
    else return "TEXT";
}

/// A column's values: the rows' own, or the values of the columns it refers to.
struct column_plan {
    std::vector<std::pair<int, std::string_view>> refers_to;  ///< (model, column) a foreign key may hold
    std::vector<std::string> choices;                          ///< literal values to pick from (types, scopes)
};

template <class Schema>
struct filler {
    detail::graph const& g = detail::graph_of<Schema>;
    std::mt19937& rng;
    int rows;
    /// The SQL literal of every row's value of every column, per model.
    std::vector<std::map<std::string_view, std::vector<std::string>>> values{};

    std::string literal(long long v) const { return std::to_string(v); }
    std::string literal(std::string const& v) const { return "'" + v + "'"; }

    template <class M>
    void create(database& db) {
        std::string ddl = "CREATE TABLE \"" + std::string(M::table) + "\" (";
        bool first = true;
        boost::hana::for_each(boost::hana::accessors<typename M::type>(), [&](auto pair) {
            using member_t = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<typename M::type&>()))>;
            std::string const name = boost::hana::to<char const*>(boost::hana::first(pair));
            if (!first) ddl += ", ";
            first = false;
            ddl += name + " " + column_type<member_t>();
            if (name == detail::primary_key_column<M>) ddl += " PRIMARY KEY";
            else if (!detail::is_optional_v<member_t>) ddl += " NOT NULL";
        });
        db.exec(ddl + ")");
    }

    /// Every column's plan for model m: what refers where, from the schema's associations.
    std::map<std::string_view, column_plan> plans(int m) const {
        std::map<std::string_view, column_plan> out;
        for (auto const& e : g.edges) {
            if (e.has_side() && e.acted == m) {
                out[e.fk].refers_to.emplace_back(e.owner, e.ref);
                if (e.polymorphic) {
                    out[e.type_column].choices.push_back(constant_literal(g.constants[static_cast<std::size_t>(g.model(e.owner).polymorphic_constant)]));
                    out[e.type_column].choices.push_back("'Other'");
                }
                if (e.kind == detail::association_kind::has_many_through) out[e.source].refers_to.emplace_back(e.target, g.model(e.target).key);
            }
            if (!e.has_side() && e.owner == m) out[e.fk].refers_to.emplace_back(e.target, e.ref);
            // scopes: half the rows in scope
            auto const scoped = e.kind == detail::association_kind::has_many_through ? e.target : e.has_side() ? e.acted : e.target;
            if (scoped == m)
                for (auto const& s : g.scopes_of(e)) out[s.column].choices.push_back(constant_literal(g.constants[static_cast<std::size_t>(s.constant)]));
        }
        return out;
    }
    static std::string quoted(std::string const& s) {
        std::string out = "'";
        for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
        return out + "'";
    }
    std::string constant_literal(detail::constant_data const& c) const {
        switch (c.tag) {
            case detail::value_tag::text: return quoted(*static_cast<std::string const*>(c.address()));
            case detail::value_tag::small_integer: return std::to_string(*static_cast<int const*>(c.address()));
            case detail::value_tag::integer: return std::to_string(*static_cast<long long const*>(c.address()));
            case detail::value_tag::real: return std::to_string(*static_cast<double const*>(c.address()));
        }
        return "NULL";
    }

    /// Fills model M's table; models are filled in order, so references point at rows made before or
    /// at own-key values (made first, column by column).
    template <class M>
    void fill(database& db, int m) {
        auto const plan = plans(m);
        auto& own = values[static_cast<std::size_t>(m)];
        // Own values first: every column that others may refer to gets distinct values.
        boost::hana::for_each(boost::hana::accessors<typename M::type>(), [&](auto pair) {
            using member_t = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<typename M::type&>()))>;
            using U = detail::unwrap_optional_t<member_t>;
            std::string_view const name = boost::hana::to<char const*>(boost::hana::first(pair));
            auto& col = own[name];
            col.clear();
            auto const it = plan.find(name);
            for (int r = 0; r < rows; ++r) {
                bool const key = name == detail::primary_key_column<M>;
                std::string v;
                if (!key && it != plan.end() && !it->second.refers_to.empty()) {
                    v = "";  // filled below, once every model has its own values
                } else if (std::is_same_v<U, bool>) {
                    v = rng() % 2 ? "TRUE" : "FALSE";  // a scope on a flag: half the rows in it
                } else if (!key && it != plan.end() && !it->second.choices.empty()) {
                    v = it->second.choices[rng() % it->second.choices.size()];
                    if (rng() % 3 == 0) v = std::is_integral_v<U> ? "7777" : "'other'";
                } else if constexpr (std::is_same_v<U, bool>) {
                    v = rng() % 2 ? "TRUE" : "FALSE";
                } else if constexpr (std::is_integral_v<U>) {
                    v = std::to_string(key ? r + 1 : static_cast<int>(rng() % static_cast<unsigned>(rows)) + 1);
                } else if constexpr (std::is_floating_point_v<U>) {
                    v = std::to_string(r) + ".5";
                } else {
                    // text: distinct per row, so a text column can be a key or a referenced value
                    v = "'v" + std::to_string(r + 1) + "'";
                }
                col.push_back(v);
            }
        });
        (void)db;
    }

    /// The foreign keys: each a value of a row of a model it may refer to, or NULL (when nullable).
    template <class M>
    void link(int m) {
        auto const plan = plans(m);
        auto& own = values[static_cast<std::size_t>(m)];
        boost::hana::for_each(boost::hana::accessors<typename M::type>(), [&](auto pair) {
            using member_t = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<typename M::type&>()))>;
            std::string_view const name = boost::hana::to<char const*>(boost::hana::first(pair));
            auto const it = plan.find(name);
            if (it == plan.end() || it->second.refers_to.empty() || name == detail::primary_key_column<M>) return;
            for (auto& v : own[name]) {
                if (detail::is_optional_v<member_t> && rng() % 4 == 0) {
                    v = "NULL";
                    continue;
                }
                auto const& [model, column] = it->second.refers_to[rng() % it->second.refers_to.size()];
                auto const& target = values[static_cast<std::size_t>(model)][column];
                v = target[rng() % target.size()];
            }
        });
    }

    template <class M>
    void insert(database& db, int m) {
        auto& own = values[static_cast<std::size_t>(m)];
        std::vector<std::string_view> names;
        boost::hana::for_each(boost::hana::accessors<typename M::type>(),
                              [&](auto pair) { names.emplace_back(boost::hana::to<char const*>(boost::hana::first(pair))); });
        for (int r = 0; r < rows; ++r) {
            std::string sql = "INSERT INTO \"" + std::string(M::table) + "\" VALUES (";
            for (std::size_t c = 0; c < names.size(); ++c) sql += (c ? ", " : "") + own[names[c]][static_cast<std::size_t>(r)];
            db.exec(sql + ")");
        }
    }
};

template <class Schema, class Models = typename Schema::models>
struct run;
template <class Schema, class... Ms>
struct run<Schema, detail::list<Ms...>> {
    static void build(database& db, filler<Schema>& f) {
        f.values.resize(sizeof...(Ms));
        (f.template create<Ms>(db), ...);
        int m = 0;
        ((f.template fill<Ms>(db, m++)), ...);
        m = 0;
        ((f.template link<Ms>(m++)), ...);
        m = 0;
        ((f.template insert<Ms>(db, m++)), ...);
    }
};

inline std::string describe(cascade::destroy_result const& r) {
    std::string out = std::string(cascade::to_string(r.status)) + ":";
    std::map<std::string, std::pair<std::size_t, std::size_t>> t;
    for (auto const& c : r.counts) {
        auto& slot = t[std::string(c.table)];
        (c.action == cascade::row_action::deleted ? slot.first : slot.second) += c.rows;
    }
    for (auto const& [table, n] : t)
        if (n.first || n.second) out += " " + table + " -" + std::to_string(n.first) + " ~" + std::to_string(n.second);
    return out;
}

template <class Schema, class M>
void destroy_one(database& db, filler<Schema>& f, int m) {
    auto const& keys = f.values[static_cast<std::size_t>(m)][detail::primary_key_column<M>];
    std::string const literal = keys[f.rng() % keys.size()];
    using key_t = detail::key_db_t<M>;
    key_t key{};
    if constexpr (std::is_same_v<key_t, std::string>) key = literal.substr(1, literal.size() - 2);
    else key = static_cast<key_t>(std::stoll(literal));
    auto const preview = cascade::dry_run<Schema, typename M::type>(*db, key);
    cascade::destroy_result done;
    try {
        if constexpr (detail::reach_of<Schema>[detail::model_index_v<Schema, typename M::type>].async) {
            cascade::deferred_executor q;
            cascade::async_runtime<Schema, cascade::deferred_executor, cascade::shared_session> jobs(q, cascade::shared_session{*db});
            done = cascade::destroy<Schema, typename M::type>(*db, key, jobs);
        } else {
            done = cascade::destroy<Schema, typename M::type>(*db, key);
        }
    } catch (cascade::delete_restriction_error const&) {
        done.status = cascade::destroy_status::restricted;
        done.counts.clear();
    }
    if (done.status == cascade::destroy_status::restricted) done.counts.clear();
    auto expected = preview;
    if (expected.status == cascade::destroy_status::restricted) expected.counts.clear();
    BOOST_TEST_MESSAGE(M::table << " " << literal << ": " << describe(done));
    BOOST_TEST(describe(expected) == describe(done), M::table << " " << literal);
}

template <class Schema, class Models = typename Schema::models>
struct each_root;
template <class Schema, class... Ms>
struct each_root<Schema, detail::list<Ms...>> {
    static void destroy(database& db, filler<Schema>& f) {
        int m = 0;
        ((destroy_one<Schema, Ms>(db, f, m++)), ...);
    }
};

}  // namespace property

/// For `trials` random databases of Schema: each model destroyed from a random row, its dry run
/// taken just before, the two compared table by table.
template <class Schema>
void check_dry_run_matches_destroy(int trials = 3, int rows = 20) {
    std::mt19937 rng(20261126);
    for (int t = 0; t < trials; ++t) {
        database db;
        property::filler<Schema> f{cascade::detail::graph_of<Schema>, rng, rows};
        property::run<Schema>::build(db, f);
        property::each_root<Schema>::destroy(db, f);
    }
}

}  // namespace test
