#pragma once
// The typed job of a destroy_async association: one type per (owner model, association),
//   cascade::destroy_association_job<Schema, Author, "books">
// a plain struct holding the owner's key, the value its dependents' foreign key holds, in
// snapshot mode the keys of its batch, and in a job a large one fanned out into, its key range. It round-trips to a stable name ("authors.books") and a JSON
// payload. Performing it (jobs/runtime.hpp) runs the plan of its dependents' model.
#include <cascade/schema_check.hpp>
#include <cascade/jobs/errors.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace cascade {

namespace detail {

template <class E>
struct is_async_edge : std::bool_constant<E::policy::action == policy_action::defer> {};

template <class Schema, class Models>
struct async_edges_in;
template <class Schema, class... Ms>
struct async_edges_in<Schema, list<Ms...>> {
    using type = concat_t<filter_t<is_async_edge, edges_t<Schema, Ms>>...>;
};
/// Every destroy_async edge of the schema: the job types it has.
template <class Schema>
struct async_edges_of {
    using type = typename async_edges_in<Schema, typename Schema::models>::type;
};
template <class Schema>
using async_edges_t = typename async_edges_of<Schema>::type;

template <class Edges, fixed_string Name>
struct edge_named { using type = void; };
template <class E, class... Es, fixed_string Name>
struct edge_named<list<E, Es...>, Name>
    : std::conditional_t<E::name == Name.view(), std::type_identity<E>, edge_named<list<Es...>, Name>> {};

template <class E>
using job_value_t = member_db_t<job_value_member<E>>;

/// The model whose rows a job of E destroys: the target of a belongs_to or of destroy_async_targets,
/// else the rows E acts on (the join rows of a through).
template <class E>
using job_dependent_t = std::conditional_t<E::belongs || (E::through && E::destroys_targets), typename E::target, typename E::acted>;

template <class E>
struct job_name {
    static constexpr void write(auto& out) {
        out += E::owner::table;
        out += '.';
        out += E::name;
    }
};

template <class T>
boost::json::value key_to_json(T const& v) {
    return boost::json::value(v);
}
template <class T>
T key_from_json(boost::json::value const& v, std::string_view job, char const* field) {
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) throw malformed_job_payload(job, std::string(field) + " must be a string");
        std::string s(v.as_string());
        // SOCI's PostgreSQL backend would cut it at the NUL: "a\u0000b" must not become "a".
        if (s.find('\0') != std::string::npos) throw malformed_job_payload(job, std::string(field) + " contains a NUL byte");
        return s;
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!v.is_number()) throw malformed_job_payload(job, std::string(field) + " must be a number");
        return v.to_number<T>();
    } else {
        if (v.is_int64() && v.as_int64() >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
            v.as_int64() <= static_cast<std::int64_t>(std::numeric_limits<T>::max()))
            return static_cast<T>(v.as_int64());
        if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
            return static_cast<T>(v.as_uint64());
        throw malformed_job_payload(job, std::string(field) + " must be an integer in range");
    }
}

}  // namespace detail

/// The job of destroy_async edge E (see destroy_association_job below for the name users write).
template <class Schema, class E>
struct destroy_association_job_for {
    using schema = Schema;
    using edge = E;
    static_assert(E::policy::action == policy_action::defer,
                  "cascade::destroy_association_job: the association is not dependent::destroy_async");
    using owner_model = typename edge::owner;
    using dependent_model = detail::job_dependent_t<E>;
    using owner_key_type = detail::key_db_t<owner_model>;
    using value_type = detail::job_value_t<edge>;
    using dependent_key_type = detail::key_db_t<dependent_model>;

    /// The stable name: "<owner table>.<association>".
    static constexpr std::string_view name = detail::text_of<detail::job_name<edge>>();
    /// Snapshot mode's keys per job; 0 in the default mode.
    static constexpr std::size_t snapshot_batch = edge::snapshot_batch;
    /// Whether a job may be limited to a key range of its dependents (and a large one fan out into
    /// such jobs): a default-mode job walking the rows it acts on by key, whose key is an integer
    /// (text keys sort by the database's collation, which C++ cannot tell).
    static constexpr bool ranged = snapshot_batch == 0 && !edge::belongs && !(edge::through && edge::destroys_targets) &&
                                   std::is_integral_v<dependent_key_type>;
    /// The named queue (`cascade::queue<"...">`, default "default") and the priority
    /// (`cascade::priority<N>`, default 0, smaller first) the durable queue writes its rows with.
    static constexpr std::string_view queue = edge::queue_name;
    static constexpr int priority = edge::priority;

