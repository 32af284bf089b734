// Every dependent policy on every association kind, with Rails' semantics: what is deleted, what is
// nullified, which callbacks run, what is refused. Ported from Rails' has_many, has_one and
// belongs_to association tests (test_dependence, test_depends_and_nullify,
// test_restrict_with_exception, test_restrict_with_error, test_dependence_with_nil_associate, ...).
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;
namespace tt = boost::test_tools;

namespace {

struct Parent {
    BOOST_HANA_DEFINE_STRUCT(Parent, (std::int64_t, id), (std::string, name));
};
struct Child {
    BOOST_HANA_DEFINE_STRUCT(Child, (std::int64_t, id), (std::optional<std::int64_t>, parent_id), (std::string, name));
    static inline std::vector<std::int64_t> destroyed;
    static inline std::vector<std::string> by;
    void before_destroy(c::destroy_context const& ctx) {
        destroyed.push_back(id);
        by.emplace_back(ctx.destroyed_by_association ? ctx.destroyed_by_association->name : "");
    }
};
struct Grandchild {
    BOOST_HANA_DEFINE_STRUCT(Grandchild, (std::int64_t, id), (std::int64_t, child_id));
};

template <template <class, auto, class, class...> class Kind, class Policy>
using family = c::schema<c::model<Parent, "parents", Kind<Child, &Child::parent_id, Policy>>,
                         c::model<Child, "children", c::has_many<Grandchild, &Grandchild::child_id, d::destroy>>,
                         c::model<Grandchild, "grandchildren">>;

/// parents 1, 2, 3; parent 1 has children 10 and 11 (has_one: only 10), parent 2 has child 20,
/// parent 3 has none; every child has two grandchildren.
struct family_db : test::database {
    explicit family_db(bool has_one = false) {
        exec("CREATE TABLE parents (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        exec("CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT, name TEXT NOT NULL)");
        exec("CREATE TABLE grandchildren (id BIGINT PRIMARY KEY, child_id BIGINT NOT NULL)");
        exec("INSERT INTO parents VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        exec(has_one ? "INSERT INTO children VALUES (10, 1, 'a'), (20, 2, 'c')"
                     : "INSERT INTO children VALUES (10, 1, 'a'), (11, 1, 'b'), (20, 2, 'c')");
        exec(has_one ? "INSERT INTO grandchildren VALUES (100, 10), (101, 10), (200, 20), (201, 20)"
                     : "INSERT INTO grandchildren VALUES (100, 10), (101, 10), (110, 11), (111, 11), (200, 20), (201, 20)");
        Child::destroyed.clear();
        Child::by.clear();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(has_many_policies)

BOOST_AUTO_TEST_CASE(destroy_runs_callbacks_and_nested_dependents) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::destroy>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("parents") == (ids{2, 3}), tt::per_element());
    BOOST_TEST(db.ids("children") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("grandchildren") == (ids{200, 201}), tt::per_element());
    BOOST_TEST(Child::destroyed == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(Child::by == (std::vector<std::string>{"children", "children"}), tt::per_element());
    BOOST_TEST(r.rows("parents") == 1u);
    BOOST_TEST(r.rows("children") == 2u);
    BOOST_TEST(r.rows("grandchildren") == 4u);
}

BOOST_AUTO_TEST_CASE(delete_all_skips_callbacks_and_nested_dependents) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::delete_all>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("children") == (ids{20}), tt::per_element());
    // Rails' delete_all runs no nested cascade: the grandchildren of 10 and 11 are orphaned.
    BOOST_TEST(db.count("grandchildren") == 6);
    BOOST_TEST(Child::destroyed.empty());
}

BOOST_AUTO_TEST_CASE(nullify_clears_the_foreign_key_only) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::nullify>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("parents") == (ids{2, 3}), tt::per_element());
    BOOST_TEST(db.ids("children") == (ids{10, 11, 20}), tt::per_element());
    BOOST_TEST(db.ids("children", "parent_id IS NULL") == (ids{10, 11}), tt::per_element());
    BOOST_TEST(db.count("grandchildren") == 6);
    BOOST_TEST(r.rows("children", c::row_action::nullified) == 2u);
    BOOST_TEST(Child::destroyed.empty());
}

