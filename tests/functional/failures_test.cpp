// Callbacks and failures: an abort three levels down, after_commit and after_rollback, and every
// way a cascade can fail half way (a throwing callback, a constraint violation, a lost connection)
// rolling everything back, checked by counting every row afterwards.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace {

struct Library { BOOST_HANA_DEFINE_STRUCT(Library, (std::int64_t, id)); };
struct Shelf {
    BOOST_HANA_DEFINE_STRUCT(Shelf, (std::int64_t, id), (std::int64_t, library_id));
    static inline std::vector<std::int64_t> committed, rolled_back;
    void after_commit() { committed.push_back(id); }
    void after_rollback() { rolled_back.push_back(id); }
};
struct Volume {
    BOOST_HANA_DEFINE_STRUCT(Volume, (std::int64_t, id), (std::int64_t, shelf_id), (std::string, title));
    static inline std::string abort_on, throw_on, kill_on;
    static inline std::function<void(c::destroy_context const&)> on_kill;
    bool before_destroy(c::destroy_context const& ctx) {
        if (title == throw_on) throw std::runtime_error("callback failed on " + title);
        if (title == kill_on && on_kill) on_kill(ctx);
        return title != abort_on;
    }
};
struct Page { BOOST_HANA_DEFINE_STRUCT(Page, (std::int64_t, id), (std::int64_t, volume_id)); };

using library = c::schema<
    c::model<Library, "libraries", c::has_many<Shelf, &Shelf::library_id, d::destroy>>,
    c::model<Shelf, "shelves", c::has_many<Volume, &Volume::shelf_id, d::destroy>>,
    c::model<Volume, "volumes", c::has_many<Page, &Page::volume_id, d::delete_all>>,
    c::model<Page, "pages">>;

