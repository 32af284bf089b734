// A namespaced owner of a polymorphic association without polymorphic_name<>: C++ spells it blog::Post,
// Rails a module's class Blog::Post (or, with its inflections, something else), so there is no default
// that could not differ from what Rails wrote in the type column: the name must be given.
#include "common.hpp"
namespace blog {
struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, commentable_id),
                             (std::optional<std::string>, commentable_type));
};
}  // namespace blog
#ifdef CASCADE_COMPILE_FAIL
#define CASCADE_TEST_POST_NAME
#else
#define CASCADE_TEST_POST_NAME c::polymorphic_name<"Blog::Post">,
#endif
struct schema : c::schema<c::model<blog::Post, "posts", CASCADE_TEST_POST_NAME
                                   c::has_many<blog::Comment, &blog::Comment::commentable_id, d::destroy, c::as<&blog::Comment::commentable_type>>>,
                          c::model<blog::Comment, "comments">> {};
int main() { return c::explain<schema, blog::Post>().empty(); }
