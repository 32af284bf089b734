#pragma once
// Strict command lines for the queue's programs (cascade-queue and the example worker): every
// option is declared, every value is checked before anything touches the database, and a mistake
// is a bad_command_line naming the argument ("--threads: 'two' is not a whole number"). A typo
// must never run a command with a default in its place.
#include <cascade/errors.hpp>

#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cascade {

/// A command line the program cannot run as given. Nothing was done.
struct bad_command_line : error {
    explicit bad_command_line(std::string const& what) : error(what) {}
};

class command_line {
public:
    /// `valued`: options that take a value (--threads 4); `flags`: options that do not.
    command_line(int argc, char** argv, std::set<std::string> valued, std::set<std::string> flags) {
        for (int i = 1; i < argc; ++i) {
            std::string const a = argv[i];
            if (a.rfind("--", 0) != 0 || a == "--") {
                positional_.push_back(a);
            } else if (valued.count(a)) {
                if (i + 1 >= argc) throw bad_command_line(a + " needs a value");
                if (values_.count(a)) throw bad_command_line(a + " is given twice");
                values_[a] = argv[++i];
            } else if (flags.count(a)) {
                flags_.insert(a);
            } else {
                throw bad_command_line("unknown option " + a);
            }
        }
    }

    bool flag(std::string const& name) const { return flags_.count(name) > 0; }
    bool has(std::string const& name) const { return values_.count(name) > 0; }
    std::string text(std::string const& name, std::string fallback = "") const {
        auto const it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    /// One of `allowed`, spelled exactly.
    std::string choice(std::string const& name, std::set<std::string> const& allowed, std::string fallback) const {
        std::string const v = text(name, fallback);
        if (!allowed.count(v)) {
            std::string list;
            for (auto const& a : allowed) {
                if (!list.empty()) list += ", ";
                list += a;
            }
            throw bad_command_line(name + ": '" + v + "' is not one of " + list);
        }
        return v;
    }
    /// A whole number in [lo, hi].
    long long integer(std::string const& name, long long fallback, long long lo = 0,
                      long long hi = std::numeric_limits<long long>::max()) const {
        return has(name) ? parse_integer(name, values_.at(name), lo, hi) : fallback;
    }
    std::vector<std::string> const& positional() const { return positional_; }

    /// `text` as a whole number in [lo, hi], all of it ("26abc", "", "-1" for lo = 0 are refused).
    static long long parse_integer(std::string const& what, std::string const& text, long long lo,
                                   long long hi = std::numeric_limits<long long>::max()) {
        long long v = 0;
        auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            throw bad_command_line(what + ": '" + text + "' is not a whole number");
        if (v < lo || v > hi)
            throw bad_command_line(what + ": " + text + " is out of range (" + std::to_string(lo) + " to " +
                                   std::to_string(hi) + ")");
        return v;
    }

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

}  // namespace cascade
