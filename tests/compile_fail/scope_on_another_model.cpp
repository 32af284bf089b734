// The scope names Book::id on an association whose rows are chapters: filtered by name, it would
// quietly compare chapters.id.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using scope = c::where<&Book::id, 1>;
#else
using scope = c::where<&Chapter::id, 1>;
#endif
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy, scope>>, c::model<Chapter, "chapters">>;
int main() { return c::explain<schema, Book>().empty(); }
