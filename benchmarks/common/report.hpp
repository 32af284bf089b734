#pragma once
// What every benchmark program shares: its command line, the medians, the process's memory, and
// the flat JSON summary written with --json PATH.
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

/// One command-line option a benchmark takes: its name, what follows it, what it does.
struct option {
    enum kind { flag, text, integer };
    std::string name;
    kind value;
    std::string help;
};

/// The command line, checked against the options the program declares before anything runs: a typo
/// (`--batchsize`) or a missing or malformed value is a message and exit 2, not a silent full run
/// with the defaults. What it read is kept by option (a word that is another option's value is that
/// value, never an option; given twice, the last wins). `--json PATH` and `--help` are always there.
struct args {
    args(int argc, char** argv, std::string const& program, std::vector<option> options) {
        options.push_back({"--json", option::text, "write the flat JSON summary to PATH"});
        std::vector<std::string> const words(argv + 1, argv + argc);
        auto usage = [&](std::ostream& out) {
            out << "usage: " << program << " [options]\n  " << std::left << std::setw(22) << "--help" << "this text\n";
            for (auto const& o : options)
                out << "  " << std::left << std::setw(22) << (o.name + (o.value == option::integer ? " N" : o.value == option::text ? " VALUE" : ""))
                    << o.help << '\n';
        };
        if (std::find(words.begin(), words.end(), "--help") != words.end() || std::find(words.begin(), words.end(), "-h") != words.end()) {
            usage(std::cout);
            std::exit(0);
        }
        for (std::size_t i = 0; i < words.size(); ++i) {
            auto o = std::find_if(options.begin(), options.end(), [&](option const& x) { return x.name == words[i]; });
            if (o == options.end()) fail(program, "unknown option '" + words[i] + "'", usage);
            if (o->value == option::flag) {
                values_[o->name] = "";
                continue;
            }
            if (++i == words.size()) fail(program, o->name + " needs a value", usage);
            if (o->value == option::integer && !parse_integer(words[i]))
                fail(program, o->name + ": '" + words[i] + "' is not an integer", usage);
            values_[o->name] = words[i];
        }
    }
    bool flag(std::string const& name) const { return values_.count(name) > 0; }
    bool has(std::string const& name) const { return values_.count(name) > 0; }
    std::string text(std::string const& name, std::string fallback = "") const {
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    long long integer(std::string const& name, long long fallback) const {
        auto it = values_.find(name);
        return it == values_.end() ? fallback : *parse_integer(it->second);  // checked when read
    }

private:
    std::map<std::string, std::string> values_;
    /// The whole word as an integer: `12abc`, `-` and out-of-range values are not one.
    static std::optional<long long> parse_integer(std::string const& word) {
        std::size_t used = 0;
        try {
            long long const n = std::stoll(word, &used);
            if (used == word.size()) return n;
        } catch (std::exception const&) {
        }
        return std::nullopt;
    }
    template <class Usage>
    [[noreturn]] static void fail(std::string const& program, std::string const& why, Usage const& usage) {
        std::cerr << program << ": " << why << '\n';
        usage(std::cerr);
        std::exit(2);
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