BOOST_AUTO_TEST_CASE(restrict_with_exception_throws_and_changes_nothing) {
    family_db db;
    try {
        c::destroy<family<c::has_many, d::restrict_with_exception>, Parent>(*db, 1);
        BOOST_FAIL("expected cascade::delete_restriction_error");
    } catch (c::delete_restriction_error const& e) {
        BOOST_TEST(e.model == "parents");
        BOOST_TEST(e.key == "1");
        BOOST_TEST(e.association == "children");
        BOOST_TEST(std::string(e.what()).starts_with("Cannot delete record because of dependent children"));
    }
    BOOST_TEST(db.count("parents") == 3);
    BOOST_TEST(db.count("children") == 3);
    // Without dependents the same destroy goes through.
    BOOST_TEST((c::destroy<family<c::has_many, d::restrict_with_exception>, Parent>(*db, 3).status ==
                c::destroy_status::destroyed));
}

BOOST_AUTO_TEST_CASE(restrict_with_error_reports_and_changes_nothing) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::restrict_with_error>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::restricted);
    BOOST_TEST(!r);
    BOOST_REQUIRE(r.errors.size() == 1u);
    BOOST_TEST(r.errors[0].message == "Cannot delete record because dependent children exist");
    BOOST_TEST(r.errors[0].model == "parents");
    BOOST_TEST(r.errors[0].key == "1");
    BOOST_TEST(db.count("parents") == 3);
    BOOST_TEST(db.count("children") == 3);
    BOOST_TEST((c::destroy<family<c::has_many, d::restrict_with_error>, Parent>(*db, 3).status ==
                c::destroy_status::destroyed));
}

BOOST_AUTO_TEST_CASE(no_policy_leaves_dependents_orphaned) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::none>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("children", "parent_id = 1") == (ids{10, 11}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(missing_key_is_not_found_and_changes_nothing) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::destroy>, Parent>(*db, 42);
    BOOST_TEST(r.status == c::destroy_status::not_found);
    BOOST_TEST(db.count("children") == 3);
    BOOST_CHECK_THROW((c::destroy_or_throw<family<c::has_many, d::destroy>, Parent>(*db, 42)), c::record_not_destroyed);
}

