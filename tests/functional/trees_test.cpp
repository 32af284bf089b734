// Models adapted with CASCADE_DEFINE_STRUCT (the other suites use BOOST_HANA_DEFINE_STRUCT: both paths run).
// Whole cascades: a four-level tree of mixed policies, a diamond, custom and text keys, scopes,
// polymorphic and through associations, and pages smaller than the data.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace {

// ---- four levels, mixed policies: publisher -> authors (destroy) -> books (destroy, callbacks)
// ---- -> chapters (destroy) -> paragraphs (delete_all); authors -> reviews (nullify);
// ---- books -> awards (restrict_with_error, only checked)
struct Publisher { CASCADE_DEFINE_STRUCT(Publisher, (std::int64_t, id), (std::string, name)); };
struct Writer { CASCADE_DEFINE_STRUCT(Writer, (std::int64_t, id), (std::int64_t, publisher_id)); };
struct Novel {
    CASCADE_DEFINE_STRUCT(Novel, (std::int64_t, id), (std::int64_t, writer_id), (std::string, title));
    static inline std::vector<std::int64_t> seen;
    void after_destroy() { seen.push_back(id); }
};
struct Part { CASCADE_DEFINE_STRUCT(Part, (std::int64_t, id), (std::int64_t, novel_id)); };
struct Paragraph { CASCADE_DEFINE_STRUCT(Paragraph, (std::int64_t, id), (std::int64_t, part_id)); };
struct Critique { CASCADE_DEFINE_STRUCT(Critique, (std::int64_t, id), (std::optional<std::int64_t>, writer_id)); };
struct Prize { CASCADE_DEFINE_STRUCT(Prize, (std::int64_t, id), (std::int64_t, novel_id)); };

using four_levels = c::schema<
    c::model<Publisher, "publishers", c::has_many<Writer, &Writer::publisher_id, d::destroy>>,
    c::model<Writer, "writers", c::has_many<Novel, &Novel::writer_id, d::destroy>,
             c::has_many<Critique, &Critique::writer_id, d::nullify>>,
    c::model<Novel, "novels", c::has_many<Part, &Part::novel_id, d::destroy>,
             c::has_many<Prize, &Prize::novel_id, d::restrict_with_error>>,
    c::model<Part, "parts", c::has_many<Paragraph, &Paragraph::part_id, d::delete_all>>,
    c::model<Paragraph, "paragraphs">, c::model<Critique, "critiques">, c::model<Prize, "prizes">>;

