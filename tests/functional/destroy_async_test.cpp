// destroy_async: the scenarios of Rails' activerecord/test/activejob/destroy_association_async_test.rb
// (has_many, has_one, belongs_to, has_many through, scoped through, custom primary keys, rollback
// enqueues nothing, no dependents enqueues nothing, ensuring_owner_was both ways), and more: nested
// jobs three levels deep, snapshot mode split into batches, an idempotent re-run after a job died
// half way, retries, the thread pool and a session pool.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/jobs.hpp>

#include <atomic>
#include <limits>
#include <sstream>

namespace c = cascade;
namespace d = cascade::dependent;

namespace async_models {

struct Writer {
    BOOST_HANA_DEFINE_STRUCT(Writer, (std::int64_t, id), (std::string, handle), (bool, deleted));
    bool is_deleted() const { return deleted; }
};
struct Essay {
    BOOST_HANA_DEFINE_STRUCT(Essay, (std::int64_t, id), (std::optional<std::int64_t>, writer_id), (std::string, title));
    static inline int fail_on = -1;  // before_destroy throws on this id (a job dying half way)
    static inline int failures_left = 0;
    void before_destroy() {
        if (id == fail_on && failures_left > 0) {
            --failures_left;
            throw std::runtime_error("essay " + std::to_string(id) + " failed");
        }
    }
};
struct Footnote { BOOST_HANA_DEFINE_STRUCT(Footnote, (std::int64_t, id), (std::int64_t, essay_id)); };
struct Portrait { BOOST_HANA_DEFINE_STRUCT(Portrait, (std::int64_t, id), (std::optional<std::int64_t>, writer_id)); };
struct Draft {  // belongs_to a writer, destroy_async: destroying a draft destroys its writer later
    BOOST_HANA_DEFINE_STRUCT(Draft, (std::int64_t, id), (std::optional<std::int64_t>, writer_id));
};
struct Topic { BOOST_HANA_DEFINE_STRUCT(Topic, (std::int64_t, id), (bool, featured)); };
struct Tagging { BOOST_HANA_DEFINE_STRUCT(Tagging, (std::int64_t, id), (std::int64_t, essay_id), (std::optional<std::int64_t>, topic_id)); };
struct Pen {  // keyed by text, referred to by its writer's handle
    BOOST_HANA_DEFINE_STRUCT(Pen, (std::string, serial), (std::optional<std::string>, writer_handle));
};

struct schema
    : c::schema<
          c::model<Writer, "writers", c::has_many<Essay, &Essay::writer_id, d::destroy_async, c::ensuring_owner_was<&Writer::is_deleted>>,
                   c::has_one<Portrait, &Portrait::writer_id, d::destroy_async, c::ensuring_owner_was<&Writer::is_deleted>>,
                   c::has_many<Pen, &Pen::writer_handle, d::destroy_async, c::primary_key<&Writer::handle>>>,
          c::model<Essay, "essays", c::has_many<Footnote, &Footnote::essay_id, d::destroy>,
                   c::has_many_through<Topic, Tagging, &Tagging::essay_id, &Tagging::topic_id, d::destroy_async>,
                   c::has_many_through<Topic, Tagging, &Tagging::essay_id, &Tagging::topic_id, d::none,
                                       c::where<&Topic::featured, true>, c::name<"featured_topics">>>,
          c::model<Footnote, "footnotes">, c::model<Portrait, "portraits">,
          c::model<Draft, "drafts", c::belongs_to<Writer, &Draft::writer_id, d::destroy_async>>,
          c::model<Topic, "topics">, c::model<Tagging, "taggings">, c::model<Pen, "pens", c::primary_key<&Pen::serial>>> {};

using essays_job = c::destroy_association_job<schema, Writer, "essays">;
using portrait_job = c::destroy_association_job<schema, Writer, "portrait">;
using pens_job = c::destroy_association_job<schema, Writer, "pens">;
using writer_job = c::destroy_association_job<schema, Draft, "writer">;
using topics_job = c::destroy_association_job<schema, Essay, "topics">;

struct db : test::database {
    db() {
        exec("CREATE TABLE writers (id BIGINT PRIMARY KEY, handle TEXT NOT NULL, deleted BOOLEAN NOT NULL)");
        exec("CREATE TABLE essays (id BIGINT PRIMARY KEY, writer_id BIGINT, title TEXT NOT NULL)");
        exec("CREATE TABLE footnotes (id BIGINT PRIMARY KEY, essay_id BIGINT NOT NULL)");
        exec("CREATE TABLE portraits (id BIGINT PRIMARY KEY, writer_id BIGINT)");
        exec("CREATE TABLE drafts (id BIGINT PRIMARY KEY, writer_id BIGINT)");
        exec("CREATE TABLE topics (id BIGINT PRIMARY KEY, featured BOOLEAN NOT NULL)");
        exec("CREATE TABLE taggings (id BIGINT PRIMARY KEY, essay_id BIGINT NOT NULL, topic_id BIGINT)");
        exec("CREATE TABLE pens (serial TEXT PRIMARY KEY, writer_handle TEXT)");
        exec("INSERT INTO writers VALUES (1, 'ada', FALSE), (2, 'bob', FALSE), (3, 'cy', FALSE)");
        exec("INSERT INTO essays VALUES (10, 1, 'a'), (11, 1, 'b'), (20, 2, 'c')");
        exec("INSERT INTO footnotes VALUES (100, 10), (101, 10), (110, 11), (200, 20)");
        exec("INSERT INTO portraits VALUES (1, 1), (2, 2)");
        exec("INSERT INTO drafts VALUES (1, 2), (2, NULL)");
        exec("INSERT INTO topics VALUES (1, TRUE), (2, FALSE)");
        exec("INSERT INTO taggings VALUES (1, 10, 1), (2, 10, 2), (3, 20, 1)");
        exec("INSERT INTO pens VALUES ('p-1', 'ada'), ('p-2', 'ada'), ('p-3', 'bob')");
        Essay::fail_on = -1;
        Essay::failures_left = 0;
    }
};

using runtime = c::async_runtime<schema, c::deferred_executor, c::shared_session>;

}  // namespace async_models

