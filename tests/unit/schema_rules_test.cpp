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
// a cycle of destroy edges; a delete_all edge breaks it
static_assert(!c::valid_schema<c::schema<c::model<A, "as", c::has_many<B, &B::a_id, d::destroy>>,
                                         c::model<B, "bs", c::belongs_to<A, &B::a_id, d::destroy>>>>);
static_assert(c::valid_schema<c::schema<c::model<A, "as", c::has_many<B, &B::a_id, d::delete_all>>,
                                        c::model<B, "bs", c::belongs_to<A, &B::a_id, d::destroy>>>>);
}  // namespace rules

BOOST_AUTO_TEST_CASE(schema_rules_hold_both_ways) {
    // Every rule above is a static_assert: this test exists so that the file is built and counted.
    BOOST_TEST((c::valid_schema<rules::with_a<>>));
    BOOST_TEST((!c::valid_schema<c::schema<c::model<rules::NotAdapted, "plain">>>));
}
