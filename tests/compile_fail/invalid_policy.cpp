// belongs_to takes destroy, delete_ or destroy_async; delete_all is has_many's.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using policy = d::delete_all;
#else
using policy = d::delete_;
#endif
using schema = c::schema<c::model<Author, "authors">, c::model<Book, "books", c::belongs_to<Author, &Book::author_id, policy>>>;
int main() { return c::explain<schema, Book>().empty(); }
