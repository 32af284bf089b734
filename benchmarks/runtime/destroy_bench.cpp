// Destroying, on identical fresh copies in the same run:
//   native     the database's own ON DELETE CASCADE (the floor)
//   plain      cascade, no callbacks: set-based, one statement per set
//   callbacks  cascade with a callback on every dependent row: every row loaded, in pages
//   naive      a row-by-row walk (load each child, recurse, delete one row at a time): what Rails does
// Shapes:
//   s1          1 author -> 1,000 books -> 10 chapters each (11,001 rows)
//   s3          1 author -> 100,000 books -> 10 chapters each (1,100,001 rows)
//   tree        1 post -> a comment tree of 100,000 comments (depth 50 and more, fan-out varied,
//               replies of replies) -> 10,000 likes
//   many_owners destroy_all of 10,000 authors (of 20,000) -> 5 books each -> 2 chapters each (160,000
//               rows): native deletes the 10,000 authors in one statement
// SQLite in memory, PostgreSQL (CASCADE_PG, or a private server) and MariaDB (CASCADE_MYSQL, or a private
// server). Prints a table; --json PATH
// writes the summary.
//   destroy_bench [--json PATH] [--repeat N] [--only sqlite|postgres|mysql] [--skip-s3] [--shapes s1,tree,...]
#include <cascade/mysql.hpp>
#include <cascade/postgresql.hpp>
#include <cascade/sqlite.hpp>

#include "../../scripts/private_postgresql.hpp"
#include "../common/report.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>

namespace c = cascade;
namespace d = cascade::dependent;

namespace plain {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book { BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id), (std::string, title)); };
struct Chapter { BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id), (std::string, title)); };
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                         c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>,
                         c::model<Chapter, "chapters">>;
}  // namespace plain

namespace with_callbacks {
inline std::size_t seen = 0;
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id), (std::string, title));
    void before_destroy() { seen += title.size(); }
};
struct Chapter {
    BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id), (std::string, title));
    void before_destroy() { seen += title.size(); }
};
using schema = c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                         c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>,
                         c::model<Chapter, "chapters">>;
}  // namespace with_callbacks

namespace tree {
struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, post_id),
                             (std::optional<std::int64_t>, parent_id), (std::string, body));
};
struct Like { BOOST_HANA_DEFINE_STRUCT(Like, (std::int64_t, id), (std::int64_t, comment_id)); };
using schema = c::schema<c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy>>,
                         c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::destroy, c::name<"replies">>,
                                  c::has_many<Like, &Like::comment_id, d::destroy>>,
                         c::model<Like, "likes">>;
}  // namespace tree
namespace tree_callbacks {
inline std::size_t seen = 0;
using tree::Like;
using tree::Post;
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, post_id),
                             (std::optional<std::int64_t>, parent_id), (std::string, body));
    void before_destroy() { seen += body.size(); }
};
using schema = c::schema<c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy>>,
                         c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::destroy, c::name<"replies">>,
                                  c::has_many<Like, &Like::comment_id, d::destroy>>,
                         c::model<Like, "likes">>;
}  // namespace tree_callbacks

