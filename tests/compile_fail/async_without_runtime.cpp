// A cascade that reaches destroy_async needs a job runtime to hand its jobs to.
#include "common.hpp"
#include <cascade/soci.hpp>
#ifdef CASCADE_COMPILE_FAIL
using policy = d::destroy_async;
#else
using policy = d::destroy;
#endif
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, policy>>, c::model<Book, "books">>;
int main(int argc, char**) {
    if (argc > 5) {  // compiled, never run: there is no database here
        soci::session* sql = nullptr;
        (void)c::destroy<schema, Author>(*sql, 1);
    }
}
