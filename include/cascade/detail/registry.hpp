#pragma once
// A list of constants that headers register when they are included (a database's connector, its queue
// part), found by the SOCI backend name each one serves. Registered before main, read after.
#include <cascade/errors.hpp>

#include <string>
#include <string_view>

namespace cascade::detail {

/// `Entry::backend_name(entry)` names the backend an entry serves; at most `Capacity` entries.
template <class Entry, std::string_view (*Backend)(Entry const&), int Capacity>
class registry {
public:
    static registry& all() {
        static registry r;
        return r;
    }
    void add(Entry const& e) {
        for (int i = 0; i < count_; ++i)
            if (list_[i] == &e) return;
        if (count_ == Capacity) throw error("cascade: more connectors registered than cascade has room for");
        list_[count_++] = &e;
    }
    Entry const* find(std::string_view backend) const {
        for (int i = 0; i < count_; ++i)
            if (Backend(*list_[i]) == backend) return list_[i];
        return nullptr;
    }
    /// Their backend names, comma-separated, in the order they registered.
    std::string names() const {
        std::string out;
        for (int i = 0; i < count_; ++i) out += (i ? ", " : "") + std::string(Backend(*list_[i]));
        return out;
    }
    Entry const* const* begin() const { return list_; }
    Entry const* const* end() const { return list_ + count_; }

private:
    Entry const* list_[Capacity] = {};
    int count_ = 0;
};

}  // namespace cascade::detail
