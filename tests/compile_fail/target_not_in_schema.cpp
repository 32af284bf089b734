// Book's chapters point at a model the schema does not list.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>>;
#else
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>, c::model<Chapter, "chapters">>;
#endif
int main() { return c::explain<schema, Book>().empty(); }
