// The connectors where a database differs from the others in ways an application meets: MariaDB in
// its server's default sql_mode (identifiers in backquotes, backslash escapes in string literals), a
// table named by a reserved word, text keys with every character a list or a literal must escape,
// InnoDB's foreign keys checked row by row inside a statement, recursion deeper than MariaDB's default
// limit of 1,000 levels.
#include "../support/database.hpp"

#include <cascade/queue/job_queue.hpp>
#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace default_mode {
struct Shelf { BOOST_HANA_DEFINE_STRUCT(Shelf, (std::string, name)); };
struct Item {
    BOOST_HANA_DEFINE_STRUCT(Item, (std::string, code), (std::string, shelf_name), (std::optional<std::string>, parent_code));
    static inline std::vector<std::string> destroyed;
    void before_destroy() { destroyed.push_back(code); }
};
struct schema : c::schema<c::model<Shelf, "order", c::primary_key<&Shelf::name>, c::has_many<Item, &Item::shelf_name, d::destroy>>,
                          c::model<Item, "items", c::primary_key<&Item::code>,
                                   c::has_many<Item, &Item::parent_code, d::destroy, c::name<"parts">>>> {};

/// A MariaDB session as an application opens one: the server's default sql_mode.
std::unique_ptr<soci::session> plain_session(test::database const& db) {
    auto s = std::make_unique<soci::session>("mysql", cascade_support::mysql_connection());
    *s << "USE " + db.my_database;
    return s;
}
void insert_item(soci::session& s, std::string const& code, std::string const& shelf, std::optional<std::string> parent) {
    soci::indicator ind = parent ? soci::i_ok : soci::i_null;
    std::string p = parent.value_or("");
    s << "INSERT INTO items (code, shelf_name, parent_code) VALUES (:c, :s, :p)", soci::use(code), soci::use(shelf), soci::use(p, ind);
}
}  // namespace default_mode

BOOST_AUTO_TEST_SUITE(connectors)

BOOST_AUTO_TEST_CASE(mariadb_in_its_default_sql_mode_destroys_a_tree_of_text_keys_under_a_reserved_table_name) {
    if (!test::is_mysql()) return;
    using namespace default_mode;
    test::database db;
    auto s = plain_session(db);
    std::string mode;
    *s << "SELECT @@sql_mode", soci::into(mode);
    BOOST_TEST(mode.find("ANSI_QUOTES") == std::string::npos);
    *s << "CREATE TABLE `order` (name VARCHAR(255) PRIMARY KEY)";
    *s << "CREATE TABLE items (code VARCHAR(255) PRIMARY KEY, shelf_name VARCHAR(255) NOT NULL REFERENCES `order` (name), "
          "parent_code VARCHAR(255) REFERENCES items (code))";
    std::string const shelf = "a'b\\c\"d, {e} \xc3\xa9", other = "other";
    for (auto const& name : {shelf, other}) *s << "INSERT INTO `order` (name) VALUES (:n)", soci::use(name);
    // A tree whose keys refer within the set: InnoDB refuses a parent before its children inside one
    // statement, so the set goes leaves first.
    insert_item(*s, "root'1", shelf, std::nullopt);
    insert_item(*s, "child\\1", shelf, std::string("root'1"));
    insert_item(*s, "grand\"child", shelf, std::string("child\\1"));
    insert_item(*s, "kept", other, std::nullopt);
    Item::destroyed.clear();
    auto const r = c::destroy<schema, Shelf>(*s, shelf);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("items") == 3u);
    BOOST_TEST(Item::destroyed.size() == 3u);
    long long left = -1, shelves = -1;
    *s << "SELECT COUNT(*) FROM items", soci::into(left);
    *s << "SELECT COUNT(*) FROM `order`", soci::into(shelves);
    BOOST_TEST(left == 1);
    BOOST_TEST(shelves == 1);
    // A key no association declares: the refusal names its constraint and table, read from a message
    // that quotes them with backquotes in this mode.
    *s << "CREATE TABLE notes (id BIGINT PRIMARY KEY, item_code VARCHAR(255) REFERENCES items (code))";
    *s << "INSERT INTO notes VALUES (1, 'kept')";
    try {
        c::destroy<schema, Shelf>(*s, other);
        BOOST_FAIL("the note's foreign key should refuse the item's delete");
    } catch (c::foreign_key_violation const& e) {
        BOOST_TEST(e.constraint == "notes_ibfk_1");
        BOOST_TEST(e.table == "notes");
    }
    *s << "SELECT COUNT(*) FROM items", soci::into(left);
    BOOST_TEST(left == 1);
}

