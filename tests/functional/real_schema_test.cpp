// Real schemas: what a destroy meets in an application's database and Rails' data. Foreign keys
// enforced without ON DELETE, rows another session adds between a load and a delete, callbacks in a
// tree, restrictions over many owners, after_rollback. Each test failed on the code before its fix, on
// SQLite and PostgreSQL unless it says otherwise.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

// ---- belongs_to targets go before the rows they refer to --------------------------------------------
// Mastodon's account deletion: an account has one user, a user has many session activations, each
// activation belongs_to its access token (dependent: :destroy), and the token refers to the user. Every
// key is a plain REFERENCES (no ON DELETE): the token must go before the user, as Rails destroys it in
// the activation's after_destroy, before the user's row is deleted.
namespace tokens {
struct Account { BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id)); };
struct User { BOOST_HANA_DEFINE_STRUCT(User, (std::int64_t, id), (std::int64_t, account_id)); };
struct AccessToken { BOOST_HANA_DEFINE_STRUCT(AccessToken, (std::int64_t, id), (std::int64_t, user_id)); };
struct SessionActivation {
    BOOST_HANA_DEFINE_STRUCT(SessionActivation, (std::int64_t, id), (std::int64_t, user_id),
                             (std::optional<std::int64_t>, access_token_id));
};
struct schema
    : c::schema<c::model<Account, "accounts", c::has_one<User, &User::account_id, d::destroy>>,
                c::model<User, "users", c::has_many<SessionActivation, &SessionActivation::user_id, d::destroy>>,
                c::model<SessionActivation, "session_activations",
                         c::belongs_to<AccessToken, &SessionActivation::access_token_id, d::destroy>>,
                c::model<AccessToken, "access_tokens">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE accounts (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE users (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id))");
        exec("CREATE TABLE access_tokens (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id))");
        exec("CREATE TABLE session_activations (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), "
             "access_token_id BIGINT REFERENCES access_tokens (id))");
        exec("INSERT INTO accounts VALUES (1), (2)");
        exec("INSERT INTO users VALUES (10, 1), (20, 2)");
        exec("INSERT INTO access_tokens VALUES (100, 10), (101, 10), (200, 20)");
        exec("INSERT INTO session_activations VALUES (1000, 10, 100), (1001, 10, 101), (1002, 10, NULL), (2000, 20, 200)");
    }
};
}  // namespace tokens

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(belongs_to_targets_go_before_the_rows_they_refer_to) {
    tokens::db db;
    auto const preview = c::dry_run<tokens::schema, tokens::Account>(*db, 1);
    auto const r = c::destroy<tokens::schema, tokens::Account>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("accounts") == (ids{2}), tt::per_element());
    BOOST_TEST(db.ids("users") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("access_tokens") == (ids{200}), tt::per_element());
    BOOST_TEST(db.ids("session_activations") == (ids{2000}), tt::per_element());
    BOOST_TEST(r.rows("access_tokens") == 2u);
    for (auto table : {"accounts", "users", "access_tokens", "session_activations"})
        BOOST_TEST(preview.rows(table) == r.rows(table), table);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_schemas)

// A token another user's activation still refers to: the database refuses its destroy, and the error
// names the declared association it came through (PostgreSQL names the tables; SQLite names none).
BOOST_AUTO_TEST_CASE(a_refusal_names_the_declared_association) {
    tokens::db db;
    db.exec("INSERT INTO session_activations VALUES (2001, 20, 100)");
    std::string what, association;
    try {
        c::destroy<tokens::schema, tokens::Account>(*db, 1);
    } catch (c::foreign_key_violation const& e) {
        what = e.what();
        association = e.association;
    }
    BOOST_TEST(!what.empty());
    if (test::is_postgresql()) {
        BOOST_TEST(association == "session_activations.access_token");
        BOOST_TEST(what.find("no association of the schema declares") == std::string::npos, what);
    }
    BOOST_TEST(db.count("accounts") == 2);
    BOOST_TEST(db.count("access_tokens") == 3);
    BOOST_TEST(db.count("session_activations") == 5);
}

BOOST_AUTO_TEST_SUITE_END()
