// The class name Rails writes for a struct, read at compile time (detail/type_name.hpp): a polymorphic
// owner without polymorphic_name<> is matched by it, so it is the struct's own name where that is
// certainly Rails' name, and nothing (a compile error at the association) where it is not.
#include <boost/test/unit_test.hpp>

#include <cascade/cascade.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct lowercase_post { BOOST_HANA_DEFINE_STRUCT(lowercase_post, (std::int64_t, id)); };
template <class T>
struct Tagged { BOOST_HANA_DEFINE_STRUCT(Tagged, (std::int64_t, id)); };
struct Outer {
    struct Inner { BOOST_HANA_DEFINE_STRUCT(Inner, (std::int64_t, id)); };
};
namespace blog {
struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
namespace {
struct Draft { BOOST_HANA_DEFINE_STRUCT(Draft, (std::int64_t, id)); };
}  // namespace
}  // namespace blog
namespace {
struct Photo { BOOST_HANA_DEFINE_STRUCT(Photo, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, commentable_id),
                             (std::optional<std::string>, commentable_type));
};
}  // namespace

using c::detail::rails_class_name;
using c::detail::rails_class_name_v;

// the struct's own name: global scope, an unnamed namespace
static_assert(rails_class_name_v<Post> == "Post");
static_assert(rails_class_name_v<Photo> == "Photo");
// no name C++ can be sure of: a named namespace (also around an unnamed one), a class, a template,
// a name Ruby cannot have
static_assert(rails_class_name_v<blog::Post>.empty());
static_assert(rails_class_name_v<blog::Draft>.empty());
static_assert(rails_class_name_v<Outer::Inner>.empty());
static_assert(rails_class_name_v<Tagged<int>>.empty());
static_assert(rails_class_name_v<lowercase_post>.empty());
// the compilers' spellings of scopes: GCC's and clang's unnamed namespaces, function scopes (GCC)
static_assert(rails_class_name("{anonymous}::Post") == "Post" && rails_class_name("(anonymous namespace)::Post") == "Post");
static_assert(rails_class_name("app::(anonymous namespace)::Post").empty() && rails_class_name("app::{anonymous}::Post").empty());
static_assert(rails_class_name("main()::Post") == "Post" && rails_class_name("app::f(a::b)::Post") == "Post");
static_assert(rails_class_name("app::S::g() const::Post") == "Post" && rails_class_name("main()::<lambda()>::Post") == "Post");
static_assert(rails_class_name("main()::Outer::Post").empty() && rails_class_name("Post<int>").empty());
static_assert(rails_class_name("Post_2") == "Post_2" && rails_class_name("Pöst").empty() && rails_class_name("").empty());

// the model's polymorphic name: polymorphic_name<> when given, else the class name, never the table
template <class T, class... Parts>
using polymorphic_owner = c::schema<
    c::model<T, "posts", Parts..., c::has_many<Comment, &Comment::commentable_id, d::destroy, c::as<&Comment::commentable_type>>>,
    c::model<Comment, "comments">>;
static_assert(c::detail::polymorphic_name_of<c::model<Post, "posts">> == "Post");
static_assert(c::detail::polymorphic_name_of<c::model<blog::Post, "posts", c::polymorphic_name<"Blog::Post">>> == "Blog::Post");
static_assert(c::detail::polymorphic_name_of<c::model<Post, "posts", c::polymorphic_name<"Article">>> == "Article");
static_assert(c::valid_schema<polymorphic_owner<Post>>);
static_assert(!c::valid_schema<polymorphic_owner<blog::Post>>);
static_assert(c::valid_schema<polymorphic_owner<blog::Post, c::polymorphic_name<"Blog::Post">>>);
static_assert(!c::valid_schema<polymorphic_owner<Outer::Inner>>);
static_assert(!c::valid_schema<polymorphic_owner<lowercase_post>>);
static_assert(!c::valid_schema<polymorphic_owner<Post, c::polymorphic_name<"">>>);
// a namespaced struct that owns no polymorphic association needs no name
static_assert(c::valid_schema<c::schema<c::model<blog::Post, "posts">>>);

BOOST_AUTO_TEST_CASE(a_class_local_to_a_function_is_known_by_its_own_name) {
    struct Local { BOOST_HANA_DEFINE_STRUCT(Local, (std::int64_t, id)); };
    static_assert(rails_class_name_v<Local> == "Local");
    static_assert(c::valid_schema<polymorphic_owner<Local>>);
    BOOST_TEST((c::detail::polymorphic_name_of<c::model<Local, "locals">> == "Local"));
}

BOOST_AUTO_TEST_CASE(the_bound_name_is_the_class_name) {
    // what the statement binds for the type column (the graph's constant of the owner)
    auto const& g = c::detail::graph_of<polymorphic_owner<Post>>;
    auto const& name = *static_cast<std::string const*>(g.constants[static_cast<std::size_t>(g.model(0).polymorphic_constant)].address());
    BOOST_TEST(name == "Post");
}