using namespace async_models;

BOOST_AUTO_TEST_SUITE(destroy_async)

BOOST_AUTO_TEST_CASE(has_many_destroys_the_dependents_in_a_job_after_commit) {
    db db;
    c::deferred_executor jobs_queue;
    runtime jobs(jobs_queue, c::shared_session{*db});
    auto r = c::destroy<schema, Writer>(*db, 1, jobs);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("writers") == (ids{2, 3}), tt::per_element());
    // The request left the dependents for the jobs: one job per association that has dependents.
    BOOST_TEST(db.count("essays") == 3);
    BOOST_TEST(jobs_queue.size() == 3u);
    BOOST_TEST(jobs_queue.count("writers.essays") == 1u);
    auto const enqueued = jobs_queue.enqueued_jobs<essays_job>();
    BOOST_REQUIRE(enqueued.size() == 1u);
    BOOST_TEST(enqueued[0].owner_key == 1);
    BOOST_TEST(enqueued[0].ids.empty());  // the default mode carries no ids
    BOOST_TEST(jobs_queue.perform_enqueued_jobs() == 4u);  // 3 + the topics job of essay 10
    BOOST_TEST(db.ids("essays") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("footnotes") == (ids{200}), tt::per_element());  // the essays' own cascade ran
    BOOST_TEST(db.count("portraits") == 1);
    BOOST_TEST(db.count("pens") == 1);  // custom primary key: pens refer to the writer's handle
}

BOOST_AUTO_TEST_CASE(has_one_and_custom_primary_key) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    c::destroy<schema, Writer>(*db, 1, jobs);
    BOOST_REQUIRE(q.enqueued_jobs<portrait_job>().size() == 1u);
    BOOST_REQUIRE(q.enqueued_jobs<pens_job>().size() == 1u);
    BOOST_TEST(q.enqueued_jobs<pens_job>()[0].owner_value == "ada");
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("portraits") == (ids{2}), tt::per_element());
    long long pens = 0;
    *db << "SELECT COUNT(*) FROM pens WHERE writer_handle = 'ada'", soci::into(pens);
    BOOST_TEST(pens == 0);
}

