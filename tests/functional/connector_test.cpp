// The connectors where a database differs from the others in ways an application meets: MariaDB in
// its server's default sql_mode (identifiers in backquotes, backslash escapes in string literals), a
// table named by a reserved word, text keys with every character a list or a literal must escape,
// InnoDB's foreign keys checked row by row inside a statement, recursion deeper than MariaDB's default
// limit of 1,000 levels.
#include "../support/database.hpp"

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
