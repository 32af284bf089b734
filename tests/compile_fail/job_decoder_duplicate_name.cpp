// Two destroy_async associations of one name: their jobs share the name "people.messages", so a decoder
// would decode every such job as the first. job_decoder checks the schema before anything else.
#include "common.hpp"
#include <cascade/jobs.hpp>
struct Person { BOOST_HANA_DEFINE_STRUCT(Person, (std::int64_t, id)); };
struct Message {
    BOOST_HANA_DEFINE_STRUCT(Message, (std::int64_t, id), (std::int64_t, sender_id), (std::int64_t, recipient_id));
};
#ifdef CASCADE_COMPILE_FAIL
using recipient_name = c::name<"messages">;
#else
using recipient_name = c::name<"received_messages">;
#endif
struct schema : c::schema<c::model<Person, "people", c::has_many<Message, &Message::sender_id, d::destroy_async>,
                                   c::has_many<Message, &Message::recipient_id, d::destroy_async, recipient_name>>,
                          c::model<Message, "messages">> {};
int main() { return c::job_decoder<schema>::names().size() != 2; }
