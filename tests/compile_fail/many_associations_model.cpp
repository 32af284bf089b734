// A model of 41 associations without a primary key: the report names the struct (Hub), never the
// model's whole type (41 associations spelled out, over 3,000 bytes on a line).
#include "many_associations.hpp"
struct Hub { BOOST_HANA_DEFINE_STRUCT(Hub, (std::int64_t, number)); };
struct Tail { BOOST_HANA_DEFINE_STRUCT(Tail, (std::int64_t, id), (std::int64_t, hub_id)); };
#ifdef CASCADE_COMPILE_FAIL
#define CASCADE_TEST_HUB_KEY
#else
#define CASCADE_TEST_HUB_KEY c::primary_key<&Hub::number>,
#endif
struct schema : c::schema<c::model<Hub, "hubs", CASCADE_TEST_HUB_ASSOCIATIONS CASCADE_TEST_HUB_KEY c::has_many<Tail, &Tail::hub_id, d::destroy>>,
                          CASCADE_TEST_CHILD_MODELS c::model<Tail, "tails">> {};
int main() { return c::explain<schema, Hub>().empty(); }
