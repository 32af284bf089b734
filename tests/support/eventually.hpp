#pragma once
// Waiting for what another process does (a worker, a browser, a server), in tests.
#include <chrono>
#include <thread>

namespace test {

/// Whether `f()` becomes true within `limit`, asked every 20 ms (and once more at the end).
template <class F>
bool eventually(F f, std::chrono::milliseconds limit) {
    auto const end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return f();
}

}  // namespace test