// A program whose queue connectors do not include the session's database (this one includes none:
// <cascade/queue/job_queue.hpp> alone) is refused by name before anything is written, rather than run
// another database's SQL there.
BOOST_AUTO_TEST_CASE(the_queue_refuses_a_database_without_its_queue_connector) {
    test::database db;
    c::job_queue queue;
    try {
        queue.install(*db);
        BOOST_FAIL("install should refuse a database without a queue connector");
    } catch (c::unsupported_backend const& e) {
        BOOST_TEST(e.backend == (*db).get_backend_name());
        BOOST_TEST(e.compiled_in == "");
        BOOST_TEST(std::string(e.what()).find("no queue connector for SOCI backend") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("<cascade/mysql/queue.hpp>") != std::string::npos, e.what());
    }
    long long tables = -1;
    if (test::is_mysql())
        *db << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'cascade_jobs%'",
            soci::into(tables);
    else if (test::is_postgresql())
        *db << "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'cascade_jobs%'", soci::into(tables);
    else
        *db << "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'cascade_jobs%'", soci::into(tables);
    BOOST_TEST(tables == 0);
}

BOOST_AUTO_TEST_CASE(a_tree_deeper_than_mariadbs_recursion_limit_is_found_whole) {
    using namespace default_mode;
    test::database db;
    db.exec("CREATE TABLE \"order\" (name TEXT PRIMARY KEY)");
    db.exec("CREATE TABLE items (code TEXT PRIMARY KEY, shelf_name TEXT NOT NULL, parent_code TEXT)");
    db.exec("INSERT INTO \"order\" VALUES ('deep')");
    // A chain 1,500 levels deep (MariaDB stops a recursive query at 1,000 unless told otherwise).
    db.exec("INSERT INTO items VALUES ('n0', 'deep', NULL)");
    for (int i = 1; i < 1500; ++i)
        db.exec("INSERT INTO items VALUES ('n" + std::to_string(i) + "', 'none', 'n" + std::to_string(i - 1) + "')");
    Item::destroyed.clear();
    auto const r = c::destroy<schema, Shelf>(*db, std::string("deep"));
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("items") == 1500u);
    BOOST_TEST(db.count("items") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- found in review: lists of text keys, reads a delete relies on, deep trees, refusal messages ------
namespace reviewed {
struct Tag { CASCADE_DEFINE_STRUCT(Tag, (std::string, name), (std::int64_t, n)); };
struct tag_schema : c::schema<c::model<Tag, "tags", c::primary_key<&Tag::name>>> {};

struct Acct { CASCADE_DEFINE_STRUCT(Acct, (std::string, code)); };
struct Member { CASCADE_DEFINE_STRUCT(Member, (std::int64_t, id), (std::string, acct_code)); };
struct target_schema : c::schema<c::model<Acct, "accts", c::primary_key<&Acct::code>>,
                                 c::model<Member, "members", c::belongs_to<Acct, &Member::acct_code, d::destroy>>> {};
struct owner_schema : c::schema<c::model<Acct, "accts", c::primary_key<&Acct::code>, c::has_many<Member, &Member::acct_code, d::destroy>>,
                                c::model<Member, "members", c::belongs_to<Acct, &Member::acct_code>>> {};

struct Writer { CASCADE_DEFINE_STRUCT(Writer, (std::int64_t, id)); };
struct Note {
    CASCADE_DEFINE_STRUCT(Note, (std::int64_t, id), (std::int64_t, writer_id));
    static inline std::vector<long long> after;
    void after_destroy() { after.push_back(id); }
};
struct LNote {
    CASCADE_DEFINE_STRUCT(LNote, (std::int64_t, id), (std::int64_t, writer_id));
    static inline std::vector<long long> before, after;
    void before_destroy() { before.push_back(id); }
    void after_destroy() { after.push_back(id); }
};
struct lnote_schema : c::schema<c::model<Writer, "writers", c::has_many<LNote, &LNote::writer_id, d::destroy>>,
                                c::model<LNote, "notes", c::belongs_to<Writer, &LNote::writer_id>>> {};
struct note_schema : c::schema<c::model<Writer, "writers", c::has_many<Note, &Note::writer_id, d::destroy>>,
                               c::model<Note, "notes", c::belongs_to<Writer, &Note::writer_id>>> {};
}  // namespace reviewed

BOOST_AUTO_TEST_SUITE(connectors_reviewed)

// A text key longer than a VARCHAR a list could be read into is matched whole: cut to the VARCHAR's
// length (a warning only, even in strict mode) it named another row.
BOOST_AUTO_TEST_CASE(a_text_key_longer_than_any_varchar_is_matched_whole_in_a_list) {
    if (!test::is_mysql()) return;
    using namespace reviewed;
    test::database db;
    db.exec("CREATE TABLE tags (name MEDIUMTEXT NOT NULL, n BIGINT NOT NULL)");
    std::string const prefix(4096, 'x'), longer = prefix + "y";
    *db << "INSERT INTO tags (name, n) VALUES (:a, 1)", soci::use(prefix);
    *db << "INSERT INTO tags (name, n) VALUES (:a, 2)", soci::use(longer);
    auto const r = c::destroy_all<tag_schema, Tag>(*db, std::vector<std::string>{longer});
    std::vector<long long> left;
    soci::rowset<long long> rs = ((*db).prepare << "SELECT n FROM tags ORDER BY n");
    for (long long n : rs) left.push_back(n);
    BOOST_TEST(r.rows("tags") == 1u);
    BOOST_TEST(left == std::vector<long long>{1});  // expected: the row named (n=2) goes, n=1 stays
}

// A column with a NO PAD binary collation: a list compares in the column's collation (a list read as
// utf8mb4_bin was an illegal mix of collations).
BOOST_AUTO_TEST_CASE(a_list_reads_a_nopad_column) {
    if (!test::is_mysql()) return;
    using namespace reviewed;
    test::database db;
    db.exec("CREATE TABLE tags (name VARCHAR(50) COLLATE utf8mb4_nopad_bin PRIMARY KEY, n BIGINT NOT NULL)");
    db.exec("INSERT INTO tags VALUES ('a', 1), ('b', 2)");
    auto const one = c::destroy<tag_schema, Tag>(*db, std::string("b"));
    BOOST_TEST(one.rows("tags") == 1u);
    auto const r = c::destroy_all<tag_schema, Tag>(*db, std::vector<std::string>{"a"});
    BOOST_TEST(r.rows("tags") == 1u);
    BOOST_TEST(db.count("tags") == 0);
}

// A _ci column (MariaDB's default collation for utf8mb4 is utf8mb4_general_ci): a list matches as the
// column does, as a subquery and `= :p1` do (a list read as utf8mb4_bin missed 'ACME' for 'acme').
BOOST_AUTO_TEST_CASE(a_list_matches_text_as_its_case_insensitive_column_does) {
    if (!test::is_mysql()) return;
    using namespace reviewed;
    test::database db;
    db.exec("CREATE TABLE accts (code VARCHAR(50) COLLATE utf8mb4_general_ci PRIMARY KEY)");
    db.exec("CREATE TABLE members (id BIGINT PRIMARY KEY, acct_code VARCHAR(50) COLLATE utf8mb4_general_ci NOT NULL)");
    db.exec("INSERT INTO accts VALUES ('ACME'), ('OTHER')");
    db.exec("INSERT INTO members VALUES (1, 'acme'), (2, 'other')");
    // has_many (subquery / = :p1): the owner 'ACME' takes member 'acme'
    auto const owner = c::destroy<owner_schema, Acct>(*db, std::string("OTHER"));
    BOOST_TEST(owner.rows("members") == 1u);
    // belongs_to dependent::destroy (a list of the fk values read): member 1's target 'ACME'
    auto const r = c::destroy<target_schema, Member>(*db, 1);
    BOOST_TEST(r.rows("accts") == 1u);
    BOOST_TEST(db.count("accts", "code = 'ACME'") == 0);  // the member's account goes with it
    // destroy vs destroy_all of the same key
    db.exec("INSERT INTO accts VALUES ('Zed')");
    auto const a = c::destroy_all<owner_schema, Acct>(*db, std::vector<std::string>{"zed"});
    BOOST_TEST(a.rows("accts") == 1u);  // as destroy<Acct>("zed") would
    BOOST_TEST(db.count("accts") == 0);
}

/// A writer with notes 1 and 2; in the caller's cascade::transaction the application reads first (its
/// snapshot, on InnoDB), another session then commits note 3, and the writer is destroyed.
template <class Schema>
c::destroy_result destroy_after_a_row_committed_past_the_callers_snapshot(test::database& db) {
    db.exec("CREATE TABLE writers (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, writer_id BIGINT NOT NULL)");
    db.exec("INSERT INTO writers VALUES (1)");
    db.exec("INSERT INTO notes VALUES (1, 1), (2, 1)");
    auto other = db.connect();
    c::transaction tx(*db);
    long long seen = -1;
    *db << "SELECT COUNT(*) FROM notes", soci::into(seen);  // the application reads something first
    *other << "INSERT INTO notes VALUES (3, 1)";              // another session adds a note, committed
    auto const r = c::destroy<Schema, reviewed::Writer>(tx, 1);
    tx.commit();
    return r;
}

// The rows a delete relies on are read as the delete sees them (InnoDB's plain SELECT reads the
// transaction's snapshot, its DELETE the latest rows): every deleted row heard by after_destroy.
BOOST_AUTO_TEST_CASE(after_destroy_hears_a_row_committed_after_the_callers_snapshot) {
    if (!test::is_server()) return;
    test::database db;
    reviewed::Note::after.clear();
    auto const r = destroy_after_a_row_committed_past_the_callers_snapshot<reviewed::note_schema>(db);
    BOOST_TEST(r.rows("notes") == 3u);
    BOOST_TEST(reviewed::Note::after.size() == 3u);
    BOOST_TEST(db.count("notes") == 0);
}

// The same with before_destroy: the loaded set is the set deleted, so no row stays without its writer.
BOOST_AUTO_TEST_CASE(a_loaded_set_holds_a_row_committed_after_the_callers_snapshot) {
    if (!test::is_server()) return;
    test::database db;
    reviewed::LNote::before.clear();
    reviewed::LNote::after.clear();
    auto const r = destroy_after_a_row_committed_past_the_callers_snapshot<reviewed::lnote_schema>(db);
    BOOST_TEST(r.rows("notes") == 3u);
    BOOST_TEST(reviewed::LNote::before.size() == 3u);
    BOOST_TEST(reviewed::LNote::after.size() == 3u);
    BOOST_TEST(db.count("notes") == 0);
}

// A tree deeper than max_recursive_iterations in a session with the server's defaults (the tests' own
// sessions raise the limit for the whole session): found whole, by the dry run and the destroy.
BOOST_AUTO_TEST_CASE(a_tree_deeper_than_the_recursion_limit_in_a_default_session) {
    if (!test::is_mysql()) return;
    using namespace default_mode;
    test::database db;
    db.exec("CREATE TABLE \"order\" (name VARCHAR(20) PRIMARY KEY)");
    db.exec("CREATE TABLE items (code VARCHAR(20) PRIMARY KEY, shelf_name VARCHAR(20) NOT NULL, parent_code VARCHAR(20))");
    db.exec("INSERT INTO \"order\" VALUES ('deep')");
    db.exec("INSERT INTO items VALUES ('n0', 'deep', NULL)");
    db.exec("INSERT INTO items SELECT CONCAT('n', seq), 'none', CONCAT('n', seq - 1) FROM seq_1_to_1499");
    auto s = plain_session(db);
    long long limit = 0;
    *s << "SELECT @@max_recursive_iterations", soci::into(limit);
    Item::destroyed.clear();
    auto const dry = c::dry_run<schema, Shelf>(*s, std::string("deep"));
    auto const r = c::destroy<schema, Shelf>(*s, std::string("deep"));
    BOOST_TEST(limit == 1000);
    BOOST_TEST(dry.rows("items") == 1500u);
    BOOST_TEST(r.rows("items") == 1500u);
    BOOST_TEST(Item::destroyed.size() == 1500u);
    BOOST_TEST(db.count("items") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connectors_refusals)
// The messages MariaDB 10.11 writes for 1451 (copied from the server), in both quote styles: names
// holding the quote character doubled, and dots.
BOOST_AUTO_TEST_CASE(a_refusal_names_tables_and_constraints_with_quotes_and_dots) {
    std::string const back = "Cannot delete or update a parent row: a foreign key constraint fails (`rv`.`c\"h.d`, CONSTRAINT `fk``q.x\"y` FOREIGN KEY (`pid`) REFERENCES `p.a``r` (`id`))";
    std::string const ansi = "Cannot delete or update a parent row: a foreign key constraint fails (\"rv\".\"c\"\"h.d\", CONSTRAINT \"fk`q.x\"\"y\" FOREIGN KEY (\"pid\") REFERENCES \"p.a`r\" (\"id\"))";
    for (auto const& text : {back, ansi}) {
        auto const r = c::mysql::foreign_key_refused(std::make_exception_ptr(soci::mysql_soci_error(text, 1451)));
        BOOST_TEST(r->table == "c\"h.d");
        BOOST_TEST(r->constraint == "fk`q.x\"y");
        BOOST_TEST(r->deleted == "p.a`r");
    }
}
BOOST_AUTO_TEST_SUITE_END()