namespace {

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

enum class backend { sqlite, postgres, mysql };

struct copy {
    backend b;
    std::unique_ptr<soci::session> sql;
    std::string schema_name;
    copy(backend b_, std::string name) : b(b_), schema_name(std::move(name)) {}
    copy(copy&&) = default;
    ~copy() {
        if (b == backend::postgres && sql) {
            try { *sql << "DROP SCHEMA IF EXISTS " + schema_name + " CASCADE"; } catch (...) {}
        }
        if (b == backend::mysql && sql) {
            try { *sql << "DROP DATABASE IF EXISTS " + schema_name; } catch (...) {}
        }
    }
};

/// PostgreSQL: the copies' tables are analysed once, by the copy, and never by autovacuum, whose worker
/// waking during a timed run of a few milliseconds would be measured with it (as would ANALYZE of the
/// whole database, every other schema included).
std::string quiet_tables(backend b) { return b == backend::postgres ? " WITH (autovacuum_enabled = false)" : ""; }

/// Opens a fresh copy: an in-memory SQLite database, a PostgreSQL schema, or a MariaDB database (InnoDB,
/// the server's default sql_mode: the tables' own DDL quotes nothing).
void open_copy(copy& out) {
    if (out.b == backend::sqlite) {
        out.sql = std::make_unique<soci::session>(soci::sqlite3, ":memory:");
        *out.sql << "PRAGMA foreign_keys = ON";
    } else if (out.b == backend::mysql) {
        out.sql = std::make_unique<soci::session>("mysql", cascade_support::mysql_connection());
        *out.sql << "CREATE DATABASE " + out.schema_name;
        *out.sql << "USE " + out.schema_name;
    } else {
        out.sql = std::make_unique<soci::session>(soci::postgresql, cascade_support::postgresql_connection());
        *out.sql << "SET client_min_messages TO WARNING";
        *out.sql << "CREATE SCHEMA " + out.schema_name;
        *out.sql << "SET search_path TO " + out.schema_name;
    }
}
/// The numbers 1 to n as a FROM item with the column i, in each database's own way.
std::string series(backend b, long long n) {
    std::string const N = std::to_string(n);
    if (b == backend::postgres) return "generate_series(1, " + N + ") i";
    if (b == backend::mysql) return "(SELECT seq AS i FROM seq_1_to_" + N + ") t";
    return "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + N + ") SELECT i FROM n) t";
}
/// Statistics for the planner, once the rows are in.
void analyze(copy& out, std::string const& tables) {
    if (out.b == backend::postgres) *out.sql << "ANALYZE " + tables;
    if (out.b == backend::mysql) *out.sql << "ANALYZE TABLE " + tables;
}

/// A fresh copy of the shape.
copy make_copy(backend b, long long books, long long chapters_each, bool native) {
    static int n = 0;
    copy out{b, "bench_" + std::to_string(getpid()) + "_" + std::to_string(++n)};
    std::string const id = b == backend::sqlite ? "INTEGER PRIMARY KEY" : b == backend::mysql ? "BIGINT AUTO_INCREMENT PRIMARY KEY" : "BIGSERIAL PRIMARY KEY";
    std::string const author_ref = native ? " REFERENCES authors (id) ON DELETE CASCADE" : "";
    std::string const book_ref = native ? " REFERENCES books (id) ON DELETE CASCADE" : "";
    open_copy(out);
    auto& s = *out.sql;
    std::string const quiet = quiet_tables(b);
    s << "CREATE TABLE authors (id " + id + ", name TEXT NOT NULL)" + quiet;
    s << "CREATE TABLE books (id " + id + ", author_id BIGINT NOT NULL" + author_ref + ", title TEXT NOT NULL)" + quiet;
    s << "CREATE TABLE chapters (id " + id + ", book_id BIGINT NOT NULL" + book_ref + ", title TEXT NOT NULL)" + quiet;
    s << "CREATE INDEX books_author_id ON books (author_id)";
    s << "CREATE INDEX chapters_book_id ON chapters (book_id)";
    s << "INSERT INTO authors (id, name) VALUES (1, 'author')";
    if (b == backend::sqlite) {
        s << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(books) +
                 ") INSERT INTO books (id, author_id, title) SELECT i, 1, 'book ' || i FROM n";
        s << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(chapters_each) +
                 ") INSERT INTO chapters (book_id, title) SELECT b.id, 'chapter ' || n.i FROM books b, n ORDER BY b.id, n.i";
    } else if (b == backend::mysql) {
        // (MariaDB's seq_1_to_0 counts down, 1 then 0: no rows means no statement)
        if (books > 0) s << "INSERT INTO books (id, author_id, title) SELECT seq, 1, CONCAT('book ', seq) FROM seq_1_to_" + std::to_string(books);
        if (books > 0 && chapters_each > 0)
            s << "INSERT INTO chapters (book_id, title) SELECT b.seq, CONCAT('chapter ', n.seq) FROM seq_1_to_" +
                 std::to_string(books) + " b, seq_1_to_" + std::to_string(chapters_each) + " n ORDER BY b.seq, n.seq";
        s << "ANALYZE TABLE authors, books, chapters";
    } else {
        s << "INSERT INTO books (id, author_id, title) SELECT i, 1, 'book ' || i FROM generate_series(1, " +
                 std::to_string(books) + ") i";
        s << "INSERT INTO chapters (book_id, title) SELECT b, 'chapter ' || i FROM generate_series(1, " +
                 std::to_string(books) + ") b, generate_series(1, " + std::to_string(chapters_each) + ") i ORDER BY b, i";
        if (books > 0) s << "SELECT setval('books_id_seq', " + std::to_string(books) + ")";
        s << "ANALYZE authors, books, chapters";
    }
    return out;
}