    owner_key_type owner_key{};
    /// What the dependents' foreign key holds (the owner's referenced column; for belongs_to, the
    /// destroyed row's foreign key).
    value_type owner_value{};
    /// Snapshot mode: the dependents this job destroys. Empty in the default mode, where the job
    /// finds them when it runs.
    std::vector<dependent_key_type> ids;
    /// A range job (made when a large job fans out, see async_options::fan_out_rows): only the
    /// dependents whose key is in (after, upto]; none is open (from the start, to the end).
    std::optional<dependent_key_type> after{};
    std::optional<dependent_key_type> upto{};

    friend bool operator==(destroy_association_job_for const&, destroy_association_job_for const&) = default;

    std::string to_json() const {
        boost::json::object o;
        o["owner_key"] = detail::key_to_json(owner_key);
        o["owner_value"] = detail::key_to_json(owner_value);
        if (!ids.empty()) {
            boost::json::array a;
            a.reserve(ids.size());
            for (auto const& id : ids) a.push_back(detail::key_to_json(id));
            o["ids"] = std::move(a);
        }
        if (after) o["after"] = detail::key_to_json(*after);
        if (upto) o["upto"] = detail::key_to_json(*upto);
        return boost::json::serialize(o);
    }
    /// Parses a payload written by to_json; anything else throws malformed_job_payload.
    static destroy_association_job_for from_json(std::string_view payload) {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(payload, ec);
        if (ec) throw malformed_job_payload(name, ec.message());
        if (!v.is_object()) throw malformed_job_payload(name, "not a JSON object");
        auto const& o = v.as_object();
        destroy_association_job_for job;
        auto const* key = o.if_contains("owner_key");
        auto const* value = o.if_contains("owner_value");
        if (!key || !value) throw malformed_job_payload(name, "owner_key and owner_value are required");
        job.owner_key = detail::key_from_json<owner_key_type>(*key, name, "owner_key");
        job.owner_value = detail::key_from_json<value_type>(*value, name, "owner_value");
        if (auto const* ids = o.if_contains("ids")) {
            if (!ids->is_array()) throw malformed_job_payload(name, "ids must be an array");
            for (auto const& id : ids->as_array()) job.ids.push_back(detail::key_from_json<dependent_key_type>(id, name, "ids"));
        }
        if (auto const* after = o.if_contains("after")) job.after = detail::key_from_json<dependent_key_type>(*after, name, "after");
        if (auto const* upto = o.if_contains("upto")) job.upto = detail::key_from_json<dependent_key_type>(*upto, name, "upto");
        job.check_range();
        return job;
    }
    /// A key range only on a ranged job, without ids, and not empty; else malformed_job_payload.
    void check_range() const {
        if (!after && !upto) return;
        if constexpr (!ranged) {
            throw malformed_job_payload(name, "a key range needs a default-mode job whose dependents have integer keys");
        } else {
            if (!ids.empty()) throw malformed_job_payload(name, "a key range and ids exclude each other");
            if (after && upto && !(*after < *upto)) throw malformed_job_payload(name, "an empty key range (after >= upto)");
        }
    }
};

namespace detail {
/// The schema is checked first (the default argument): a broken rule is reported by check_schema,
/// and the job type is then void.
template <class Schema, class Owner, fixed_string Association, bool Valid = check_schema<Schema>::ok>
struct named_job {
    using type = void;
};
template <class Schema, class Owner, fixed_string Association>
struct named_job<Schema, Owner, Association, true> {
    using model = model_for_t<Schema, Owner>;
    static_assert(!std::is_void_v<model>, "cascade::destroy_association_job: Owner is not a model of the schema");
    using edge = typename edge_named<edges_t<Schema, model>, Association>::type;
    static_assert(!std::is_void_v<edge>, "cascade::destroy_association_job: the owner has no association of that name");
    using type = destroy_association_job_for<Schema, edge>;
};
}  // namespace detail

/// The job type of Owner's destroy_async association named Association:
///   cascade::destroy_association_job<schema, Author, "books">
template <class Schema, class Owner, fixed_string Association>
using destroy_association_job = typename detail::named_job<Schema, Owner, Association>::type;

}  // namespace cascade