BOOST_AUTO_TEST_CASE(belongs_to_destroys_the_parent_in_a_job) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    c::destroy<schema, Draft>(*db, 1, jobs);
    auto const enqueued = q.enqueued_jobs<writer_job>();
    BOOST_REQUIRE(enqueued.size() == 1u);
    BOOST_TEST(enqueued[0].owner_value == 2);
    BOOST_TEST(db.count("writers") == 3);
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("writers") == (ids{1, 3}), tt::per_element());
    // A draft with no writer hands over nothing.
    c::destroy<schema, Draft>(*db, 2, jobs);
    BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(has_many_through_acts_on_the_join_rows) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    c::destroy<schema, Essay>(*db, 10, jobs);  // footnotes go now (destroy), taggings in a job
    BOOST_TEST(db.ids("footnotes") == (ids{110, 200}), tt::per_element());
    BOOST_REQUIRE(q.enqueued_jobs<topics_job>().size() == 1u);
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("taggings") == (ids{3}), tt::per_element());
    BOOST_TEST(db.count("topics") == 2);  // shared targets stay
}

BOOST_AUTO_TEST_CASE(no_dependents_enqueues_nothing) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    BOOST_TEST((c::destroy<schema, Writer>(*db, 3, jobs).status == c::destroy_status::destroyed));
    BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(rollback_enqueues_nothing) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    {
        c::transaction tx(*db);
        BOOST_TEST((c::destroy<schema, Writer>(tx, 1, jobs).status == c::destroy_status::destroyed));
        BOOST_TEST(q.empty());  // nothing before the enclosing transaction commits
        tx.rollback();
    }
    BOOST_TEST(q.empty());
    BOOST_TEST(db.count("writers") == 3);
    {
        c::transaction tx(*db);
        c::destroy<schema, Writer>(tx, 1, jobs);
    }  // left without commit: rolled back
    BOOST_TEST(q.empty());
    BOOST_TEST(db.count("writers") == 3);
    {
        c::transaction tx(*db);
        c::destroy<schema, Writer>(tx, 1, jobs);
        tx.commit();
    }
    BOOST_TEST(q.size() == 3u);
    BOOST_TEST(db.count("writers") == 2);
}

BOOST_AUTO_TEST_CASE(ensuring_owner_was_refuses_while_the_owner_exists_and_not_deleted) {
    db db;
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db});
    // A job for an owner that is still there (Rails: run_callbacks(:destroy) without destroying).
    essays_job job{1, 1, {}};
    BOOST_CHECK_THROW(jobs.perform(job, *db), c::owner_not_destroyed);
    BOOST_TEST(db.count("essays") == 3);
    // Soft-deleted: the predicate says it is gone, the job runs.
    db.exec("UPDATE writers SET deleted = TRUE WHERE id = 1");
    auto report = jobs.perform(job, *db);
    BOOST_TEST(report.rows == 2u + 3u);  // essays 10, 11 and their footnotes
    BOOST_TEST(db.ids("essays") == (ids{20}), tt::per_element());
    // Without ensuring_owner_was an existing owner is refused outright.
    pens_job pens{2, "bob", {}};
    BOOST_CHECK_THROW(jobs.perform(pens, *db), c::owner_not_destroyed);
}

BOOST_AUTO_TEST_CASE(a_job_that_died_half_way_finishes_when_run_again) {
    db db;
    for (int i = 0; i < 30; ++i) db.exec("INSERT INTO essays VALUES (" + std::to_string(1000 + i) + ", 1, 'x')");
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 10});
    c::destroy<schema, Writer>(*db, 1, jobs);
    auto job = q.enqueued_jobs<essays_job>().at(0);
    Essay::fail_on = 1013;  // in the second batch (1000..1009 are the... third: 10, 11, 1000..1007 first)
    Essay::failures_left = 1;
    BOOST_CHECK_THROW(jobs.perform(job, *db), std::runtime_error);
    long long const left = db.count("essays", "writer_id = 1");
    BOOST_TEST(left == 22);  // the first batch of 10 committed, the second rolled back whole
    auto report = jobs.perform(job, *db);  // run again: finishes, no error
    BOOST_TEST(report.batches == 3u);
    BOOST_TEST(db.count("essays", "writer_id = 1") == 0);
    BOOST_TEST(jobs.perform(job, *db).rows == 0u);  // and again: nothing left, no error
}