struct four_level_db : test::database {
    four_level_db() {
        exec("CREATE TABLE publishers (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        exec("CREATE TABLE writers (id BIGINT PRIMARY KEY, publisher_id BIGINT NOT NULL)");
        exec("CREATE TABLE novels (id BIGINT PRIMARY KEY, writer_id BIGINT NOT NULL, title TEXT NOT NULL)");
        exec("CREATE TABLE parts (id BIGINT PRIMARY KEY, novel_id BIGINT NOT NULL)");
        exec("CREATE TABLE paragraphs (id BIGINT PRIMARY KEY, part_id BIGINT NOT NULL)");
        exec("CREATE TABLE critiques (id BIGINT PRIMARY KEY, writer_id BIGINT)");
        exec("CREATE TABLE prizes (id BIGINT PRIMARY KEY, novel_id BIGINT NOT NULL)");
        exec("INSERT INTO publishers VALUES (1, 'p1'), (2, 'p2')");
        exec("INSERT INTO writers VALUES (10, 1), (11, 1), (20, 2)");
        exec("INSERT INTO novels VALUES (100, 10, 'a'), (101, 10, 'b'), (110, 11, 'c'), (200, 20, 'd')");
        exec("INSERT INTO parts VALUES (1000, 100), (1001, 100), (1010, 101), (1100, 110), (2000, 200)");
        exec("INSERT INTO paragraphs VALUES (1, 1000), (2, 1000), (3, 1001), (4, 1010), (5, 1100), (6, 2000)");
        exec("INSERT INTO critiques VALUES (1, 10), (2, 11), (3, 20)");
        Novel::seen.clear();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(trees)

BOOST_AUTO_TEST_CASE(four_level_mixed_policy_tree) {
    four_level_db db;
    auto r = c::destroy<four_levels, Publisher>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("publishers") == (ids{2}), tt::per_element());
    BOOST_TEST(db.ids("writers") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("novels") == (ids{200}), tt::per_element());
    BOOST_TEST(db.ids("parts") == (ids{2000}), tt::per_element());
    BOOST_TEST(db.ids("paragraphs") == (ids{6}), tt::per_element());
    BOOST_TEST(db.ids("critiques", "writer_id IS NULL") == (ids{1, 2}), tt::per_element());
    BOOST_TEST(db.ids("critiques", "writer_id = 20") == (ids{3}), tt::per_element());
    BOOST_TEST(Novel::seen == (std::vector<std::int64_t>{100, 101, 110}), tt::per_element());
    BOOST_TEST(r.rows("paragraphs") == 5u);
    BOOST_TEST(r.rows("critiques", c::row_action::nullified) == 2u);
    BOOST_TEST(r.total() == 1u + 2u + 3u + 4u + 5u);
}

BOOST_AUTO_TEST_CASE(a_nested_restriction_stops_everything_before_any_write) {
    four_level_db db;
    db.exec("INSERT INTO prizes VALUES (1, 110)");
    auto r = c::destroy<four_levels, Publisher>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::restricted);
    BOOST_REQUIRE(r.errors.size() == 1u);
    BOOST_TEST(r.errors[0].model == "novels");
    BOOST_TEST(r.errors[0].key == "110");
    BOOST_TEST(r.errors[0].association == "prizes");
    BOOST_TEST(db.count("writers") == 3);
    BOOST_TEST(db.count("paragraphs") == 6);
    BOOST_TEST(db.count("critiques", "writer_id IS NULL") == 0);
    BOOST_TEST(Novel::seen.empty());
}

BOOST_AUTO_TEST_CASE(pages_smaller_than_the_data) {
    four_level_db db;
    for (int i = 0; i < 25; ++i)
        db.exec("INSERT INTO novels VALUES (" + std::to_string(300 + i) + ", 10, 'n')");
    auto r = c::destroy<four_levels, Publisher>(*db, 1, c::destroy_options{.page_size = 2});
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("novels") == (ids{200}), tt::per_element());
    BOOST_TEST(Novel::seen.size() == 28u);
    BOOST_TEST(db.ids("paragraphs") == (ids{6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(dry_run_counts_without_changing_anything) {
    four_level_db db;
    auto plan = c::dry_run<four_levels, Publisher>(*db, 1);
    BOOST_TEST(plan.status == c::destroy_status::destroyed);
    BOOST_TEST(plan.rows("publishers") == 1u);
    BOOST_TEST(plan.rows("writers") == 2u);
    BOOST_TEST(plan.rows("novels") == 3u);
    BOOST_TEST(plan.rows("parts") == 4u);
    BOOST_TEST(plan.rows("paragraphs") == 5u);
    BOOST_TEST(plan.rows("critiques", c::row_action::nullified) == 2u);
    BOOST_TEST(db.count("paragraphs") == 6);
    BOOST_TEST(Novel::seen.empty());
    auto done = c::destroy<four_levels, Publisher>(*db, 1);
    BOOST_TEST(done.total() == plan.total());
    db.exec("INSERT INTO prizes VALUES (1, 200)");
    BOOST_TEST((c::dry_run<four_levels, Publisher>(*db, 2).status == c::destroy_status::restricted));
    BOOST_TEST((c::dry_run<four_levels, Publisher>(*db, 9).status == c::destroy_status::not_found));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// ---- a diamond: reviews are reached from an author directly and through its books -------------
struct Owner { CASCADE_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Item { CASCADE_DEFINE_STRUCT(Item, (std::int64_t, id), (std::int64_t, owner_id)); };
struct Note {
    CASCADE_DEFINE_STRUCT(Note, (std::int64_t, id), (std::optional<std::int64_t>, owner_id),
                             (std::optional<std::int64_t>, item_id));
    static inline int destroyed = 0;
    void before_destroy() { ++destroyed; }
};
using diamond = c::schema<
    c::model<Owner, "owners", c::has_many<Item, &Item::owner_id, d::destroy>,
             c::has_many<Note, &Note::owner_id, d::destroy>>,
    c::model<Item, "items", c::has_many<Note, &Note::item_id, d::destroy>>,
    c::model<Note, "notes">>;

}  // namespace

BOOST_AUTO_TEST_CASE(diamond_destroys_each_row_once) {
    test::database db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE items (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, owner_id BIGINT, item_id BIGINT)");
    db.exec("INSERT INTO owners VALUES (1), (2)");
    db.exec("INSERT INTO items VALUES (10, 1), (20, 2)");
    // note 1 on the owner only, 2 on the item only, 3 on both paths, 4 elsewhere
    db.exec("INSERT INTO notes VALUES (1, 1, NULL), (2, NULL, 10), (3, 1, 10), (4, 2, 20)");
    Note::destroyed = 0;
    auto r = c::destroy<diamond, Owner>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("notes") == (ids{4}), tt::per_element());
    BOOST_TEST(Note::destroyed == 3);
    BOOST_TEST(r.rows("notes") == 3u);
}

namespace {

// ---- text keys, a custom primary key and a non-primary referenced column ----------------------
struct Country { CASCADE_DEFINE_STRUCT(Country, (std::string, code), (std::string, name)); };
struct City {
    CASCADE_DEFINE_STRUCT(City, (std::string, slug), (std::string, country_code));
    static inline std::vector<std::string> seen;
    void before_destroy() { seen.push_back(slug); }
};
struct Street { CASCADE_DEFINE_STRUCT(Street, (std::int64_t, number), (std::string, city_slug)); };
struct Account { CASCADE_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, handle)); };
struct Post { CASCADE_DEFINE_STRUCT(Post, (std::int64_t, id), (std::optional<std::string>, author_handle)); };

using keyed = c::schema<
    c::model<Country, "countries", c::primary_key<&Country::code>,
             c::has_many<City, &City::country_code, d::destroy>>,
    c::model<City, "cities", c::primary_key<&City::slug>, c::has_many<Street, &Street::city_slug, d::delete_all>>,
    c::model<Street, "streets", c::primary_key<&Street::number>>,
    c::model<Account, "accounts",
             c::has_many<Post, &Post::author_handle, d::nullify, c::primary_key<&Account::handle>>>,
    c::model<Post, "posts">>;

}  // namespace

BOOST_AUTO_TEST_CASE(text_and_custom_primary_keys) {
    test::database db;
    db.exec("CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT NOT NULL)");
    db.exec("CREATE TABLE cities (slug TEXT PRIMARY KEY, country_code TEXT NOT NULL)");
    db.exec("CREATE TABLE streets (number BIGINT PRIMARY KEY, city_slug TEXT NOT NULL)");
    db.exec("INSERT INTO countries VALUES ('fr', 'France'), ('it', 'Italy'), ('x''; DROP TABLE cities; --', 'Evil')");
    db.exec("INSERT INTO cities VALUES ('paris', 'fr'), ('lyon', 'fr'), ('roma', 'it'), ('evil', 'x''; DROP TABLE cities; --')");
    db.exec("INSERT INTO streets VALUES (1, 'paris'), (2, 'lyon'), (3, 'roma'), (4, 'evil')");
    City::seen.clear();
    auto r = c::destroy<keyed, Country>(*db, std::string("fr"), c::destroy_options{.page_size = 1});
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(City::seen == (std::vector<std::string>{"lyon", "paris"}), tt::per_element());
    BOOST_TEST(db.count("cities") == 2);
    BOOST_TEST(db.count("streets") == 2);
    // A hostile key is a value like any other: bound, never spliced into the SQL.
    auto evil = c::destroy<keyed, Country>(*db, std::string("x'; DROP TABLE cities; --"));
    BOOST_TEST(evil.status == c::destroy_status::destroyed);
    BOOST_TEST(db.count("cities") == 1);
    BOOST_TEST(db.count("countries") == 1);
    BOOST_TEST((c::destroy<keyed, Country>(*db, std::string("' OR 1=1 --")).status == c::destroy_status::not_found));
    BOOST_TEST(db.count("countries") == 1);
}

BOOST_AUTO_TEST_CASE(has_many_with_a_primary_key_option_refers_to_another_owner_column) {
    test::database db;
    db.exec("CREATE TABLE accounts (id BIGINT PRIMARY KEY, handle TEXT NOT NULL)");
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY, author_handle TEXT)");
    db.exec("INSERT INTO accounts VALUES (1, 'ada'), (2, 'bob')");
    db.exec("INSERT INTO posts VALUES (10, 'ada'), (11, 'ada'), (20, 'bob')");
    auto r = c::destroy<keyed, Account>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("posts", "author_handle IS NULL") == (ids{10, 11}), tt::per_element());
    BOOST_TEST(db.ids("posts", "author_handle = 'bob'") == (ids{20}), tt::per_element());
}

