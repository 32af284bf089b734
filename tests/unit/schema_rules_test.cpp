// The schema rules, each checked both ways through the polite concept: a schema that keeps the rule
// is a valid_schema, the same schema breaking it is not. (The hard errors, with their messages, are
// the compile_fail tests.)
#include <boost/test/unit_test.hpp>

#include <cascade/cascade.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace rules {
struct A { BOOST_HANA_DEFINE_STRUCT(A, (std::int64_t, id)); };
struct B { BOOST_HANA_DEFINE_STRUCT(B, (std::int64_t, id), (std::optional<std::int64_t>, a_id), (std::int64_t, strict_a_id)); };
struct J { BOOST_HANA_DEFINE_STRUCT(J, (std::int64_t, id), (std::int64_t, a_id), (std::optional<std::int64_t>, b_id), (std::int64_t, strict_b_id)); };
struct NoKey { BOOST_HANA_DEFINE_STRUCT(NoKey, (std::int64_t, number)); };
struct NotAdapted { std::int64_t id; };

template <class... Parts>
using with_a = c::schema<c::model<A, "as", Parts...>, c::model<B, "bs">, c::model<J, "js">>;

// policies per kind (Rails' valid_dependent_options)
static_assert(c::valid_schema<with_a<c::has_many<B, &B::a_id, d::destroy>>>);
static_assert(c::valid_schema<with_a<c::has_many<B, &B::a_id, d::delete_all>>>);
static_assert(c::valid_schema<with_a<c::has_many<B, &B::a_id, d::destroy_async>>>);
static_assert(!c::valid_schema<with_a<c::has_many<B, &B::a_id, d::delete_>>>);
static_assert(c::valid_schema<with_a<c::has_one<B, &B::a_id, d::delete_>>>);
static_assert(!c::valid_schema<with_a<c::has_one<B, &B::a_id, d::delete_all>>>);
static_assert(c::valid_schema<with_a<c::has_one<B, &B::a_id, d::restrict_with_error>>>);
static_assert(c::valid_schema<c::schema<c::model<A, "as">, c::model<B, "bs", c::belongs_to<A, &B::a_id, d::delete_>>>>);
static_assert(!c::valid_schema<c::schema<c::model<A, "as">, c::model<B, "bs", c::belongs_to<A, &B::a_id, d::nullify>>>>);
static_assert(!c::valid_schema<c::schema<c::model<A, "as">, c::model<B, "bs", c::belongs_to<A, &B::a_id, d::restrict_with_error>>>>);
// nullify needs a nullable key, on the join's source key for through
static_assert(c::valid_schema<with_a<c::has_many<B, &B::a_id, d::nullify>>>);
static_assert(!c::valid_schema<with_a<c::has_many<B, &B::strict_a_id, d::nullify>>>);
static_assert(c::valid_schema<with_a<c::has_many_through<B, J, &J::a_id, &J::b_id, d::nullify>>>);
static_assert(!c::valid_schema<with_a<c::has_many_through<B, J, &J::a_id, &J::strict_b_id, d::nullify>>>);
// the target must be a model of the schema
static_assert(!c::valid_schema<c::schema<c::model<A, "as", c::has_many<B, &B::a_id, d::destroy>>>>);
// the foreign key must live on the right side
static_assert(!c::valid_schema<with_a<c::has_many<B, &J::a_id, d::destroy>>>);
// a model needs a primary key, and an adapted struct
static_assert(!c::valid_schema<c::schema<c::model<NoKey, "nokeys">>>);
static_assert(c::valid_schema<c::schema<c::model<NoKey, "nokeys", c::primary_key<&NoKey::number>>>>);
static_assert(!c::valid_schema<c::schema<c::model<NotAdapted, "plain">>>);
// cycles of destroy are plans like any other: a tree in one table, a cycle through two models, a
// belongs_to destroy back to the owner
struct Node { BOOST_HANA_DEFINE_STRUCT(Node, (std::int64_t, id), (std::optional<std::int64_t>, parent_id)); };
static_assert(c::valid_schema<c::schema<c::model<Node, "nodes", c::has_many<Node, &Node::parent_id, d::destroy>>>>);
static_assert(c::valid_schema<c::schema<c::model<A, "as", c::has_many<B, &B::a_id, d::destroy>>,
                                        c::model<B, "bs", c::belongs_to<A, &B::a_id, d::destroy>>>>);
