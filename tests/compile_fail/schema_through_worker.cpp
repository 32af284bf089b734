// A schema missing a model, reached first through a worker: the translation unit of a worker process
// (docs/queue.md) names only worker<schema>, which checks the schema before anything else.
#include "common.hpp"
#include <cascade/queue.hpp>
#include <cascade/sqlite/queue.hpp>
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy_async>>,
#ifdef CASCADE_COMPILE_FAIL
                          c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>> {};
#else
                          c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>, c::model<Chapter, "chapters">> {};
#endif
int main(int argc, char**) {
    c::worker_options options;
    options.backend = "sqlite3";
    options.connection = ":memory:";
    c::worker<schema> w(c::job_queue{}, options);
    if (argc > 5) {  // compiled, never run: there is no queue here
        w.start();
        w.stop();
    }
    return w.performed() != 0;
}