long long rows_left(soci::session& s) {
    long long n = -1;
    s << "SELECT (SELECT COUNT(*) FROM authors) + (SELECT COUNT(*) FROM books) + (SELECT COUNT(*) FROM chapters)",
        soci::into(n);
    return n;
}

double run_native(soci::session& s) {
    auto t0 = clock_type::now();
    soci::transaction tx(s);
    s << "DELETE FROM authors WHERE id = 1";
    tx.commit();
    return ms_since(t0);
}

double run_naive(soci::session& s) {
    auto t0 = clock_type::now();
    soci::transaction tx(s);
    long long book = 0, chapter = 0, parent = 1, target = 0;
    // Rails' walk: load the children of each row, destroy each child (recursively), delete one row
    // at a time. Statements are prepared once, so the count of round trips is all that differs.
    std::vector<long long> books(1000), chapters(100);
    soci::statement find_books = (s.prepare << "SELECT id FROM books WHERE author_id = :a AND id > :after ORDER BY id LIMIT 1000",
                                  soci::into(books), soci::use(parent), soci::use(book));
    soci::statement find_chapters = (s.prepare << "SELECT id FROM chapters WHERE book_id = :b ORDER BY id LIMIT 100",
                                     soci::into(chapters), soci::use(target));
    soci::statement delete_chapter = (s.prepare << "DELETE FROM chapters WHERE id = :id", soci::use(chapter));
    soci::statement delete_book = (s.prepare << "DELETE FROM books WHERE id = :id", soci::use(target));
    for (;;) {
        books.resize(1000);
        find_books.execute(true);
        if (books.empty()) break;
        for (long long b : books) {
            target = b;
            chapters.resize(100);
            find_chapters.execute(true);
            for (long long ch : chapters) {
                chapter = ch;
                delete_chapter.execute(true);
            }
            delete_book.execute(true);
        }
        book = books.back();
    }
    s << "DELETE FROM authors WHERE id = 1";
    tx.commit();
    return ms_since(t0);
}

