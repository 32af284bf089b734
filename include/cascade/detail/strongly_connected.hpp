#pragma once
// Strongly connected components of a directed graph, for the two places that need them: the schema's
// check of cycles through several models (at compile time) and the plan's recursive sets (once per
// process). Tarjan's algorithm, iterative: no recursion depth to exhaust on a deep chain, in constant
// evaluation or at run time.
#include <cstddef>
#include <vector>

namespace cascade::detail {

/// The components of the graph whose vertex v has the successors `out[v]`: `component[v]`, numbered in
/// the order they are completed (a component comes before every component that reaches it), walking
/// from the vertices in index order and each vertex's successors in their order.
struct components {
    std::vector<int> component;
    int count = 0;
};
constexpr components strongly_connected(std::vector<std::vector<int>> const& out) {
    auto const n = out.size();
    components c;
    c.component.assign(n, -1);
    std::vector<int> index(n, -1), low(n, 0), stack, calls;
    std::vector<std::size_t> next(n, 0);
    int counter = 0;
    auto const enter = [&](int v) {
        auto const u = static_cast<std::size_t>(v);
        index[u] = low[u] = counter++;
        stack.push_back(v);
        calls.push_back(v);
    };
    for (std::size_t s = 0; s < n; ++s) {
        if (index[s] >= 0) continue;
        enter(static_cast<int>(s));
        while (!calls.empty()) {
            auto const v = static_cast<std::size_t>(calls.back());
            if (next[v] < out[v].size()) {
                int const w = out[v][next[v]++];
                auto const x = static_cast<std::size_t>(w);
                if (index[x] < 0) enter(w);
                else if (c.component[x] < 0 && index[x] < low[v]) low[v] = index[x];  // on the stack
                continue;
            }
            calls.pop_back();
            if (!calls.empty()) {
                auto const parent = static_cast<std::size_t>(calls.back());
                if (low[v] < low[parent]) low[parent] = low[v];
            }
            if (low[v] != index[v]) continue;
            for (;;) {
                auto const w = static_cast<std::size_t>(stack.back());
                stack.pop_back();
                c.component[w] = c.count;
                if (w == v) break;
            }
            ++c.count;
        }
    }
    return c;
}

}  // namespace cascade::detail
