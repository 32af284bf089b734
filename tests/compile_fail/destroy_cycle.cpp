// Author destroys its books and a book destroys its author: Rails overflows its stack at run time;
// cascade names the cycle at compile time.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using book_policy = d::destroy;
#else
using book_policy = d::none;
#endif
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                         c::model<Book, "books", c::belongs_to<Author, &Book::author_id, book_policy>>>;
int main() { return c::explain<schema, Author>().empty(); }