BOOST_AUTO_TEST_CASE(destroy_of_an_owner_without_dependents) {
    family_db db;
    auto r = c::destroy<family<c::has_many, d::destroy>, Parent>(*db, 3);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("parents") == (ids{1, 2}), tt::per_element());
    BOOST_TEST(Child::destroyed.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(has_one_policies)

BOOST_AUTO_TEST_CASE(destroy) {
    family_db db(true);
    auto r = c::destroy<family<c::has_one, d::destroy>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("children") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("grandchildren") == (ids{200, 201}), tt::per_element());
    BOOST_TEST(Child::by == (std::vector<std::string>{"child"}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(delete_skips_callbacks) {
    family_db db(true);
    auto r = c::destroy<family<c::has_one, d::delete_>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("children") == (ids{20}), tt::per_element());
    BOOST_TEST(db.count("grandchildren") == 4);
    BOOST_TEST(Child::destroyed.empty());
}

BOOST_AUTO_TEST_CASE(nullify) {
    family_db db(true);
    c::destroy<family<c::has_one, d::nullify>, Parent>(*db, 1);
    BOOST_TEST(db.ids("children", "parent_id IS NULL") == (ids{10}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(restrict_with_exception) {
    family_db db(true);
    BOOST_CHECK_THROW((c::destroy<family<c::has_one, d::restrict_with_exception>, Parent>(*db, 1)),
                      c::delete_restriction_error);
    BOOST_TEST(db.count("parents") == 3);
}

BOOST_AUTO_TEST_CASE(restrict_with_error_uses_the_singular_message) {
    family_db db(true);
    auto r = c::destroy<family<c::has_one, d::restrict_with_error>, Parent>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::restricted);
    BOOST_REQUIRE(r.errors.size() == 1u);
    BOOST_TEST(r.errors[0].message == "Cannot delete record because a dependent child exists");
    BOOST_TEST(db.count("parents") == 3);
}

BOOST_AUTO_TEST_CASE(dependence_with_nil_associate) {
    family_db db(true);
    BOOST_TEST((c::destroy<family<c::has_one, d::destroy>, Parent>(*db, 3).status == c::destroy_status::destroyed));
    BOOST_TEST(db.count("children") == 2);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct Account {
    BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, name));
    static inline int destroyed = 0;
    void after_destroy() { ++destroyed; }
};
struct Membership {
    BOOST_HANA_DEFINE_STRUCT(Membership, (std::int64_t, id), (std::optional<std::int64_t>, account_id));
};
struct Login {
    BOOST_HANA_DEFINE_STRUCT(Login, (std::int64_t, id), (std::int64_t, account_id));
};

template <class Policy>
using membership_schema =
    c::schema<c::model<Account, "accounts", c::has_many<Login, &Login::account_id, d::delete_all>>,
              c::model<Membership, "memberships", c::belongs_to<Account, &Membership::account_id, Policy>>,
              c::model<Login, "logins">>;

struct membership_db : test::database {
    membership_db() {
        exec("CREATE TABLE accounts (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        exec("CREATE TABLE memberships (id BIGINT PRIMARY KEY, account_id BIGINT)");
        exec("CREATE TABLE logins (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL)");
        exec("INSERT INTO accounts VALUES (1, 'a'), (2, 'b')");
        exec("INSERT INTO memberships VALUES (10, 1), (11, 1), (20, 2), (30, NULL)");
        exec("INSERT INTO logins VALUES (100, 1), (200, 2)");
        Account::destroyed = 0;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(belongs_to_policies)

BOOST_AUTO_TEST_CASE(destroy_destroys_the_parent_after_the_child) {
    membership_db db;
    auto r = c::destroy<membership_schema<d::destroy>, Membership>(*db, 10);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("memberships") == (ids{11, 20, 30}), tt::per_element());
    BOOST_TEST(db.ids("accounts") == (ids{2}), tt::per_element());
    BOOST_TEST(db.ids("logins") == (ids{200}), tt::per_element());  // the parent's own cascade ran
    BOOST_TEST(Account::destroyed == 1);
}

BOOST_AUTO_TEST_CASE(delete_removes_the_parent_without_callbacks) {
    membership_db db;
    auto r = c::destroy<membership_schema<d::delete_>, Membership>(*db, 10);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("accounts") == (ids{2}), tt::per_element());
    BOOST_TEST(db.count("logins") == 2);  // no cascade from a delete
    BOOST_TEST(Account::destroyed == 0);
}

BOOST_AUTO_TEST_CASE(a_null_foreign_key_destroys_nothing_else) {
    membership_db db;
    auto r = c::destroy<membership_schema<d::destroy>, Membership>(*db, 30);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.count("accounts") == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(policies_schemas) {
    test::check_dry_run_matches_destroy<family<c::has_many, d::destroy>>();
    test::check_dry_run_matches_destroy<family<c::has_many, d::delete_all>>();
    test::check_dry_run_matches_destroy<family<c::has_many, d::nullify>>();
    test::check_dry_run_matches_destroy<family<c::has_many, d::restrict_with_exception>>();
    test::check_dry_run_matches_destroy<family<c::has_many, d::restrict_with_error>>();
    test::check_dry_run_matches_destroy<family<c::has_one, d::destroy>>();
    test::check_dry_run_matches_destroy<family<c::has_one, d::delete_>>();
    test::check_dry_run_matches_destroy<family<c::has_one, d::nullify>>();
    test::check_dry_run_matches_destroy<membership_schema<d::destroy>>();
    test::check_dry_run_matches_destroy<membership_schema<d::delete_>>();
}

BOOST_AUTO_TEST_SUITE_END()
