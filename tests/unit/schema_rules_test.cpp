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
