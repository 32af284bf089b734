// A has_many_through whose join model is not in the schema: the report names the join model, not the
// target (which is there).
#include "common.hpp"
struct Tag { BOOST_HANA_DEFINE_STRUCT(Tag, (std::int64_t, id)); };
struct Tagging { BOOST_HANA_DEFINE_STRUCT(Tagging, (std::int64_t, id), (std::int64_t, book_id), (std::int64_t, tag_id)); };
using tags = c::has_many_through<Tag, Tagging, &Tagging::book_id, &Tagging::tag_id, d::delete_all>;
#ifdef CASCADE_COMPILE_FAIL
struct schema : c::schema<c::model<Book, "books", tags>, c::model<Tag, "tags">> {};
#else
struct schema : c::schema<c::model<Book, "books", tags>, c::model<Tag, "tags">, c::model<Tagging, "taggings">> {};
#endif
int main() { return c::explain<schema, Book>().empty(); }
