// Two models on one table: their job names ("table.association") and their rows would be confused.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
constexpr c::fixed_string chapters_table = "books";
#else
constexpr c::fixed_string chapters_table = "chapters";
#endif
using schema = c::schema<c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>,
                         c::model<Chapter, chapters_table>>;
int main() { return c::explain<schema, Book>().empty(); }
