#pragma once
// The decoder generated from the schema: (name, JSON payload) back to the typed job, to inspect it
// or perform it. An unknown name throws unknown_job; a bad payload throws malformed_job_payload.
#include <cascade/jobs/runtime.hpp>

namespace cascade {

template <class Schema>
struct job_decoder {
private:
    /// Named first: a schema that breaks a rule (two associations of one name, whose jobs share a
    /// name) is reported here, and the decoder is built on the empty schema (see checked_schema_t).
    using checked = checked_schema_t<Schema>;

public:
    /// Calls f(job) with the typed job named `name`.
    template <class F>
    static void visit(std::string_view name, std::string_view payload, F&& f) {
        bool found = false;
        detail::for_each_type<detail::async_edges_t<checked>>([&]<class E>() {
            using job_t = destroy_association_job_for<checked, E>;
            if (!found && job_t::name == name) {
                found = true;
                f(job_t::from_json(payload));
            }
        });
        if (!found) throw unknown_job(name);
    }
    /// Hands the decoded job to the runtime's executor.
    template <class Runtime>
    static void enqueue(std::string_view name, std::string_view payload, Runtime& runtime) {
        visit(name, payload, [&](auto job) { runtime.enqueue(std::move(job)); });
    }
    /// Performs the decoded job now on `sql`.
    template <class Runtime>
    static job_report perform(std::string_view name, std::string_view payload, Runtime& runtime, soci::session& sql) {
        job_report r;
        visit(name, payload, [&](auto const& job) { r = runtime.perform(job, sql); });
        return r;
    }
    /// The names of every job type of the schema.
    static std::vector<std::string_view> names() {
        std::vector<std::string_view> out;
        detail::for_each_type<detail::async_edges_t<checked>>(
            [&]<class E>() { out.push_back(destroy_association_job_for<checked, E>::name); });
        return out;
    }
};

}  // namespace cascade
