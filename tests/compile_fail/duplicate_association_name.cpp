// A person sends and receives messages: two has_many onto one table. Without names both are
// "messages", so their jobs would share a name and a dedup key and one would be dropped.
#include "common.hpp"
struct Person { BOOST_HANA_DEFINE_STRUCT(Person, (std::int64_t, id)); };
struct Message {
    BOOST_HANA_DEFINE_STRUCT(Message, (std::int64_t, id), (std::int64_t, sender_id), (std::int64_t, recipient_id));
};
#ifdef CASCADE_COMPILE_FAIL
using recipient_name = c::name<"messages">;
#else
using recipient_name = c::name<"received_messages">;
#endif
using schema = c::schema<c::model<Person, "people", c::has_many<Message, &Message::sender_id, d::destroy_async>,
                                  c::has_many<Message, &Message::recipient_id, d::destroy_async, recipient_name>>,
                         c::model<Message, "messages">>;
int main() { return c::explain<schema, Person>().empty(); }