struct library_db : test::database {
    explicit library_db(bool foreign_keys = false) {
        exec("CREATE TABLE libraries (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE shelves (id BIGINT PRIMARY KEY, library_id BIGINT NOT NULL)");
        exec("CREATE TABLE volumes (id BIGINT PRIMARY KEY, shelf_id BIGINT NOT NULL, title TEXT NOT NULL)");
        exec("CREATE TABLE pages (id BIGINT PRIMARY KEY, volume_id BIGINT NOT NULL)");
        // A table the schema does not know about, holding a real foreign key to pages.
        if (foreign_keys)
            exec("CREATE TABLE bookmarks (id BIGINT PRIMARY KEY, page_id BIGINT NOT NULL REFERENCES pages (id))");
        exec("INSERT INTO libraries VALUES (1), (2)");
        exec("INSERT INTO shelves VALUES (10, 1), (11, 1), (20, 2)");
        exec("INSERT INTO volumes VALUES (100, 10, 'a'), (101, 10, 'b'), (110, 11, 'c'), (200, 20, 'd')");
        exec("INSERT INTO pages VALUES (1, 100), (2, 101), (3, 110), (4, 200)");
        Shelf::committed.clear();
        Shelf::rolled_back.clear();
        Volume::abort_on.clear();
        Volume::throw_on.clear();
        Volume::kill_on.clear();
        Volume::on_kill = nullptr;
    }
    void expect_untouched() {
        BOOST_TEST(count("libraries") == 2);
        BOOST_TEST(count("shelves") == 3);
        BOOST_TEST(count("volumes") == 4);
        BOOST_TEST(count("pages") == 4);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(callbacks_and_failures)

BOOST_AUTO_TEST_CASE(after_commit_runs_once_the_transaction_committed) {
    library_db db;
    auto r = c::destroy<library, Library>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(Shelf::committed == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(Shelf::rolled_back.empty());
    BOOST_TEST(db.count("pages") == 1);
}

BOOST_AUTO_TEST_CASE(an_abort_three_levels_down_rolls_everything_back) {
    library_db db;
    Volume::abort_on = "c";
    auto r = c::destroy<library, Library>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::aborted);
    BOOST_REQUIRE(r.aborted_by.has_value());
    BOOST_TEST(r.aborted_by->first == "volumes");
    BOOST_TEST(r.aborted_by->second == "110");
    BOOST_TEST(r.counts.empty());
    db.expect_untouched();
    BOOST_TEST(Shelf::committed.empty());
    // Both shelves' destroys began (loaded, before any volume's before_destroy): both hear
    // after_rollback, though neither was deleted yet. Pages of one row change nothing.
    BOOST_TEST(Shelf::rolled_back == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    Shelf::rolled_back.clear();
    r = c::destroy<library, Library>(*db, 1, c::destroy_options{.page_size = 1});
    BOOST_TEST(r.status == c::destroy_status::aborted);
    db.expect_untouched();
    BOOST_TEST(Shelf::rolled_back == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_CHECK_THROW((c::destroy_or_throw<library, Library>(*db, 1)), c::record_not_destroyed);
}

BOOST_AUTO_TEST_CASE(a_throwing_callback_rolls_everything_back_and_propagates) {
    library_db db;
    Volume::throw_on = "c";
    BOOST_CHECK_EXCEPTION((c::destroy<library, Library>(*db, 1)), std::runtime_error,
                          [](std::runtime_error const& e) { return std::string(e.what()) == "callback failed on c"; });
    db.expect_untouched();
    BOOST_CHECK_THROW((c::destroy<library, Library>(*db, 1, c::destroy_options{.page_size = 1})), std::runtime_error);
    db.expect_untouched();
    // a throwing before_destroy rolls back like an abort: the shelves whose destroy began hear it, twice
    BOOST_TEST(Shelf::rolled_back == (std::vector<std::int64_t>{10, 11, 10, 11}), tt::per_element());
    // the session is usable afterwards
    Volume::throw_on.clear();
    BOOST_TEST((c::destroy<library, Library>(*db, 1).status == c::destroy_status::destroyed));
}

BOOST_AUTO_TEST_CASE(a_constraint_violation_rolls_everything_back) {
    library_db db(true);
    db.exec("INSERT INTO bookmarks VALUES (1, 3)");  // page 3 of volume 110, on shelf 11
    try {
        c::destroy<library, Library>(*db, 1);
        BOOST_FAIL("the bookmark's foreign key should refuse the page's delete");
    } catch (c::foreign_key_violation const& e) {
        // No association covers bookmarks: the error says so, and names the constraint where it can.
        BOOST_TEST(e.association.empty());
        BOOST_TEST(std::string(e.what()).find("no association of the schema declares") != std::string::npos);
        if (test::is_postgresql()) BOOST_TEST(e.constraint == "bookmarks_page_id_fkey");
        if (test::is_mysql()) BOOST_TEST(e.constraint == "bookmarks_ibfk_1");
        if (test::is_server()) BOOST_TEST(e.table == "bookmarks");
    }
    db.expect_untouched();
    BOOST_TEST(db.count("bookmarks") == 1);
}

BOOST_AUTO_TEST_CASE(a_lost_connection_rolls_everything_back) {
    if (!test::is_server()) return;  // a server-side kill needs a server
    library_db db;
    Volume::kill_on = "c";
    Volume::on_kill = [&](c::destroy_context const& ctx) {
        long long pid = 0;
        if (test::is_postgresql()) {
            ctx.session << "SELECT pg_backend_pid()", soci::into(pid);
            *test::database::connect_postgresql() << "SELECT pg_terminate_backend(" << pid << ")";
        } else {
            ctx.session << "SELECT CONNECTION_ID()", soci::into(pid);
            *test::database::connect_mysql() << "KILL CONNECTION " << pid;
        }
    };
    BOOST_CHECK_THROW((c::destroy<library, Library>(*db, 1)), std::exception);
    auto fresh = db.connect();
    long long rows = 0;
    *fresh << "SELECT (SELECT COUNT(*) FROM libraries) + (SELECT COUNT(*) FROM shelves) + "
              "(SELECT COUNT(*) FROM volumes) + (SELECT COUNT(*) FROM pages)",
        soci::into(rows);
    BOOST_TEST(rows == 2 + 3 + 4 + 4);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(failures_schemas) {
    test::check_dry_run_matches_destroy<library>();
}

BOOST_AUTO_TEST_SUITE_END()
