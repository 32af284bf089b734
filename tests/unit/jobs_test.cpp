// Typed jobs without a database: names, the JSON round trip, the decoder generated from the schema,
// and its bad input (unknown names, malformed payloads, random bytes): always a typed error.
#include <boost/test/unit_test.hpp>

#include <cascade/jobs.hpp>
#include <cascade/postgresql.hpp>
#include <cascade/sqlite.hpp>

#include <random>

namespace c = cascade;
namespace d = cascade::dependent;

namespace jobs_unit {
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id), (std::string, code)); };
struct Child { BOOST_HANA_DEFINE_STRUCT(Child, (std::int64_t, id), (std::optional<std::int64_t>, owner_id)); };
struct Tagged { BOOST_HANA_DEFINE_STRUCT(Tagged, (std::string, uuid), (std::optional<std::string>, owner_code)); };
struct schema : c::schema<c::model<Owner, "owners", c::has_many<Child, &Child::owner_id, d::destroy_async>,
                                   c::has_many<Tagged, &Tagged::owner_code, d::destroy_async, c::primary_key<&Owner::code>,
                                               c::snapshot_ids<2>>>,
                          c::model<Child, "children">, c::model<Tagged, "tagged", c::primary_key<&Tagged::uuid>>> {};
using children_job = c::destroy_association_job<schema, Owner, "children">;
using tagged_job = c::destroy_association_job<schema, Owner, "tagged">;
}  // namespace jobs_unit
using namespace jobs_unit;

BOOST_AUTO_TEST_SUITE(jobs)

BOOST_AUTO_TEST_CASE(a_job_type_per_owner_and_association_with_a_stable_name) {
    static_assert(!std::is_same_v<children_job, tagged_job>);
    BOOST_TEST(children_job::name == "owners.children");
    BOOST_TEST(tagged_job::name == "owners.tagged");
    BOOST_TEST(children_job::snapshot_batch == 0u);
    BOOST_TEST(tagged_job::snapshot_batch == 2u);
    auto names = c::job_decoder<schema>::names();
    BOOST_TEST(names.size() == 2u);
}

BOOST_AUTO_TEST_CASE(jobs_round_trip_through_json) {
    children_job a{42, 42, {}};
    BOOST_TEST(a.to_json() == R"({"owner_key":42,"owner_value":42})");
    BOOST_TEST((children_job::from_json(a.to_json()) == a));
    tagged_job b{7, "x\"'; DROP TABLE tagged; --", {"u-1", "u-2"}};
    BOOST_TEST((tagged_job::from_json(b.to_json()) == b));
    bool visited = false;
    c::job_decoder<schema>::visit("owners.tagged", b.to_json(), [&](auto const& job) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(job)>, tagged_job>) visited = job == b;
    });
    BOOST_TEST(visited);
}

BOOST_AUTO_TEST_CASE(range_jobs_round_trip_through_json) {
    // The jobs a large job fans out into carry a key range (after, upto], each bound optional.
    static_assert(children_job::ranged);
    static_assert(!tagged_job::ranged);  // text keys (and snapshot mode) take no range
    children_job const middle{42, 42, {}, 1000, 2000};
    BOOST_TEST(middle.to_json() == R"({"owner_key":42,"owner_value":42,"after":1000,"upto":2000})");
    BOOST_TEST((children_job::from_json(middle.to_json()) == middle));
    children_job const first{42, 42, {}, std::nullopt, 1000}, last{42, 42, {}, 2000, std::nullopt};
    BOOST_TEST(first.to_json() == R"({"owner_key":42,"owner_value":42,"upto":1000})");
    BOOST_TEST(last.to_json() == R"({"owner_key":42,"owner_value":42,"after":2000})");
    BOOST_TEST((children_job::from_json(first.to_json()) == first));
    BOOST_TEST((children_job::from_json(last.to_json()) == last));
    BOOST_TEST(!(first == last));
    BOOST_TEST(!(first == children_job{42, 42, {}}));
    bool visited = false;
    c::job_decoder<schema>::visit("owners.children", middle.to_json(), [&](auto const& job) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(job)>, children_job>) visited = job == middle;
    });
    BOOST_TEST(visited);
}

BOOST_AUTO_TEST_CASE(malformed_ranges_are_typed_errors) {
    for (char const* bad : {R"({"owner_key":1,"owner_value":1,"after":5,"upto":5})",
                            R"({"owner_key":1,"owner_value":1,"after":6,"upto":5})",
                            R"({"owner_key":1,"owner_value":1,"after":"5"})", R"({"owner_key":1,"owner_value":1,"upto":1.5})",
                            R"({"owner_key":1,"owner_value":1,"after":null})",
                            R"({"owner_key":1,"owner_value":1,"upto":18446744073709551615})",
                            R"({"owner_key":1,"owner_value":1,"ids":[1],"after":0})"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(children_job::from_json(bad), c::malformed_job_payload);
        }
    }
    // A text key takes no range: its order in the database's collation is not C++'s.
    BOOST_CHECK_THROW(tagged_job::from_json(R"({"owner_key":1,"owner_value":"x","after":"a"})"), c::malformed_job_payload);
    BOOST_CHECK_THROW(tagged_job::from_json(R"({"owner_key":1,"owner_value":"x","upto":"b"})"), c::malformed_job_payload);
    // Built in C++, the same ranges are refused when performed (check_range).
    BOOST_CHECK_THROW((children_job{1, 1, {}, 5, 5}.check_range()), c::malformed_job_payload);
    BOOST_CHECK_THROW((tagged_job{1, "x", {}, "a", std::nullopt}.check_range()), c::malformed_job_payload);
    BOOST_CHECK_NO_THROW((children_job{1, 1, {}, 4, 5}.check_range()));
}

