// A schema missing a model, reached first through the job runtime (no destroy in this unit): the
// runtime checks the schema before anything else and reports the missing model.
#include "common.hpp"
#include <cascade/jobs.hpp>
#ifdef CASCADE_COMPILE_FAIL
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy_async>>,
                         c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>>;
#else
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy_async>>,
                         c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>, c::model<Chapter, "chapters">>;
#endif
int main() {
    soci::session sql;  // never opened: nothing runs
    c::inline_executor executor;
    c::async_runtime<schema, c::inline_executor, c::shared_session> jobs(executor, c::shared_session{sql});
    return jobs.options().batch_size == 0;
}