BOOST_AUTO_TEST_CASE(a_large_job_fans_out_into_range_jobs_on_any_executor) {
    db db;
    for (int i = 0; i < 50; ++i) db.exec("INSERT INTO essays VALUES (" + std::to_string(1000 + 2 * i) + ", 1, 'x')");
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 4, .fan_out_rows = 10});
    c::destroy<schema, Writer>(*db, 1, jobs);
    auto const parent = q.enqueued_jobs<essays_job>().at(0);
    q.clear();
    // 52 essays (10, 11, 1000, 1002, ..., 1098): chunks of 10 end at 1014, 1034, 1054, 1074; the tail of
    // 12 is the last, open-ended range. The parent destroys nothing itself.
    auto const report = jobs.perform(parent, *db);
    BOOST_TEST(report.rows == 0u);
    BOOST_TEST(db.count("essays", "writer_id = 1") == 52);
    auto const ranges = q.enqueued_jobs<essays_job>();
    BOOST_REQUIRE(ranges.size() == 5u);
    std::vector<std::optional<std::int64_t>> const ends{1014, 1034, 1054, 1074, std::nullopt};
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        BOOST_TEST((ranges[i].after == (i == 0 ? std::nullopt : ends[i - 1])));
        BOOST_TEST((ranges[i].upto == ends[i]));
    }
    // Rows added before the range jobs run, wherever their keys fall, are theirs too.
    db.exec("INSERT INTO essays VALUES (1, 1, 'late'), (1041, 1, 'late'), (5000, 1, 'late')");
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("essays") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("footnotes") == (ids{200}), tt::per_element());
    // A range job destroys only its range; a job that is small runs as before (no fan-out).
    for (int i = 0; i < 20; ++i) db.exec("INSERT INTO essays VALUES (" + std::to_string(3000 + i) + ", 1, 'x')");
    BOOST_TEST(jobs.perform(essays_job{1, 1, {}, 3004, 3009}, *db).rows == 5u);
    BOOST_TEST(db.count("essays", "writer_id = 1 AND id > 3004 AND id <= 3009") == 0);
    BOOST_TEST(db.count("essays", "writer_id = 1") == 15);
    jobs.options().fan_out_rows = 0;
    BOOST_TEST(jobs.perform(essays_job{1, 1, {}}, *db).rows == 15u);
    BOOST_TEST(q.empty());
}

namespace {
/// Essays of writer 3 (who has none in the fixture) with these keys, in one statement.
void essays_of_writer_3(db& d, std::vector<std::int64_t> const& keys) {
    std::string values;
    for (auto k : keys) values += (values.empty() ? "(" : ", (") + std::to_string(k) + ", 3, 'x')";
    d.exec("INSERT INTO essays VALUES " + values);
}
/// Destroys writer 3 through `jobs`; the job it hands over (the executor is left empty).
essays_job writer_3_destroyed(db& d, c::deferred_executor& q, runtime& jobs) {
    c::destroy<schema, Writer>(*d, 3, jobs);
    auto const parent = q.enqueued_jobs<essays_job>().at(0);
    q.clear();
    return parent;
}
std::vector<std::int64_t> keys_from(std::int64_t first, std::int64_t last, std::int64_t skip_multiples_of = 0) {
    std::vector<std::int64_t> out;
    for (std::int64_t k = first;; ++k) {
        if (skip_multiples_of == 0 || k % skip_multiples_of != 0) out.push_back(k);
        if (k == last) return out;
    }
}
}  // namespace

// Dense integer keys fan out by stepping the chunk ends from the first key to the last (no read of
// every key); every range still holds at most fan_out_rows rows, and together they tile the key
// line, so rows added anywhere before the range jobs run are theirs too.
BOOST_AUTO_TEST_CASE(dense_keys_fan_out_by_stepping_to_the_last_key) {
    db db;
    essays_of_writer_3(db, keys_from(1001, 1100, 7));  // 86 essays, every 7th key missing
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 4, .fan_out_rows = 10});
    auto const parent = writer_3_destroyed(db, q, jobs);
    BOOST_TEST(jobs.perform(parent, *db).rows == 0u);
    // The first batch is 1002..1005 (1001 missing): dense, so the ends step by 10 from 1002 up to 1100:
    // 1011, 1021, ..., 1091, and (1091, none) takes the last 9 keys.
    auto const ranges = q.enqueued_jobs<essays_job>();
    BOOST_REQUIRE(ranges.size() == 10u);
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        std::optional<std::int64_t> const after = i == 0 ? std::nullopt : std::optional<std::int64_t>(1011 + 10 * (std::int64_t(i) - 1));
        std::optional<std::int64_t> const upto = i == 9 ? std::nullopt : std::optional<std::int64_t>(1011 + 10 * std::int64_t(i));
        BOOST_TEST((ranges[i].after == after));
        BOOST_TEST((ranges[i].upto == upto));
    }
    db.exec("INSERT INTO essays VALUES (1, 3, 'late'), (1050, 3, 'late'), (9000, 3, 'late')");
    q.perform_enqueued_jobs();
    BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
    BOOST_TEST(db.ids("essays") == (ids{10, 11, 20}), tt::per_element());
    // Keys spanning no more than fan_out_rows hold no more rows than that: the job runs itself.
    essays_of_writer_3(db, keys_from(101, 110));
    BOOST_TEST(jobs.perform(parent, *db).rows == 10u);
    BOOST_TEST(q.empty());
}

