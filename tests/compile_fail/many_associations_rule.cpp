// A model of 41 associations whose last one breaks a rule: the report names the struct (Hub) and the
// association, never the model's whole type (41 associations spelled out, over 3,000 bytes on a line).
#include "many_associations.hpp"
#ifdef CASCADE_COMPILE_FAIL
using tail_key = std::int64_t;
#else
using tail_key = std::optional<std::int64_t>;
#endif
struct Hub { BOOST_HANA_DEFINE_STRUCT(Hub, (std::int64_t, id)); };
struct Tail { BOOST_HANA_DEFINE_STRUCT(Tail, (std::int64_t, id), (tail_key, hub_id)); };
struct schema : c::schema<c::model<Hub, "hubs", CASCADE_TEST_HUB_ASSOCIATIONS c::has_many<Tail, &Tail::hub_id, d::nullify>>,
                          CASCADE_TEST_CHILD_MODELS c::model<Tail, "tails">> {};
int main() { return c::explain<schema, Hub>().empty(); }
