#pragma once
// The batch-size rule of async_options::max_batch_size, alone (tested without a database).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>

namespace cascade::detail {

/// The batch-size rule of async_options::max_batch_size, alone: within [least, most], doubled after a
/// quick batch that found at least half its size, shrunk in proportion to the time over the target
/// after a slow one (at most eightfold at once), halved after a failed one.
struct batch_sizing {
    long long least = 1, most = 1;
    std::chrono::nanoseconds target{};

    /// From the options (sizes beyond a long long, "no cap", are the largest one).
    static batch_sizing of(std::size_t batch_size, std::size_t max_batch_size, std::chrono::nanoseconds batch_time) {
        constexpr std::size_t top = static_cast<std::size_t>(std::numeric_limits<long long>::max());
        batch_sizing b;
        b.least = static_cast<long long>(std::clamp<std::size_t>(batch_size, 1, top));
        b.most = std::max(b.least, static_cast<long long>(std::min(max_batch_size, top)));
        b.target = batch_time;
        return b;
    }
    long long within(long long size) const { return std::clamp(size, least, most); }
    long long after(long long size, std::chrono::nanoseconds took, long long rows) const {
        if (took > target) {
            long double const share = static_cast<long double>(target.count()) / static_cast<long double>(took.count());
            size = std::max(size / 8, static_cast<long long>(static_cast<long double>(size) * share));
        } else if (took < target / 4 && rows >= size - size / 2) {  // (no product that could overflow)
            size = size > std::numeric_limits<long long>::max() / 2 ? size : size * 2;
        }
        return within(size);
    }
    long long after_failure(long long size) const { return within(size / 2); }
};

}  // namespace cascade::detail
