// Destroying 1 author -> B books -> 10 chapters each, on identical fresh copies in the same run:
//   native     the database's own ON DELETE CASCADE (the floor)
//   plain      cascade, no callbacks: set-based, one statement per edge
//   callbacks  cascade with a callback on Book and on Chapter: every row loaded, in keyset pages
//   naive      a row-by-row walk (load each child, recurse, delete one row at a time): what Rails does
// Shapes: S1 = 1,000 books (11,001 rows), S3 = 100,000 books (1,100,001 rows). SQLite in memory and
// PostgreSQL (CASCADE_PG, or a private server). Prints a table; --json PATH writes the summary.
//   destroy_bench [--json PATH] [--repeat N] [--only sqlite|postgres] [--skip-s3]
#include <cascade/soci.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "../../scripts/private_postgresql.hpp"
#include "../common/report.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
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

namespace {

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

enum class backend { sqlite, postgres };

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
    }
};

/// A fresh copy of the shape: an in-memory SQLite database, or a PostgreSQL schema.
copy make_copy(backend b, long long books, long long chapters_each, bool native) {
    static int n = 0;
    copy out{b, "bench_" + std::to_string(getpid()) + "_" + std::to_string(++n)};
    std::string const id = b == backend::sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY";
    std::string const author_ref = native ? " REFERENCES authors (id) ON DELETE CASCADE" : "";
    std::string const book_ref = native ? " REFERENCES books (id) ON DELETE CASCADE" : "";
    if (b == backend::sqlite) {
        out.sql = std::make_unique<soci::session>(soci::sqlite3, ":memory:");
        *out.sql << "PRAGMA foreign_keys = ON";
    } else {
        out.sql = std::make_unique<soci::session>(soci::postgresql, cascade_support::postgresql_connection());
        *out.sql << "SET client_min_messages TO WARNING";
        *out.sql << "CREATE SCHEMA " + out.schema_name;
        *out.sql << "SET search_path TO " + out.schema_name;
    }
    auto& s = *out.sql;
    s << "CREATE TABLE authors (id " + id + ", name TEXT NOT NULL)";
    s << "CREATE TABLE books (id " + id + ", author_id BIGINT NOT NULL" + author_ref + ", title TEXT NOT NULL)";
    s << "CREATE TABLE chapters (id " + id + ", book_id BIGINT NOT NULL" + book_ref + ", title TEXT NOT NULL)";
    s << "CREATE INDEX books_author_id ON books (author_id)";
    s << "CREATE INDEX chapters_book_id ON chapters (book_id)";
    s << "INSERT INTO authors (id, name) VALUES (1, 'author')";
    if (b == backend::sqlite) {
        s << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(books) +
                 ") INSERT INTO books (id, author_id, title) SELECT i, 1, 'book ' || i FROM n";
        s << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(chapters_each) +
                 ") INSERT INTO chapters (book_id, title) SELECT b.id, 'chapter ' || n.i FROM books b, n ORDER BY b.id, n.i";
    } else {
        s << "INSERT INTO books (id, author_id, title) SELECT i, 1, 'book ' || i FROM generate_series(1, " +
                 std::to_string(books) + ") i";
        s << "INSERT INTO chapters (book_id, title) SELECT b, 'chapter ' || i FROM generate_series(1, " +
                 std::to_string(books) + ") b, generate_series(1, " + std::to_string(chapters_each) + ") i ORDER BY b, i";
        s << "SELECT setval('books_id_seq', " + std::to_string(books) + ")";
        s << "ANALYZE";
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

struct variant {
    std::string name;
    bool native_schema;
    double (*run)(soci::session&);
};

}  // namespace

int main(int argc, char** argv) {
    bench::args args(argc, argv);
    int const repeat = args.integer("--repeat", 5);
    bench::report report("destroy_bench");
    variant const variants[] = {
        {"native", true, &run_native},
        {"plain", false, &run_cascade<plain::schema, plain::Author>},
        {"callbacks", false, &run_cascade<with_callbacks::schema, with_callbacks::Author>},
        {"naive", false, &run_naive},
    };
    struct shape { std::string name; long long books; int repeat; };
    std::vector<shape> shapes{{"s1", 1000, repeat}};
    if (!args.flag("--skip-s3")) shapes.push_back({"s3", 100000, 1});

    for (backend b : {backend::sqlite, backend::postgres}) {
        std::string const bname = b == backend::sqlite ? "sqlite" : "postgres";
        if (args.has("--only") && args.text("--only") != bname) continue;
        for (auto const& sh : shapes) {
            std::string const prefix = bname + "." + sh.name + ".";
            double native_ms = 0;
            for (auto const& v : variants) {
                std::vector<double> times;
                double peak_mb = 0;
                for (int i = 0; i < sh.repeat; ++i) {
                    copy db = make_copy(b, sh.books, 10, v.native_schema);
                    bool const measure_memory = v.name == "callbacks" || v.name == "native";
                    bench::release_free_memory();
                    bench::peak_rss_reset();
                    long const baseline_kb = bench::rss_kb();
                    times.push_back(v.run(*db.sql));
                    if (measure_memory) peak_mb = std::max(peak_mb, (bench::peak_rss_kb() - baseline_kb) / 1024.0);
                    if (long long left = rows_left(*db.sql); left != 0)
                        throw std::runtime_error(prefix + v.name + ": " + std::to_string(left) + " rows left");
                }
                double const ms = bench::median(times);
                report.set(prefix + v.name + "_ms", ms);
                if (v.name == "native") native_ms = ms;
                else if (v.name != "naive") report.set(prefix + v.name + "_ratio", ms / native_ms);
                if (v.name == "callbacks") report.set(prefix + "callbacks_peak_rss_mb", peak_mb);
                if (v.name == "native") report.set(prefix + "native_peak_rss_mb", peak_mb);
                std::cout << std::left << std::setw(10) << bname << std::setw(4) << sh.name << std::setw(11) << v.name
                          << std::right << std::setw(11) << std::fixed << std::setprecision(2) << ms << " ms"
                          << std::setw(9) << std::setprecision(2) << ms / native_ms << "x native"
                          << (v.name == "callbacks" || v.name == "native" ? "   peak +" + std::to_string(static_cast<int>(peak_mb)) + " MB" : "")
                          << std::endl;
            }
        }
    }
    report.write(args);
}
