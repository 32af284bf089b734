// The queue's programs, without a database: the strict command line the tool and the example worker
// share, the Prometheus text's escaping, and the claim's SQL in each dialect.
#include <boost/test/unit_test.hpp>

#include "../../tools/command_line.hpp"
#include <cascade/queue/job_queue.hpp>
#include <cascade/queue/metrics.hpp>

#include <string>
#include <vector>

namespace {
/// Parses `args` (argv[0] implied) as the tool would.
cascade::command_line parse(std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("tool")};
    for (auto& a : args) argv.push_back(a.data());
    return cascade::command_line(static_cast<int>(argv.size()), argv.data(), {"--threads", "--backend"}, {"--once"});
}
/// What the command line refused, or "" when it took it.
template <class F>
std::string refusal(F f) {
    try {
        f();
        return {};
    } catch (cascade::bad_command_line const& e) {
        return e.what();
    }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(queue_text)

BOOST_AUTO_TEST_CASE(the_command_line_refuses_every_mistake_by_name) {
    auto const ok = parse({"--threads", "4", "--once", "status"});
    BOOST_TEST(ok.integer("--threads", 1, 1, 64) == 4);
    BOOST_TEST(ok.flag("--once"));
    BOOST_TEST(ok.positional() == std::vector<std::string>{"status"}, boost::test_tools::per_element());
    BOOST_TEST(refusal([] { parse({"--thread", "4"}); }) == "unknown option --thread");
    BOOST_TEST(refusal([] { parse({"--threads"}); }) == "--threads needs a value");
    BOOST_TEST(refusal([] { parse({"--threads", "2", "--threads", "3"}); }) == "--threads is given twice");
    BOOST_TEST(refusal([] { parse({"--threads", "two"}).integer("--threads", 1, 1, 64); }) == "--threads: 'two' is not a whole number");
    BOOST_TEST(refusal([] { parse({"--threads", "26abc"}).integer("--threads", 1, 1, 64); }) == "--threads: '26abc' is not a whole number");
    BOOST_TEST(refusal([] { parse({"--threads", "0"}).integer("--threads", 1, 1, 64); }) == "--threads: 0 is out of range (1 to 64)");
    BOOST_TEST(refusal([] { parse({"--backend", "Postgresql"}).choice("--backend", {"postgresql", "sqlite3"}, "postgresql"); }) ==
               "--backend: 'Postgresql' is not one of postgresql, sqlite3");
}

BOOST_AUTO_TEST_CASE(prometheus_label_values_are_escaped_and_valid_utf8) {
    BOOST_TEST(cascade::prometheus_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    BOOST_TEST(cascade::prometheus_label_value("caf\xc3\xa9") == "caf\xc3\xa9");
    BOOST_TEST(cascade::prometheus_label_value("bad\xff") == "bad\xef\xbf\xbd");  // a stray byte: U+FFFD
}

BOOST_AUTO_TEST_CASE(the_claim_locks_on_postgresql_and_writes_queue_names_as_literals) {
    cascade::job_queue queue;
    std::string const pg = queue.claim_text(true, ":w", 10, 30000, {"mail", "it's \\ odd"});
    std::string const lite = queue.claim_text(false, ":w", 10, 30000, {"mail", "it's \\ odd"});
    BOOST_TEST(pg.find("FOR UPDATE SKIP LOCKED") != std::string::npos);
    BOOST_TEST(lite.find("FOR UPDATE") == std::string::npos);
    BOOST_TEST(pg.find("E'it''s \\\\ odd'") != std::string::npos, pg);   // PostgreSQL's escape string
    BOOST_TEST(lite.find("'it''s \\ odd'") != std::string::npos, lite);  // SQLite: quotes doubled
    BOOST_TEST(pg.find("LIMIT 10") != std::string::npos);
    BOOST_TEST(pg.find("30000") != std::string::npos);
    BOOST_CHECK_THROW(queue.claim_text(true, ":w", 10, 30000, {std::string("a\0b", 3)}), cascade::bad_queue_name);
    BOOST_CHECK_THROW(queue.claim_text(true, ":w", 10, 30000, {""}), cascade::bad_queue_name);
}

BOOST_AUTO_TEST_SUITE_END()