/// The tree shape: 1 post, a tree of 100,000 comments (a chain of 50, then every comment a reply to a
/// pseudo-random earlier one), a like on every tenth comment.
copy make_tree(backend b, bool native) {
    static int n = 0;
    copy out{b, "bench_tree_" + std::to_string(getpid()) + "_" + std::to_string(++n)};
    open_copy(out);
    auto& s = *out.sql;
    std::string const cascade_ref = native ? " ON DELETE CASCADE" : "";
    std::string const quiet = quiet_tables(b);
    s << "CREATE TABLE posts (id BIGINT PRIMARY KEY)" + quiet;
    s << "CREATE TABLE comments (id BIGINT PRIMARY KEY, post_id BIGINT" + (native ? " REFERENCES posts (id)" + cascade_ref : "") +
             ", parent_id BIGINT" + (native ? " REFERENCES comments (id)" + cascade_ref : "") + ", body TEXT NOT NULL)" + quiet;
    s << "CREATE TABLE likes (id BIGINT PRIMARY KEY, comment_id BIGINT NOT NULL" +
             (native ? " REFERENCES comments (id)" + cascade_ref : "") + ")" + quiet;
    s << "CREATE INDEX comments_post ON comments (post_id)";
    s << "CREATE INDEX comments_parent ON comments (parent_id)";
    s << "CREATE INDEX likes_comment ON likes (comment_id)";
    s << "INSERT INTO posts VALUES (1)";
    std::string const rows = series(b, 100000);
    s << "INSERT INTO comments SELECT i, CASE WHEN i = 1 THEN 1 END, CASE WHEN i = 1 THEN NULL WHEN i <= 50 THEN i - 1 "
         "ELSE 1 + (i * 2654435761) % (i - 1) END, 'comment' FROM " + rows;
    s << "INSERT INTO likes SELECT i, i FROM " + rows + " WHERE i % 10 = 0";
    analyze(out, "posts, comments, likes");
    return out;
}
long long tree_rows_left(soci::session& s) {
    long long n = -1;
    s << "SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM likes)", soci::into(n);
    return n;
}
double run_tree_native(soci::session& s) {
    auto t0 = clock_type::now();
    soci::transaction tx(s);
    s << "DELETE FROM posts WHERE id = 1";
    tx.commit();
    return ms_since(t0);
}
template <class Schema>
double run_tree_cascade(soci::session& s) {
    auto t0 = clock_type::now();
    auto r = c::destroy<Schema, tree::Post>(s, 1);
    double const ms = ms_since(t0);
    if (!r || r.rows("comments") != 100000) throw std::runtime_error("cascade tree destroy failed");
    return ms;
}

/// The many-owners shape: 20,000 authors with 5 books of 2 chapters each; the first 10,000 go.
copy make_many(backend b, bool native) {
    copy out = make_copy(b, 0, 0, native);
    auto& s = *out.sql;
    std::string const rows = series(b, 100000);
    s << "DELETE FROM chapters";
    s << "DELETE FROM books";
    s << "DELETE FROM authors";
    // integer division in each database's spelling (MariaDB's `/` gives a decimal)
    std::string const div = b == backend::mysql ? " DIV " : " / ";
    s << "INSERT INTO authors (id, name) SELECT i, 'author' FROM " + rows + " WHERE i <= 20000";
    s << "INSERT INTO books (id, author_id, title) SELECT i, (i - 1)" + div + "5 + 1, 'book' FROM " + rows;
    s << "INSERT INTO chapters (id, book_id, title) SELECT i, (i + 1)" + div + "2, 'chapter' FROM " + rows;
    s << "INSERT INTO chapters (id, book_id, title) SELECT 100000 + i, (100000 + i + 1)" + div + "2, 'chapter' FROM " + rows;
    analyze(out, "authors, books, chapters");
    return out;
}
long long many_rows_left(soci::session& s) {
    long long n = -1;
    s << "SELECT (SELECT COUNT(*) FROM authors WHERE id <= 10000) + (SELECT COUNT(*) FROM books WHERE author_id <= 10000) + "
         "(SELECT COUNT(*) FROM chapters WHERE book_id <= 50000)",
        soci::into(n);
    return n;
}
double run_many_native(soci::session& s) {
    auto t0 = clock_type::now();
    soci::transaction tx(s);
    s << "DELETE FROM authors WHERE id <= 10000";
    tx.commit();
    return ms_since(t0);
}
template <class Schema, class Author>
double run_many_cascade(soci::session& s) {
    std::vector<std::int64_t> keys;
    for (std::int64_t k = 1; k <= 10000; ++k) keys.push_back(k);
    auto t0 = clock_type::now();
    auto r = c::destroy_all<Schema, Author>(s, keys);
    double const ms = ms_since(t0);
    if (!r || r.rows("authors") != 10000) throw std::runtime_error("cascade destroy_all failed");
    return ms;
}

