// nullify needs a foreign key that can hold NULL: Chapter::book_id is not std::optional.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::nullify>>, c::model<Chapter, "chapters">>;
#else
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::delete_all>>, c::model<Chapter, "chapters">>;
#endif
int main() { return c::explain<schema, Book>().empty(); }
