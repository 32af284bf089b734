#pragma once
// The smallest pieces of SQL text: quoted identifiers and placeholders, each placeholder recorded with
// where its value comes from. Identifiers come only from compile-time declarations (table and member
// names); every value is a bound parameter.
#include <string>
#include <string_view>
#include <vector>

namespace cascade::sql {

/// Where a statement's bound value comes from when it runs.
struct param {
    enum class source : unsigned char {
        root,          ///< the plan's root values (:r0 the key or keys, :r1 :r2 bounds)
        constant,      ///< the schema's constants (polymorphic names, scope values)
        root_constant, ///< the root's own constants (destroy_all's where<> values)
        extra,         ///< a value the executor supplies (a list of keys, a cursor position, a limit)
        taken,         ///< a tracked dry run: the keys of model `index` its earlier steps took
        cleared,       ///< a tracked dry run: the keys of edge `index`'s rows whose foreign key it cleared
    };
    source from{};
    int index = 0;
    friend bool operator==(param const&, param const&) = default;
};

/// A statement's text and the sources of its values, in placeholder order.
struct statement {
    std::string text;
    std::vector<param> params;
    bool empty() const { return text.empty(); }
};

/// Writes a statement: text, identifiers, and values as placeholders numbered when the statement is
/// finished (a statement is written in pieces, its WITH clause after its body).
class writer {
public:
    writer& operator+=(std::string_view s) {
        text_ += s;
        return *this;
    }
    writer& operator+=(char c) {
        text_ += c;
        return *this;
    }
    /// "name": identifiers are quoted, never spliced from values.
    writer& id(std::string_view name) {
        text_ += '"';
        text_ += name;
        text_ += '"';
        return *this;
    }
    /// alias."name"
    writer& column(std::string_view alias, std::string_view name) {
        text_ += alias;
        text_ += '.';
        return id(name);
    }
    writer& number(long long n) {
        text_ += std::to_string(n);
        return *this;
    }
    writer& value(param p) {
        text_ += marker;
        params_.push_back(p);
        return *this;
    }
    /// Appends another piece; its values come after this one's.
    writer& append(writer const& other) {
        text_ += other.text_;
        params_.insert(params_.end(), other.params_.begin(), other.params_.end());
        return *this;
    }
    /// The statement, placeholders numbered :p1, :p2, ... in text order, identifiers quoted by `quote`
    /// (a statement holds no other double quote: values are bound, never spliced).
    statement finish(char quote = '"') const {
        statement s;
        s.params = params_;
        int n = 0;
        for (char c : text_) {
            if (c == marker) {
                s.text += ":p";
                s.text += std::to_string(++n);
            } else {
                s.text += c == '"' ? quote : c;
            }
        }
        return s;
    }
    std::string const& text() const { return text_; }

private:
    static constexpr char marker = '\x01';
    std::string text_;
    std::vector<param> params_;
};

}  // namespace cascade::sql
