// The queue's programs, without a database: the strict command line the tool and the example worker
// share, the Prometheus text's escaping, and the claim's SQL in each dialect.
#include <boost/test/unit_test.hpp>

#include "../../tools/command_line.hpp"
#include <cascade/mysql/queue.hpp>
#include <cascade/postgresql/queue.hpp>
#include <cascade/queue/job_queue.hpp>
#include <cascade/queue/metrics.hpp>
#include <cascade/sqlite/queue.hpp>

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
    std::string const pg = queue.claim_text("postgresql", ":w", 10, 30000, {"mail", "it's \\ odd"});
    std::string const lite = queue.claim_text("sqlite3", ":w", 10, 30000, {"mail", "it's \\ odd"});
    BOOST_TEST(pg.find("FOR UPDATE SKIP LOCKED") != std::string::npos);
    BOOST_TEST(lite.find("FOR UPDATE") == std::string::npos);
    BOOST_TEST(pg.find("E'it''s \\\\ odd'") != std::string::npos, pg);   // PostgreSQL's escape string
    BOOST_TEST(lite.find("'it''s \\ odd'") != std::string::npos, lite);  // SQLite: quotes doubled
    BOOST_TEST(pg.find("LIMIT 10") != std::string::npos);
    BOOST_TEST(pg.find("30000") != std::string::npos);
    BOOST_CHECK_THROW(queue.claim_text("postgresql", ":w", 10, 30000, {std::string("a\0b", 3)}), cascade::bad_queue_name);
    BOOST_CHECK_THROW(queue.claim_text("postgresql", ":w", 10, 30000, {""}), cascade::bad_queue_name);
    // MariaDB claims in steps (no UPDATE ... RETURNING): no one-statement claim to write
    BOOST_TEST(!cascade::detail::queue_dialect_for("mysql").update_returning);
}

// MariaDB's literals read the same under any sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES): hexadecimal,
// compared byte for byte.
BOOST_AUTO_TEST_CASE(mariadb_queue_literals_are_hexadecimal_and_binary_collated) {
    BOOST_TEST(cascade::mysql::queue_literal("it's \\") == "CONVERT(X'69742773205C' USING utf8mb4) COLLATE utf8mb4_nopad_bin");
    BOOST_TEST(cascade::mysql::queue_literal("Mail") == "CONVERT(X'4D61696C' USING utf8mb4) COLLATE utf8mb4_nopad_bin");
}

// The queue connectors this program has, and a backend it has none for.
BOOST_AUTO_TEST_CASE(an_unknown_queue_backend_is_refused_naming_the_ones_compiled_in) {
    try {
        cascade::detail::queue_dialect_for("oracle");
        BOOST_FAIL("oracle has no queue connector");
    } catch (cascade::unsupported_backend const& e) {
        BOOST_TEST(e.backend == "oracle");
        for (char const* name : {"postgresql", "sqlite3", "mysql"}) BOOST_TEST(e.compiled_in.find(name) != std::string::npos, e.compiled_in);
    }
}

// A queue name is text every database stores as it is: MariaDB would turn a stray byte into '?', the
// name of another queue. Checked at compile time too (cascade::queue<"...">).
static_assert(cascade::queue_name_problem("caf\xc3\xa9") == nullptr);
static_assert(cascade::queue_name_problem("caf\xe9") != nullptr);
BOOST_AUTO_TEST_CASE(a_queue_name_that_is_not_utf8_is_refused_by_name) {
    BOOST_TEST(std::string(cascade::queue_name_problem("caf\xe9")) == "is not valid UTF-8");
    BOOST_TEST(std::string(cascade::queue_name_problem("\xed\xa0\x80")) == "is not valid UTF-8");  // a surrogate
    cascade::job_queue queue;
    BOOST_CHECK_THROW(queue.claim_text("postgresql", ":w", 10, 30000, {"caf\xe9"}), cascade::bad_queue_name);
}

// An error message as every database stores it: well-formed UTF-8 without NUL bytes.
BOOST_AUTO_TEST_CASE(error_messages_are_made_well_formed_utf8) {
    using cascade::detail::printable;
    BOOST_TEST(printable("caf\xc3\xa9") == "caf\xc3\xa9");
    BOOST_TEST(printable(std::string("a\0b", 3)) == "a\\0b");
    BOOST_TEST(printable("\xff") == "?");
    BOOST_TEST(printable("\xc0\xaf") == "??");          // an overlong '/'
    BOOST_TEST(printable("\xed\xa0\x80") == "???");    // a surrogate
    BOOST_TEST(printable("\xf4\x90\x80\x80") == "????");  // past U+10FFFF
    BOOST_TEST(printable("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
    BOOST_TEST(printable(std::string(5000, 'x')).size() == 4000u);
}

BOOST_AUTO_TEST_SUITE_END()
