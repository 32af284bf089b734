#include <cascade/queue.hpp>
#include <cascade/sqlite.hpp>
#include <cascade/sqlite/queue.hpp>
#include <iostream>

struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Pet { BOOST_HANA_DEFINE_STRUCT(Pet, (std::int64_t, id), (std::int64_t, owner_id)); };
using schema = cascade::schema<
    cascade::model<Owner, "owners", cascade::has_many<Pet, &Pet::owner_id, cascade::dependent::delete_all>>,
    cascade::model<Pet, "pets">>;

int main() {
    soci::session sql(soci::sqlite3, ":memory:");
    sql << "CREATE TABLE owners (id INTEGER PRIMARY KEY)";
    sql << "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL)";
    sql << "INSERT INTO owners VALUES (1)";
    sql << "INSERT INTO pets VALUES (1, 1), (2, 1)";
    auto r = cascade::destroy<schema, Owner>(sql, 1);
    int left = -1;
    sql << "SELECT COUNT(*) FROM pets", soci::into(left);
    // the durable queue on the same SQLite database: a job in, claimed once
    cascade::job_queue queue;
    queue.install(sql);
    bool const enqueued = queue.enqueue(sql, "consumer.job", "{}", "consumer|1", 3);
    auto const claimed = queue.claim(sql, "consumer", 10, std::chrono::seconds(30));
    std::cout << "consumer: " << r.status << ", pets left " << left << ", jobs claimed " << claimed.size() << '\n';
    return r && left == 0 && enqueued && claimed.size() == 1 ? 0 : 1;
}