struct C { BOOST_HANA_DEFINE_STRUCT(C, (std::int64_t, id), (std::optional<std::int64_t>, d_id)); };
struct D { BOOST_HANA_DEFINE_STRUCT(D, (std::int64_t, id), (std::optional<std::int64_t>, c_id)); };
struct TextD { BOOST_HANA_DEFINE_STRUCT(TextD, (std::string, code), (std::optional<std::int64_t>, c_id)); };
struct C2 { BOOST_HANA_DEFINE_STRUCT(C2, (std::int64_t, id), (std::optional<std::string>, d_code)); };
static_assert(c::valid_schema<c::schema<c::model<C, "cs", c::has_many<D, &D::c_id, d::destroy>>,
                                        c::model<D, "ds", c::has_many<C, &C::d_id, d::destroy>>>>);
// ... but a cycle through several models needs one key type
static_assert(!c::valid_schema<c::schema<c::model<C2, "cs", c::has_many<TextD, &TextD::c_id, d::destroy>>,
                                         c::model<TextD, "ds", c::primary_key<&TextD::code>,
                                                  c::has_many<C2, &C2::d_code, d::destroy, c::primary_key<&TextD::code>>>>>);
// association names are unique within a model; tables within a schema
static_assert(!c::valid_schema<with_a<c::has_many<B, &B::a_id, d::destroy>, c::has_many<B, &B::strict_a_id, d::destroy>>>);
static_assert(c::valid_schema<with_a<c::has_many<B, &B::a_id, d::destroy>,
                                     c::has_many<B, &B::strict_a_id, d::destroy, c::name<"strict_bs">>>>);
static_assert(!c::valid_schema<c::schema<c::model<A, "as">, c::model<B, "as">>>);
// text the SQL binds or quotes holds no NUL byte (nor a quote, in a table name)
struct S { BOOST_HANA_DEFINE_STRUCT(S, (std::int64_t, id), (std::int64_t, a_id), (std::string, state)); };
static_assert(c::valid_schema<c::schema<c::model<A, "as", c::has_many<S, &S::a_id, d::destroy, c::where<&S::state, c::fixed_string{"ok"}>>>,
                                        c::model<S, "ss">>>);
static_assert(!c::valid_schema<c::schema<c::model<A, "as", c::has_many<S, &S::a_id, d::destroy, c::where<&S::state, c::fixed_string{"o\0k"}>>>,
                                         c::model<S, "ss">>>);
static_assert(!c::valid_schema<c::schema<c::model<A, "a\"s">>>);
// policies are types that carry their traits
static_assert(c::is_policy_v<d::destroy> && !c::is_policy_v<int>);
static_assert(d::delete_all::action == c::policy_action::remove && c::is_restrict_v<d::restrict_with_error>);
}  // namespace rules

BOOST_AUTO_TEST_CASE(schema_rules_hold_both_ways) {
    // Every rule above is a static_assert: this test exists so that the file is built and counted.
    BOOST_TEST((c::valid_schema<rules::with_a<>>));
    BOOST_TEST((!c::valid_schema<c::schema<c::model<rules::NotAdapted, "plain">>>));
}

// ---- CASCADE_DEFINE_STRUCT: the same columns as BOOST_HANA_DEFINE_STRUCT, read without Hana's tuple,
// ---- and still a Hana Struct for the program's own use
#include <boost/hana/at.hpp>
#include <boost/hana/at_key.hpp>
#include <boost/hana/keys.hpp>
#include <boost/hana/size.hpp>
#include <boost/hana/string.hpp>

#include <map>