// A stray key far beyond the rest would make millions of stepped chunks: the ends are read instead.
BOOST_AUTO_TEST_CASE(a_far_stray_key_makes_the_fan_out_read_its_ends) {
    db db;
    auto keys = keys_from(1001, 1030);
    keys.push_back(1000000000000000);
    essays_of_writer_3(db, keys);
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 4, .fan_out_rows = 10});
    auto const parent = writer_3_destroyed(db, q, jobs);
    jobs.perform(parent, *db);
    auto const ranges = q.enqueued_jobs<essays_job>();
    BOOST_REQUIRE(ranges.size() == 3u);  // (none, 1010], (1010, 1020], (1020, none): the tail of 1 joins the last
    BOOST_TEST((ranges[1].after == std::optional<std::int64_t>(1010)));
    BOOST_TEST((ranges[2].after == std::optional<std::int64_t>(1020)));
    BOOST_TEST(!ranges[2].upto.has_value());
    q.perform_enqueued_jobs();
    BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
    // A small job (no more than fan_out_rows rows) with a far key is not split at all.
    essays_of_writer_3(db, {2001, 2002, 2003, 2004, 1000000000});
    BOOST_TEST(jobs.perform(parent, *db).rows == 5u);
    BOOST_TEST(q.empty());
}

// Within a job, dense keys are deleted in stepped batches of batch_size keys; a stepped batch that
// finds its span mostly empty goes back to reading bounds, so sparse keys never make a run of empty
// batches.
BOOST_AUTO_TEST_CASE(a_job_steps_through_dense_keys_and_reads_through_sparse_ones) {
    db db;
    auto keys = keys_from(2001, 2012);
    for (std::int64_t k : {3000, 4000, 5000, 6000, 7000}) keys.push_back(k);
    essays_of_writer_3(db, keys);
    db.exec("DELETE FROM writers WHERE id = 3");
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 4});
    auto const report = jobs.perform(essays_job{3, 3, {}, 2000, 8000}, *db);
    BOOST_TEST(report.rows == 17u);
    // a range job steps from its start: 2004, 2008, 2012, then 2016 (empty: back to reading);
    // read 3000..6000 (sparse, so reading on), read 7000
    BOOST_TEST(report.batches == 6u);
    BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
}

// With max_batch_size, batches double while quick (here always: under a quarter of a minute) and full,
// up to it; the next job of the association starts at the size reached; a failed batch halves it; a
// slow one (here always: longer than 0 ms) shrinks it in proportion, at most eightfold at once, never
// below batch_size. Without it every batch is batch_size.
BOOST_AUTO_TEST_CASE(batches_grow_while_quick_and_shrink_while_slow) {
    db db;
    db.exec("DELETE FROM writers WHERE id = 3");
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 10, .max_batch_size = 80, .batch_time = std::chrono::minutes(1)});
    auto const run = [&](std::int64_t first) {
        essays_of_writer_3(db, keys_from(first, first + 299));
        auto const report = jobs.perform(essays_job{3, 3, {}}, *db);
        BOOST_TEST(report.rows == 300u);
        BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
        return report.batches;
    };
    BOOST_TEST(run(5001) == 6u);  // 10, 20, 40, 80, 80, 70
    BOOST_TEST(run(6001) == 4u);  // 80, 80, 80, 60: where the last job ended
    essays_of_writer_3(db, keys_from(7001, 7300));
    Essay::fail_on = 7001;  // the first batch (80) fails and rolls back
    Essay::failures_left = 1;
    BOOST_CHECK_THROW(jobs.perform(essays_job{3, 3, {}}, *db), std::runtime_error);
    BOOST_TEST(db.count("essays", "writer_id = 3") == 300);
    BOOST_TEST(jobs.perform(essays_job{3, 3, {}}, *db).batches == 5u);  // 40, 80, 80, 80, 20
    jobs.options().batch_time = std::chrono::milliseconds(0);
    BOOST_TEST(run(8001) == 23u);  // 80, then 22 of 10 (a 20-row batch found too few rows to grow)
    jobs.options().max_batch_size = 0;
    jobs.options().batch_time = std::chrono::minutes(1);
    BOOST_TEST(run(9001) == 30u);  // fixed: 30 of 10
}