namespace {

// ---- scopes: a compile-time condition applied in SQL, its values bound -------------------------
struct Topic { CASCADE_DEFINE_STRUCT(Topic, (std::int64_t, id)); };
struct Reply {
    CASCADE_DEFINE_STRUCT(Reply, (std::int64_t, id), (std::int64_t, topic_id), (bool, visible),
                             (std::string, status));
};
using scoped = c::schema<
    c::model<Topic, "topics",
             c::has_many<Reply, &Reply::topic_id, d::delete_all, c::where<&Reply::visible, true>, c::name<"visible_replies">>,
             c::has_many<Reply, &Reply::topic_id, d::delete_all,
                         c::where<&Reply::status, c::fixed_string{"x'); DELETE FROM replies; --"}>, c::name<"odd_replies">>,
             c::has_many<Reply, &Reply::topic_id, d::restrict_with_error,
                         c::where<&Reply::status, c::fixed_string{"pinned"}>, c::name<"pinned_replies">>>,
    c::model<Reply, "replies">>;

}  // namespace

BOOST_AUTO_TEST_CASE(scopes_apply_in_sql_with_bound_values) {
    // Rails: test_dependent_association_respects_optional_conditions_on_delete
    test::database db;
    db.exec("CREATE TABLE topics (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE replies (id BIGINT PRIMARY KEY, topic_id BIGINT NOT NULL, visible BOOLEAN NOT NULL, status TEXT NOT NULL)");
    db.exec("INSERT INTO topics VALUES (1), (2)");
    db.exec("INSERT INTO replies VALUES (1, 1, TRUE, 'new'), (2, 1, FALSE, 'new'), "
            "(3, 1, FALSE, 'x''); DELETE FROM replies; --'), (4, 2, TRUE, 'new'), (5, 2, FALSE, 'pinned')");
    auto r = c::destroy<scoped, Topic>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("replies") == (ids{2, 4, 5}), tt::per_element());
    auto pinned = c::destroy<scoped, Topic>(*db, 2);
    BOOST_TEST(pinned.status == c::destroy_status::restricted);
    BOOST_REQUIRE(pinned.errors.size() == 1u);
    BOOST_TEST(pinned.errors[0].association == "pinned_replies");
    BOOST_TEST(db.count("replies") == 3);
}