BOOST_AUTO_TEST_CASE(an_unknown_name_is_a_typed_error) {
    BOOST_CHECK_EXCEPTION(c::job_decoder<schema>::visit("owners.nope", "{}", [](auto const&) {}), c::unknown_job,
                          [](c::unknown_job const& e) { return e.name == "owners.nope"; });
}

BOOST_AUTO_TEST_CASE(malformed_payloads_are_typed_errors) {
    for (char const* bad : {"", "[]", "42", "{", R"({"owner_key":1})", R"({"owner_key":"1","owner_value":1})",
                            R"({"owner_key":1,"owner_value":1.5})", R"({"owner_key":1,"owner_value":1,"ids":{}})",
                            R"({"owner_key":18446744073709551615,"owner_value":1})", "\xff\xfe"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(c::job_decoder<schema>::visit("owners.children", bad, [](auto const&) {}), c::malformed_job_payload);
        }
    }
    BOOST_CHECK_THROW(c::job_decoder<schema>::visit("owners.tagged", R"({"owner_key":1,"owner_value":2})", [](auto const&) {}),
                      c::malformed_job_payload);
}

BOOST_AUTO_TEST_CASE(random_bytes_never_escape_as_anything_but_a_typed_error) {
    std::mt19937 random(20261125);
    std::uniform_int_distribution<int> byte(0, 255), length(0, 64);
    std::string const prefix = R"({"owner_key":)";
    int typed = 0, decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string payload = i % 2 ? prefix : "";
        for (int n = length(random); n > 0; --n) payload += static_cast<char>(byte(random));
        try {
            c::job_decoder<schema>::visit(i % 3 ? "owners.children" : "owners.tagged", payload, [&](auto const&) { ++decoded; });
        } catch (c::error const&) {
            ++typed;
        }
    }
    BOOST_TEST(typed + decoded == 20000);
}

// The rule by which a job's batches follow their cost (async_options::max_batch_size), alone.
BOOST_AUTO_TEST_CASE(batch_sizes_double_when_quick_and_full_keep_in_between_shrink_in_proportion) {
    using namespace std::chrono_literals;
    auto const b = c::detail::batch_sizing::of(1000, 50000, 50ms);
    BOOST_TEST(b.within(0) == 1000);            // nothing learned yet: batch_size
    BOOST_TEST(b.within(1000000) == 50000);     // learned under a larger cap
    BOOST_TEST(b.after(1000, 10ms, 1000) == 2000);   // under a quarter of 50 ms, full: doubled
    BOOST_TEST(b.after(1000, 10ms, 499) == 1000);    // quick but less than half full: kept
    BOOST_TEST(b.after(1000, 10ms, 500) == 2000);    // half full is enough
    BOOST_TEST(b.after(40000, 10ms, 40000) == 50000);  // capped
    BOOST_TEST(b.after(4000, 20ms, 4000) == 4000);   // between a quarter and the whole target: kept
    BOOST_TEST(b.after(4000, 50ms, 4000) == 4000);   // at the target: kept
    BOOST_TEST(b.after(8000, 100ms, 8000) == 4000);  // twice the target: halved
    BOOST_TEST(b.after(40000, 200ms, 40000) == 10000);  // four times: a quarter
    BOOST_TEST(b.after(40000, 10s, 40000) == 5000);  // at most eightfold at once
    BOOST_TEST(b.after(1000, 10s, 1000) == 1000);    // never below batch_size
    BOOST_TEST(b.after_failure(8000) == 4000);
    BOOST_TEST(b.after_failure(1000) == 1000);
    // Off (the default): max_batch_size at most batch_size.
    auto const fixed = c::detail::batch_sizing::of(1000, 0, 50ms);
    BOOST_TEST(fixed.after(1000, 1ms, 1000) == 1000);
    BOOST_TEST(fixed.after(1000, 10s, 1000) == 1000);
    // Sizes beyond a long long mean no cap, not a negative size or a LIMIT 0.
    auto const huge = c::detail::batch_sizing::of(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max(), 50ms);
    BOOST_TEST(huge.least == std::numeric_limits<long long>::max());
    BOOST_TEST(huge.after(huge.least, 1ms, huge.least) == std::numeric_limits<long long>::max());
    auto const no_cap = c::detail::batch_sizing::of(1000, std::numeric_limits<std::size_t>::max(), 50ms);
    BOOST_TEST(no_cap.after(std::numeric_limits<long long>::max() - 1, 1ms, std::numeric_limits<long long>::max())
               == std::numeric_limits<long long>::max() - 1);  // no overflow when doubling
    BOOST_TEST(c::detail::batch_sizing::of(0, 0, 50ms).within(0) == 1);  // batch_size 0 is 1
}

BOOST_AUTO_TEST_SUITE_END()

// A session's backend finds its connector by name; one without is refused naming those compiled in.
BOOST_AUTO_TEST_CASE(a_backend_without_a_connector_is_refused_naming_the_ones_compiled_in) {
    auto const& all = cascade::detail::connectors::all();
    BOOST_TEST(all.find("sqlite3") == &cascade::sqlite::connector);
    BOOST_TEST(all.find("postgresql") == &cascade::postgresql::connector);
    BOOST_TEST(all.find("oracle") == nullptr);
    cascade::unsupported_backend const e("oracle", all.names());
    std::string const what = e.what();
    BOOST_TEST(what.find("'oracle'") != std::string::npos, what);
    BOOST_TEST(what.find("sqlite3") != std::string::npos, what);
    BOOST_TEST(what.find("postgresql") != std::string::npos, what);
    BOOST_TEST(what.find("<cascade/mysql.hpp>") != std::string::npos, what);
}
