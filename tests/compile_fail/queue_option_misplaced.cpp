// cascade::queue and cascade::priority name the durable queue of destroy_async jobs: on an
// association whose policy runs in the destroy they would be silently ignored.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using policy = d::delete_all;
#else
using policy = d::destroy_async;
#endif
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, policy, c::queue<"deletions">, c::priority<2>>>,
                         c::model<Chapter, "chapters">>;
int main() { return c::explain<schema, Book>().empty(); }