namespace {

// ---- polymorphic: comments belong to posts or photos through a type column ---------------------
struct Article { CASCADE_DEFINE_STRUCT(Article, (std::int64_t, id)); };
struct Photo { CASCADE_DEFINE_STRUCT(Photo, (std::int64_t, id)); };
struct Comment {
    CASCADE_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, commentable_id),
                             (std::optional<std::string>, commentable_type));
};
using polymorphic = c::schema<
    c::model<Article, "articles", c::polymorphic_name<"Article">,
             c::has_many<Comment, &Comment::commentable_id, d::destroy, c::as<&Comment::commentable_type>>>,
    c::model<Photo, "photos", c::polymorphic_name<"Photo">,
             c::has_many<Comment, &Comment::commentable_id, d::nullify, c::as<&Comment::commentable_type>>>,
    c::model<Comment, "comments">>;

}  // namespace

BOOST_AUTO_TEST_CASE(polymorphic_associations_match_the_type_column) {
    test::database db;
    db.exec("CREATE TABLE articles (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE photos (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, commentable_id BIGINT, commentable_type TEXT)");
    db.exec("INSERT INTO articles VALUES (1)");
    db.exec("INSERT INTO photos VALUES (1)");
    db.exec("INSERT INTO comments VALUES (1, 1, 'Article'), (2, 1, 'Photo'), (3, 1, 'Article'), (4, 1, 'Photo')");
    BOOST_TEST((c::destroy<polymorphic, Article>(*db, 1).rows("comments") == 2u));
    BOOST_TEST(db.ids("comments") == (ids{2, 4}), tt::per_element());
    auto r = c::destroy<polymorphic, Photo>(*db, 1);
    BOOST_TEST(r.rows("comments", c::row_action::nullified) == 2u);
    BOOST_TEST(db.count("comments", "commentable_id IS NULL AND commentable_type IS NULL") == 2);
}