// Stepping never overflows the key's type: keys at the very top of BIGINT.
BOOST_AUTO_TEST_CASE(stepping_stops_at_the_largest_key_without_overflow) {
    db db;
    std::int64_t const top = std::numeric_limits<std::int64_t>::max();
    essays_of_writer_3(db, keys_from(top - 20, top));
    c::deferred_executor q;
    runtime jobs(q, c::shared_session{*db}, {.batch_size = 4, .fan_out_rows = 10});
    auto const parent = writer_3_destroyed(db, q, jobs);
    jobs.perform(parent, *db);
    auto const ranges = q.enqueued_jobs<essays_job>();
    BOOST_REQUIRE(ranges.size() == 2u);  // (none, top - 11], (top - 11, none): a tail of 1 joins the last
    BOOST_TEST((ranges[0].upto == std::optional<std::int64_t>(top - 11)));
    q.perform_enqueued_jobs();
    BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
    essays_of_writer_3(db, keys_from(top - 5, top));
    BOOST_TEST(jobs.perform(essays_job{3, 3, {}, top - 9, std::nullopt}, *db).rows == 6u);
    BOOST_TEST(db.count("essays", "writer_id = 3") == 0);
}

BOOST_AUTO_TEST_CASE(failures_are_reported_and_retried_with_backoff) {
    db db;
    c::deferred_executor q;
    std::vector<std::pair<int, bool>> failures;
    std::ostringstream log;
    runtime jobs(q, c::shared_session{*db},
                 {.retry = {.attempts = 3, .base = std::chrono::milliseconds(10)},
                  .on_event = c::log_jobs_to(log),
                  .on_error = [&](c::job_event const& e) { failures.emplace_back(e.attempt, e.will_retry); }});
    Essay::fail_on = 11;
    Essay::failures_left = 2;
    c::destroy<schema, Writer>(*db, 1, jobs);
    q.perform_enqueued_jobs();
    BOOST_TEST(failures.size() == 2u);
    BOOST_TEST(failures[0].first == 1);
    BOOST_TEST(failures[1].first == 2);
    BOOST_TEST(failures[1].second);  // a third attempt was scheduled, and it succeeded
    BOOST_TEST(db.count("essays", "writer_id = 1") == 0);
    BOOST_TEST(log.str().find("Failed writers.essays (owner 1) attempt 1: essay 11 failed (will retry)") != std::string::npos);
    BOOST_TEST(log.str().find("Performed writers.essays (owner 1) in") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

namespace nested {

struct Shelf { BOOST_HANA_DEFINE_STRUCT(Shelf, (std::int64_t, id)); };
struct Box { BOOST_HANA_DEFINE_STRUCT(Box, (std::int64_t, id), (std::int64_t, shelf_id)); };
struct Folder { BOOST_HANA_DEFINE_STRUCT(Folder, (std::int64_t, id), (std::int64_t, box_id)); };
struct Sheet { BOOST_HANA_DEFINE_STRUCT(Sheet, (std::int64_t, id), (std::int64_t, folder_id)); };
template <class BoxOptions>
struct schema_t
    : c::schema<c::model<Shelf, "shelves", c::has_many<Box, &Box::shelf_id, d::destroy_async, BoxOptions>>,
                c::model<Box, "boxes", c::has_many<Folder, &Folder::box_id, d::destroy_async>>,
                c::model<Folder, "folders", c::has_many<Sheet, &Sheet::folder_id, d::destroy_async>>,
                c::model<Sheet, "sheets">> {};
using schema = schema_t<c::name<"boxes">>;
using snapshot_schema = schema_t<c::snapshot_ids<10>>;

struct db : test::database {
    db() {
        exec("CREATE TABLE shelves (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE boxes (id BIGINT PRIMARY KEY, shelf_id BIGINT NOT NULL)");
        exec("CREATE TABLE folders (id BIGINT PRIMARY KEY, box_id BIGINT NOT NULL)");
        exec("CREATE TABLE sheets (id BIGINT PRIMARY KEY, folder_id BIGINT NOT NULL)");
        exec("INSERT INTO shelves VALUES (1), (2)");
        for (int b = 0; b < 25; ++b) {
            exec("INSERT INTO boxes VALUES (" + std::to_string(b + 1) + ", 1)");
            exec("INSERT INTO folders VALUES (" + std::to_string(b + 1) + ", " + std::to_string(b + 1) + ")");
            exec("INSERT INTO sheets VALUES (" + std::to_string(b + 1) + ", " + std::to_string(b + 1) + ")");
        }
        exec("INSERT INTO boxes VALUES (100, 2)");
    }
};

}  // namespace nested

BOOST_AUTO_TEST_CASE(destroy_async_three_levels_deep) {
    nested::db db;
    c::deferred_executor q;
    c::async_runtime<nested::schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<nested::schema, nested::Shelf>(*db, 1, jobs);
    BOOST_TEST(q.size() == 1u);
    BOOST_TEST(q.perform_enqueued_jobs(1) == 1u);  // the boxes job: 25 boxes, each enqueues its folders job
    BOOST_TEST(db.count("boxes") == 1);
    BOOST_TEST(q.count("boxes.folders") == 25u);
    q.perform_enqueued_jobs();
    BOOST_TEST(db.count("folders") == 0);
    BOOST_TEST(db.count("sheets") == 0);
    BOOST_TEST(db.ids("boxes") == (ids{100}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(snapshot_mode_splits_the_ids_into_batches) {
    nested::db db;
    c::deferred_executor q;
    c::async_runtime<nested::snapshot_schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<nested::snapshot_schema, nested::Shelf>(*db, 1, jobs);
    using job_t = c::destroy_association_job<nested::snapshot_schema, nested::Shelf, "boxes">;
    auto const enqueued = q.enqueued_jobs<job_t>();
    BOOST_REQUIRE(enqueued.size() == 3u);
    BOOST_TEST(enqueued[0].ids.size() == 10u);
    BOOST_TEST(enqueued[1].ids.size() == 10u);
    BOOST_TEST(enqueued[2].ids.size() == 5u);
    BOOST_TEST(enqueued[0].ids.front() == 1);
    BOOST_TEST(enqueued[2].ids.back() == 25);
    // A box added after the snapshot is not the jobs' business.
    db.exec("INSERT INTO boxes VALUES (50, 1)");
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("boxes") == (ids{50, 100}), tt::per_element());
    BOOST_TEST(db.count("sheets") == 0);
}

BOOST_AUTO_TEST_CASE(jobs_on_a_thread_pool_with_a_session_pool) {
    if (test::backend() == "sqlite") return;  // an in-memory database is one connection's alone
    nested::db db;
    for (int s = 3; s < 40; ++s) {
        db.exec("INSERT INTO shelves VALUES (" + std::to_string(s) + ")");
        db.exec("INSERT INTO boxes VALUES (" + std::to_string(1000 + s) + ", " + std::to_string(s) + ")");
    }
    soci::connection_pool pool(3);
    for (std::size_t i = 0; i < 3; ++i) db.open(pool.at(i));
    std::atomic<int> performed{0}, failed{0};
    {
        c::thread_pool workers(2);
        c::async_runtime<nested::schema, c::thread_pool, c::session_pool> jobs(
            workers, c::session_pool{pool}, {.on_event = [&](c::job_event const& e) {
                if (e.what == c::job_event::kind::performed) ++performed;
                if (e.what == c::job_event::kind::failed) ++failed;
            }});
        for (int s = 1; s < 40; ++s) c::destroy<nested::schema, nested::Shelf>(*db, s, jobs);
        workers.drain();
    }
    BOOST_TEST(failed == 0);
    BOOST_TEST(performed == 38 + 25 + 25 + 1);  // shelves with boxes, the 25 folders and sheets jobs, box 100's
    BOOST_TEST(db.count("shelves") == 0);
    BOOST_TEST(db.count("boxes") == 0);
    BOOST_TEST(db.count("sheets") == 0);
}

namespace scoped_through {

struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Tag { BOOST_HANA_DEFINE_STRUCT(Tag, (std::int64_t, id), (std::string, kind)); };
struct Link { BOOST_HANA_DEFINE_STRUCT(Link, (std::int64_t, id), (std::int64_t, post_id), (std::optional<std::int64_t>, tag_id)); };
struct schema : c::schema<c::model<Post, "posts", c::has_many_through<Tag, Link, &Link::post_id, &Link::tag_id, d::destroy_async,
                                                                      c::where<&Tag::kind, c::fixed_string{"topic"}>>>,
                          c::model<Tag, "tags">, c::model<Link, "links">> {};

}  // namespace scoped_through

BOOST_AUTO_TEST_CASE(a_scoped_has_many_through_job_destroys_only_the_join_rows_in_scope) {
    // Rails: "destroying a scoped has_many through only deletes within the scope deleted"
    test::database db;
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE tags (id BIGINT PRIMARY KEY, kind TEXT NOT NULL)");
    db.exec("CREATE TABLE links (id BIGINT PRIMARY KEY, post_id BIGINT NOT NULL, tag_id BIGINT)");
    db.exec("INSERT INTO posts VALUES (1)");
    db.exec("INSERT INTO tags VALUES (1, 'topic'), (2, 'mood')");
    db.exec("INSERT INTO links VALUES (1, 1, 1), (2, 1, 2)");
    c::deferred_executor q;
    c::async_runtime<scoped_through::schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<scoped_through::schema, scoped_through::Post>(*db, 1, jobs);
    BOOST_TEST(q.size() == 1u);
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("links") == (ids{2}), tt::per_element());
    BOOST_TEST(db.count("tags") == 2);
}

namespace through_targets {

struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Tag { BOOST_HANA_DEFINE_STRUCT(Tag, (std::int64_t, id), (std::string, kind)); };
struct Link { BOOST_HANA_DEFINE_STRUCT(Link, (std::int64_t, id), (std::int64_t, post_id), (std::optional<std::int64_t>, tag_id)); };
struct schema : c::schema<c::model<Post, "posts", c::has_many_through<Tag, Link, &Link::post_id, &Link::tag_id, d::destroy_async,
                                                                      c::destroy_async_targets>>,
                          c::model<Tag, "tags", c::has_many<Link, &Link::tag_id, d::delete_all>>, c::model<Link, "links">> {};

}  // namespace through_targets

BOOST_AUTO_TEST_CASE(destroy_async_targets_destroys_the_through_targets_like_rails_6_1) {
    // Rails: "destroying a record destroys the has_many :through records using a job" (Tag.count -2).
    test::database db;
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE tags (id BIGINT PRIMARY KEY, kind TEXT NOT NULL)");
    db.exec("CREATE TABLE links (id BIGINT PRIMARY KEY, post_id BIGINT NOT NULL, tag_id BIGINT)");
    db.exec("INSERT INTO posts VALUES (1), (2)");
    db.exec("INSERT INTO tags VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    db.exec("INSERT INTO links VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 2, 3)");
    c::deferred_executor q;
    c::async_runtime<through_targets::schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<through_targets::schema, through_targets::Post>(*db, 1, jobs);
    BOOST_TEST(q.size() == 1u);
    q.perform_enqueued_jobs();
    // Both of post 1's tags are gone, tag 2 although post 2 shares it (the hazard the option documents),
    // and with them, by their own delete_all, their links.
    BOOST_TEST(db.ids("tags") == (ids{3}), tt::per_element());
    BOOST_TEST(db.ids("links") == (ids{4}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(destroy_async_schemas) {
    test::check_dry_run_matches_destroy<async_models::schema>();
    test::check_dry_run_matches_destroy<nested::schema>();
    test::check_dry_run_matches_destroy<nested::snapshot_schema>();
    test::check_dry_run_matches_destroy<scoped_through::schema>();
    test::check_dry_run_matches_destroy<through_targets::schema>();
}

BOOST_AUTO_TEST_SUITE_END()
