#pragma once
// What every benchmark program shares: its command line, the medians, the process's memory, and
// the flat JSON summary written with --json PATH.
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

struct args {
    std::vector<std::string> words;
    args(int argc, char** argv) : words(argv + 1, argv + argc) {}
    bool flag(std::string const& name) const { return std::find(words.begin(), words.end(), name) != words.end(); }
    bool has(std::string const& name) const {
        auto it = std::find(words.begin(), words.end(), name);
        return it != words.end() && it + 1 != words.end();
    }
    std::string text(std::string const& name, std::string fallback = "") const {
        auto it = std::find(words.begin(), words.end(), name);
        return it != words.end() && it + 1 != words.end() ? *(it + 1) : fallback;
    }
    int integer(std::string const& name, int fallback) const {
        return has(name) ? std::stoi(text(name)) : fallback;
    }
};

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

inline long status_kb(std::string const& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    return 0;
}
/// Resident memory now, and the peak since the last peak_rss_reset (Linux: VmRSS, VmHWM).
inline long rss_kb() { return status_kb("VmRSS"); }
inline long peak_rss_kb() { return status_kb("VmHWM"); }
inline void peak_rss_reset() { std::ofstream("/proc/self/clear_refs") << "5"; }
/// Hands freed heap back to the system, so that a baseline taken after building the data is what
/// the process really holds and a later peak shows what the measured run added.
inline void release_free_memory() { malloc_trim(0); }

struct report {
    std::string program;
    std::map<std::string, double> values;
    explicit report(std::string name) : program(std::move(name)) {}
    void set(std::string const& key, double v) { values[key] = v; }
    void write(args const& a) const {
        if (!a.has("--json")) return;
        std::ofstream out(a.text("--json"));
        out << "{\n";
        std::size_t i = 0;
        for (auto const& [k, v] : values)
            out << "  \"" << k << "\": " << std::setprecision(6) << v << (++i < values.size() ? ",\n" : "\n");
        out << "}\n";
        std::cout << program << ": wrote " << a.text("--json") << '\n';
    }
};

}  // namespace bench