template <class Schema, class Author>
double run_cascade(soci::session& s) {
    auto t0 = clock_type::now();
    c::destroy_options options;
    if (char const* page = std::getenv("CASCADE_BENCH_PAGE")) options.page_size = std::stoul(page);
    auto r = c::destroy<Schema, Author>(s, 1, options);
    double const ms = ms_since(t0);
    if (!r) throw std::runtime_error("cascade destroy failed");
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    bench::args args(argc, argv, "destroy_bench",
                     {{"--repeat", bench::option::integer, "rounds per shape (S3: one; tree: half), default 5"},
                      {"--shapes", bench::option::text, "comma-separated shapes: s1,s3,tree,many_owners (default all)"},
                      {"--only", bench::option::text, "one backend: sqlite, postgres or mysql"},
                      {"--skip-s3", bench::option::flag, "leave out S3 (100,000 books)"},
                      {"--naive-s3", bench::option::flag, "also time the naive walk on PostgreSQL S3 (minutes)"}});
    int const repeat = static_cast<int>(std::max(1LL, args.integer("--repeat", 5)));
    bench::report report("destroy_bench");
    struct variant {
        std::string name;
        double (*run)(soci::session&);
    };
    struct shape {
        std::string name;
        int repeat;
        std::function<copy(backend, bool native)> make;
        long long (*left)(soci::session&);
        std::vector<variant> variants;  // the first is the anchor
    };
    std::vector<shape> shapes{
        {"s1", repeat, [](backend b, bool n) { return make_copy(b, 1000, 10, n); }, &rows_left,
         {{"native", &run_native}, {"plain", &run_cascade<plain::schema, plain::Author>},
          {"callbacks", &run_cascade<with_callbacks::schema, with_callbacks::Author>}, {"naive", &run_naive}}},
        {"s3", 1, [](backend b, bool n) { return make_copy(b, 100000, 10, n); }, &rows_left,
         {{"native", &run_native}, {"plain", &run_cascade<plain::schema, plain::Author>},
          {"callbacks", &run_cascade<with_callbacks::schema, with_callbacks::Author>}, {"naive", &run_naive}}},
        {"tree", std::max(1, repeat / 2), &make_tree, &tree_rows_left,
         {{"native", &run_tree_native}, {"plain", &run_tree_cascade<tree::schema>}, {"callbacks", &run_tree_cascade<tree_callbacks::schema>}}},
        {"many_owners", repeat, &make_many, &many_rows_left,
         {{"native", &run_many_native}, {"plain", &run_many_cascade<plain::schema, plain::Author>},
          {"callbacks", &run_many_cascade<with_callbacks::schema, with_callbacks::Author>}}},
    };
    std::string const only_shapes = args.text("--shapes", "s1,s3,tree,many_owners");
    // A misspelt shape or backend would otherwise time nothing and print an empty table.
    for (std::size_t at = 0; at <= only_shapes.size();) {
        std::size_t const end = std::min(only_shapes.find(',', at), only_shapes.size());
        std::string const name = only_shapes.substr(at, end - at);
        if (std::none_of(shapes.begin(), shapes.end(), [&](shape const& s) { return s.name == name; })) {
            std::cerr << "destroy_bench: --shapes: unknown shape '" << name << "' (s1, s3, tree, many_owners)\n";
            return 2;
        }
        at = end + 1;
    }
    if (args.has("--only") && args.text("--only") != "sqlite" && args.text("--only") != "postgres" && args.text("--only") != "mysql") {
        std::cerr << "destroy_bench: --only: '" << args.text("--only") << "' is none of sqlite, postgres, mysql\n";
        return 2;
    }
    for (backend b : {backend::sqlite, backend::postgres, backend::mysql}) {
        std::string const bname = b == backend::sqlite ? "sqlite" : b == backend::mysql ? "mysql" : "postgres";
        if (args.has("--only") && args.text("--only") != bname) continue;
        for (auto const& sh : shapes) {
            if (("," + only_shapes + ",").find("," + sh.name + ",") == std::string::npos) continue;
            if (sh.name == "s3" && args.flag("--skip-s3")) continue;
            std::string const prefix = bname + "." + sh.name + ".";
            // The variants take turns in each round (native, plain, callbacks, ...; each on a fresh copy),
            // so that a ratio compares runs made minutes apart at most: this machine's speed drifts.
            auto const skipped = [&](variant const& v) {
                // The naive walk of S3 takes minutes on PostgreSQL (a round trip per row): S1 shows it.
                return v.name == "naive" && sh.name == "s3" && b != backend::sqlite && !args.flag("--naive-s3");
            };
            std::vector<std::vector<double>> times(sh.variants.size());
            std::vector<double> peak_mb(sh.variants.size(), 0.0);
            // A variant the database refuses is reported, not timed (InnoDB's ON DELETE CASCADE stops at
            // 15 levels of a self-referential key: the tree shape's native anchor on MariaDB).
            std::vector<std::string> refused(sh.variants.size());
            for (int i = 0; i < sh.repeat; ++i) {
                for (std::size_t k = 0; k < sh.variants.size(); ++k) {
                    auto const& v = sh.variants[k];
                    if (skipped(v) || !refused[k].empty()) continue;
                    copy db = sh.make(b, v.name == "native");
                    bool const measure_memory = v.name == "callbacks" || v.name == "native";
                    bench::release_free_memory();
                    bench::peak_rss_reset();
                    long const baseline_kb = bench::rss_kb();
                    try {
                        times[k].push_back(v.run(*db.sql));
                    } catch (soci::soci_error const& e) {
                        refused[k] = e.what();
                        continue;
                    }
                    if (measure_memory) peak_mb[k] = std::max(peak_mb[k], (bench::peak_rss_kb() - baseline_kb) / 1024.0);
                    if (long long left = sh.left(*db.sql); left != 0)
                        throw std::runtime_error(prefix + v.name + ": " + std::to_string(left) + " rows left");
                }
            }
            double native_ms = 0;
            for (std::size_t k = 0; k < sh.variants.size(); ++k) {
                auto const& v = sh.variants[k];
                if (skipped(v)) continue;
                if (!refused[k].empty()) {
                    report.set(prefix + v.name + "_refused", 1);
                    if (v.name == "native") native_ms = 0;
                    std::cout << std::left << std::setw(10) << bname << std::setw(12) << sh.name << std::setw(11) << v.name
                              << "refused by the database: " << refused[k].substr(0, 120) << std::endl;
                    continue;
                }
                double const ms = bench::median(times[k]);
                report.set(prefix + v.name + "_ms", ms);
                if (v.name == "native") native_ms = ms;
                else if (v.name != "naive" && native_ms > 0) report.set(prefix + v.name + "_ratio", ms / native_ms);
                if (v.name == "callbacks") report.set(prefix + "callbacks_peak_rss_mb", peak_mb[k]);
                if (v.name == "native") report.set(prefix + "native_peak_rss_mb", peak_mb[k]);
                std::cout << std::left << std::setw(10) << bname << std::setw(12) << sh.name << std::setw(11) << v.name
                          << std::right << std::setw(11) << std::fixed << std::setprecision(2) << ms << " ms"
                          << std::setw(9) << std::setprecision(2) << (native_ms > 0 ? ms / native_ms : 0.0)
                          << (native_ms > 0 ? "x native" : "  (no native anchor)")
                          << (v.name == "callbacks" || v.name == "native" ? "   peak +" + std::to_string(static_cast<int>(peak_mb[k])) + " MB" : "")
                          << std::endl;
            }
        }
    }
    report.write(args);
}
