// Polymorphic associations (Rails' `as:`) on rows Rails wrote: the type column holds the owner's class
// name as Rails spells it ("Post"), which is what a model without polymorphic_name<> matches.
#include "../support/database.hpp"

#include <cascade/soci.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace {

struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Photo { BOOST_HANA_DEFINE_STRUCT(Photo, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, commentable_id),
                             (std::optional<std::string>, commentable_type));
};
using rails_names = c::schema<
    c::model<Post, "posts", c::has_many<Comment, &Comment::commentable_id, d::destroy, c::as<&Comment::commentable_type>>>,
    c::model<Photo, "photos", c::has_many<Comment, &Comment::commentable_id, d::nullify, c::as<&Comment::commentable_type>>>,
    c::model<Comment, "comments">>;

struct commented_db : test::database {
    commented_db() {
        exec("CREATE TABLE posts (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE photos (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, commentable_id BIGINT, commentable_type TEXT)");
        exec("INSERT INTO posts VALUES (1), (2)");
        exec("INSERT INTO photos VALUES (1)");
        // As Rails writes them: the owner's class name, not its table.
        exec("INSERT INTO comments VALUES (1, 1, 'Post'), (2, 1, 'Photo'), (3, 1, 'Post'), (4, 2, 'Post'), (5, 1, 'posts')");
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(polymorphic)

BOOST_AUTO_TEST_CASE(comments_rails_wrote_go_with_their_post) {
    commented_db db;
    auto r = c::destroy<rails_names, Post>(*db, 1);
    BOOST_TEST((r.status == c::destroy_status::destroyed));
    BOOST_TEST(r.rows("comments") == 2u);
    // The photo's comment, the other post's and a row whose type is no class name stay.
    BOOST_TEST(db.ids("comments") == (ids{2, 4, 5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(nullify_clears_the_comments_rails_wrote) {
    commented_db db;
    auto r = c::destroy<rails_names, Photo>(*db, 1);
    BOOST_TEST(r.rows("comments", c::row_action::nullified) == 1u);
    BOOST_TEST(db.ids("comments", "commentable_id IS NULL AND commentable_type IS NULL") == (ids{2}), tt::per_element());
    BOOST_TEST(db.count("comments", "commentable_type = 'Post'") == 3);
}

BOOST_AUTO_TEST_SUITE_END()