namespace {

// ---- has_many through: the policy acts on the join rows, never on the shared targets -----------
struct Recipe { CASCADE_DEFINE_STRUCT(Recipe, (std::int64_t, id)); };
struct Label { CASCADE_DEFINE_STRUCT(Label, (std::int64_t, id), (bool, featured)); };
struct Labeling {
    CASCADE_DEFINE_STRUCT(Labeling, (std::int64_t, id), (std::int64_t, recipe_id), (std::optional<std::int64_t>, label_id));
    static inline int destroyed = 0;
    void after_destroy() { ++destroyed; }
};
template <class Policy, class... Options>
using through = c::schema<
    c::model<Recipe, "recipes", c::has_many_through<Label, Labeling, &Labeling::recipe_id, &Labeling::label_id, Policy, Options...>>,
    c::model<Label, "labels">, c::model<Labeling, "labelings">>;

struct through_db : test::database {
    through_db() {
        exec("CREATE TABLE recipes (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE labels (id BIGINT PRIMARY KEY, featured BOOLEAN NOT NULL)");
        exec("CREATE TABLE labelings (id BIGINT PRIMARY KEY, recipe_id BIGINT NOT NULL, label_id BIGINT)");
        exec("INSERT INTO recipes VALUES (1), (2)");
        exec("INSERT INTO labels VALUES (1, TRUE), (2, FALSE)");
        exec("INSERT INTO labelings VALUES (10, 1, 1), (11, 1, 2), (20, 2, 1)");
        Labeling::destroyed = 0;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(has_many_through)

BOOST_AUTO_TEST_CASE(destroy_destroys_the_join_rows_with_callbacks_and_keeps_the_targets) {
    through_db db;
    auto r = c::destroy<through<d::destroy>, Recipe>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("labelings") == (ids{20}), tt::per_element());
    BOOST_TEST(db.count("labels") == 2);
    BOOST_TEST(Labeling::destroyed == 2);
}

BOOST_AUTO_TEST_CASE(delete_all_deletes_the_join_rows) {
    through_db db;
    c::destroy<through<d::delete_all>, Recipe>(*db, 1);
    BOOST_TEST(db.ids("labelings") == (ids{20}), tt::per_element());
    BOOST_TEST(db.count("labels") == 2);
    BOOST_TEST(Labeling::destroyed == 0);
}

BOOST_AUTO_TEST_CASE(nullify_clears_the_join_rows_source_key) {
    through_db db;
    c::destroy<through<d::nullify>, Recipe>(*db, 1);
    BOOST_TEST(db.ids("labelings", "label_id IS NULL") == (ids{10, 11}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(restrict_with_exception) {
    through_db db;
    BOOST_CHECK_THROW((c::destroy<through<d::restrict_with_exception>, Recipe>(*db, 1)), c::delete_restriction_error);
    BOOST_TEST(db.count("labelings") == 3);
}

BOOST_AUTO_TEST_CASE(a_scope_on_the_target_selects_the_join_rows) {
    through_db db;
    c::destroy<through<d::delete_all, c::where<&Label::featured, true>>, Recipe>(*db, 1);
    BOOST_TEST(db.ids("labelings") == (ids{11, 20}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
struct Device { CASCADE_DEFINE_STRUCT(Device, (std::string, uuid), (std::string, label)); };
struct Reading {
    CASCADE_DEFINE_STRUCT(Reading, (std::string, uuid), (std::string, device_uuid));
    static inline std::vector<std::string> seen;
    void before_destroy() { seen.push_back(uuid); }
};
struct uuid_schema : c::schema<c::model<Device, "devices", c::primary_key<&Device::uuid>,
                                        c::has_many<Reading, &Reading::device_uuid, d::destroy>>,
                               c::model<Reading, "readings", c::primary_key<&Reading::uuid>>> {};
}  // namespace

BOOST_AUTO_TEST_CASE(uuid_primary_keys_on_postgresql) {
    if (!test::is_postgresql()) return;  // a UUID column type is PostgreSQL's; SQLite stores them as text (above)
    test::database db;
    db.exec("CREATE TABLE devices (uuid UUID PRIMARY KEY, label TEXT NOT NULL)");
    db.exec("CREATE TABLE readings (uuid UUID PRIMARY KEY, device_uuid UUID NOT NULL REFERENCES devices (uuid))");
    db.exec("INSERT INTO devices VALUES ('6f1c2a9e-0000-4000-8000-000000000001', 'a'), ('6f1c2a9e-0000-4000-8000-000000000002', 'b')");
    db.exec("INSERT INTO readings VALUES ('0a000000-0000-4000-8000-000000000001', '6f1c2a9e-0000-4000-8000-000000000001'), "
            "('0a000000-0000-4000-8000-000000000002', '6f1c2a9e-0000-4000-8000-000000000001'), "
            "('0a000000-0000-4000-8000-000000000003', '6f1c2a9e-0000-4000-8000-000000000002')");
    Reading::seen.clear();
    auto r = c::destroy<uuid_schema, Device>(*db, std::string("6f1c2a9e-0000-4000-8000-000000000001"), c::destroy_options{.page_size = 1});
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(Reading::seen == (std::vector<std::string>{"0a000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000002"}),
               tt::per_element());
    BOOST_TEST(db.count("readings") == 1);
    BOOST_TEST(db.count("devices") == 1);
    BOOST_TEST((c::destroy<uuid_schema, Device>(*db, std::string("6f1c2a9e-0000-4000-8000-00000000000f")).status ==
                c::destroy_status::not_found));
}

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(trees_schemas) {
    test::check_dry_run_matches_destroy<four_levels>();
    test::check_dry_run_matches_destroy<diamond>();
    test::check_dry_run_matches_destroy<keyed>();
    test::check_dry_run_matches_destroy<scoped>();
    test::check_dry_run_matches_destroy<polymorphic>();
    test::check_dry_run_matches_destroy<through<d::destroy>>();
    test::check_dry_run_matches_destroy<through<d::delete_all>>();
    test::check_dry_run_matches_destroy<through<d::nullify>>();
    test::check_dry_run_matches_destroy<through<d::restrict_with_exception>>();
    test::check_dry_run_matches_destroy<through<d::delete_all, c::where<&Label::featured, true>>>();
    test::check_dry_run_matches_destroy<uuid_schema>();
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the row code a destroy carries is what its root can reach: callbacks two destroy edges away, on
// ---- the target of a belongs_to, through a self-referential cycle; none for models only delete_all'd
namespace {
struct Club { CASCADE_DEFINE_STRUCT(Club, (std::int64_t, id)); };
struct Member {
    CASCADE_DEFINE_STRUCT(Member, (std::int64_t, id), (std::int64_t, club_id), (std::optional<std::int64_t>, locker_id));
    static inline std::vector<std::int64_t> seen;
    void before_destroy() { seen.push_back(id); }
};
struct Locker {  // reached only as the target of Member's belongs_to
    CASCADE_DEFINE_STRUCT(Locker, (std::int64_t, id));
    static inline std::vector<std::int64_t> seen;
    void after_destroy() { seen.push_back(id); }
};
struct Thread {  // replies of replies: a self-referential has_many
    CASCADE_DEFINE_STRUCT(Thread, (std::int64_t, id), (std::optional<std::int64_t>, club_id), (std::optional<std::int64_t>, parent_id));
    static inline std::vector<std::int64_t> seen;
    void after_destroy() { seen.push_back(id); }
};
struct Flyer {  // has a callback but is only delete_all'd: no row code, and none may run
    CASCADE_DEFINE_STRUCT(Flyer, (std::int64_t, id), (std::int64_t, club_id));
    static inline std::vector<std::int64_t> seen;
    void before_destroy() { seen.push_back(id); }
};
using clubs = c::schema<
    c::model<Club, "clubs", c::has_many<Member, &Member::club_id, d::destroy>, c::has_many<Thread, &Thread::club_id, d::destroy>,
             c::has_many<Flyer, &Flyer::club_id, d::delete_all>>,
    c::model<Member, "members", c::belongs_to<Locker, &Member::locker_id, d::destroy>>,
    c::model<Locker, "lockers">,
    c::model<Thread, "threads", c::has_many<Thread, &Thread::parent_id, d::destroy, c::name<"replies">>>,
    c::model<Flyer, "flyers">>;

struct club_db : test::database {
    club_db() {
        exec("CREATE TABLE clubs (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE lockers (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE members (id BIGINT PRIMARY KEY, club_id BIGINT NOT NULL, locker_id BIGINT)");
        exec("CREATE TABLE threads (id BIGINT PRIMARY KEY, club_id BIGINT, parent_id BIGINT)");
        exec("CREATE TABLE flyers (id BIGINT PRIMARY KEY, club_id BIGINT NOT NULL)");
        exec("INSERT INTO clubs VALUES (1), (2)");
        exec("INSERT INTO lockers VALUES (10), (11), (20)");
        exec("INSERT INTO members VALUES (100, 1, 10), (101, 1, 11), (200, 2, 20)");
        exec("INSERT INTO threads VALUES (1000, 1, NULL), (1001, NULL, 1000), (1002, NULL, 1001), (2000, 2, NULL)");
        exec("INSERT INTO flyers VALUES (7, 1), (8, 2)");
        Member::seen.clear();
        Locker::seen.clear();
        Thread::seen.clear();
        Flyer::seen.clear();
    }
};
constexpr auto const& from_club = c::detail::reached_from<clubs, 0>;
constexpr auto const& from_locker = c::detail::reached_from<clubs, 2>;
static_assert(from_club.count == 4);  // clubs, members, threads, lockers: not flyers
static_assert(from_locker.count == 1 && from_locker.at[0] == 2);
}  // namespace

BOOST_AUTO_TEST_SUITE(row_code)

BOOST_AUTO_TEST_CASE(a_destroy_runs_every_callback_its_root_reaches_and_no_other) {
    club_db db;
    auto r = c::destroy<clubs, Club>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    std::sort(Member::seen.begin(), Member::seen.end());
    std::sort(Locker::seen.begin(), Locker::seen.end());
    std::sort(Thread::seen.begin(), Thread::seen.end());
    BOOST_TEST(Member::seen == (std::vector<std::int64_t>{100, 101}), tt::per_element());
    BOOST_TEST(Locker::seen == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(Thread::seen == (std::vector<std::int64_t>{1000, 1001, 1002}), tt::per_element());
    BOOST_TEST(Flyer::seen.empty());
    BOOST_TEST(db.ids("lockers") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("threads") == (ids{2000}), tt::per_element());
    BOOST_TEST(db.ids("flyers") == (ids{8}), tt::per_element());
    // another root of the same schema carries its own, smaller table
    BOOST_TEST((c::destroy<clubs, Locker>(*db, 20).status == c::destroy_status::destroyed));
    BOOST_TEST(Locker::seen.size() == 3u);
    // many owners at once, by keys, use the root's table too
    BOOST_TEST((c::destroy_all<clubs, Club>(*db, std::vector<std::int64_t>{2}).status == c::destroy_status::destroyed));
    BOOST_TEST(Member::seen.size() == 3u);
    BOOST_TEST(Thread::seen.size() == 4u);
    BOOST_TEST(db.count("clubs") == 0);
}

BOOST_AUTO_TEST_CASE(a_row_table_that_misses_a_model_is_an_error_before_anything_changes) {
    // The safety net under reached_from: a club's plan run with the table of a locker's destroy (no code
    // for members or threads) must refuse, not skip their callbacks.
    club_db db;
    namespace dt = c::detail;
    dt::bound_values root;
    auto const key = dt::key_value<dt::model_for_t<clubs, Club>>(1);
    root(key, "key");
    auto const& pp = dt::prepare(dt::graph_of<clubs>, dt::key_root<clubs, Club>());
    dt::no_sink sink;
    BOOST_CHECK_THROW(dt::run_destroy<clubs>(*db, nullptr, pp, root, {}, sink, false,
                                             {.rows = dt::row_table<clubs, dt::no_sink, 2>.data()}),
                      std::logic_error);
    BOOST_TEST(db.count("clubs") == 2);
    BOOST_TEST(db.count("members") == 3);
    BOOST_TEST(Member::seen.empty());
}

BOOST_AUTO_TEST_SUITE_END()