namespace adapted {
struct Shelf { CASCADE_DEFINE_STRUCT(Shelf, (std::int64_t, id), (std::string, label)); };
struct Tome {
    CASCADE_DEFINE_STRUCT(Tome, (std::int64_t, id), (std::optional<std::int64_t>, shelf_id),
                          (std::map<std::string, int>, notes));  // a type with a comma
};
struct HanaTome {
    BOOST_HANA_DEFINE_STRUCT(HanaTome, (std::int64_t, id), (std::optional<std::int64_t>, shelf_id),
                             (std::map<std::string, int>, notes));
};
static_assert(c::detail::is_adapted_v<Tome> && c::detail::is_adapted_v<HanaTome>);
static_assert(Tome::cascade_columns::size == 3);
static_assert(c::detail::member_name<&Tome::shelf_id>() == "shelf_id" && c::detail::member_name<&Tome::notes>() == "notes");
static_assert(c::detail::member_name<&HanaTome::shelf_id>() == "shelf_id");
static_assert(c::detail::columns_of_v<Tome> == c::detail::columns_of_v<HanaTome>);
static_assert(std::is_same_v<decltype(Tome::notes), std::map<std::string, int>>);
// a schema may mix both adaptations
static_assert(c::valid_schema<c::schema<c::model<Shelf, "shelves", c::has_many<Tome, &Tome::shelf_id, d::nullify>>,
                                        c::model<Tome, "tomes">>>);
static_assert(c::valid_schema<c::schema<c::model<Shelf, "shelves", c::has_many<HanaTome, &HanaTome::shelf_id, d::destroy>>,
                                        c::model<HanaTome, "tomes">>>);
// a struct derived from an adapted one has its own adaptation or none, never its base's columns
struct Annotated : Tome { BOOST_HANA_DEFINE_STRUCT(Annotated, (std::string, note)); };
struct Plain : Tome { int more; };
static_assert(c::detail::columns_of_v<Annotated>.size() == 1 && c::detail::columns_of_v<Annotated>[0] == "note");
static_assert(!c::detail::is_adapted_v<Plain>);
}  // namespace adapted

BOOST_AUTO_TEST_CASE(cascade_define_struct_is_a_hana_struct_with_the_same_columns) {
    namespace hana = boost::hana;
    adapted::Tome t{7, 3, {{"a", 1}}};
    BOOST_TEST(t.id == 7);
    BOOST_TEST(*t.shelf_id == 3);
    static_assert(hana::Struct<adapted::Tome>::value);
    BOOST_TEST(hana::size(hana::keys(t)) == hana::size_c<3>);
    BOOST_TEST(hana::at_key(t, BOOST_HANA_STRING("id")) == 7);
    BOOST_TEST(hana::at_key(t, BOOST_HANA_STRING("notes")).at("a") == 1);
    BOOST_TEST(std::string(hana::to<char const*>(hana::at_c<1>(hana::keys(t)))) == "shelf_id");
    BOOST_TEST(hana::equal(t, adapted::Tome{7, 3, {{"a", 1}}}));
    // a class defined in a function (which may have no member template) can be adapted too
    struct Local { CASCADE_DEFINE_STRUCT(Local, (std::int64_t, id), (std::string, name)); };
    static_assert(c::detail::member_name<&Local::name>() == "name");
    BOOST_TEST(hana::at_key(Local{1, "x"}, BOOST_HANA_STRING("name")) == "x");
}

// The one strongly-connected-components helper the schema check and the plan share.
BOOST_AUTO_TEST_CASE(strongly_connected_components_complete_before_what_reaches_them) {
    using cascade::detail::strongly_connected;
    // 0 -> 1 -> 2 -> 1, 2 -> 3, 3 -> 3, and 4 alone
    auto const c = strongly_connected({{1}, {2}, {1, 3}, {3}, {}});
    BOOST_TEST(c.count == 4);
    BOOST_TEST(c.component[1] == c.component[2]);
    BOOST_TEST(c.component[3] < c.component[1]);  // 3 is reached from 1 and 2: completed first
    BOOST_TEST(c.component[1] < c.component[0]);
    BOOST_TEST(c.component[4] == 3);
    // A chain 200,000 long: iterative, no recursion to exhaust.
    std::vector<std::vector<int>> chain(200000);
    for (int v = 0; v + 1 < 200000; ++v) chain[static_cast<std::size_t>(v)].push_back(v + 1);
    chain.back().push_back(0);  // and closed into one cycle
    BOOST_TEST(strongly_connected(chain).count == 1);
}
static_assert([] {
    std::vector<std::vector<int>> g(3);
    g[0].push_back(1);
    g[1].push_back(0);
    return cascade::detail::strongly_connected(g).count;
}() == 2);  // usable in constant evaluation, as the schema check needs
