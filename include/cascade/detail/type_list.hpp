#pragma once
// The few type-list operations the schema needs. Plain packs, not hana::tuple: a schema of 200
// models is walked many times during compilation and packs are far cheaper for the compiler.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

namespace cascade::detail {

template <class... Ts>
struct list {
    static constexpr std::size_t size = sizeof...(Ts);
};

// ---- reductions over a pack, flat ----------------------------------------------------------------------
// A fold expression `(X<Ts> || ...)` nests one parenthesis per element: clang refuses more than 256
// (-fbracket-depth), so a schema of 400 models would not compile. A braced list of the pack is flat.

constexpr bool any_of(std::initializer_list<bool> xs) {
    for (bool x : xs)
        if (x) return true;
    return false;
}
constexpr bool all_of(std::initializer_list<bool> xs) {
    for (bool x : xs)
        if (!x) return false;
    return true;
}
constexpr std::size_t sum_of(std::initializer_list<std::size_t> xs) {
    std::size_t total = 0;
    for (std::size_t x : xs) total += x;
    return total;
}

template <class T, class List>
inline constexpr bool contains_v = false;
template <class T, class... Ts>
inline constexpr bool contains_v<T, list<Ts...>> = any_of({std::is_same_v<T, Ts>...});

// ---- lookups that cost the compiler one instantiation per list, not one per element and lookup ------
// Recursive lookups (`nth<list<F, R...>, I> : nth<list<R...>, I - 1>`) make a new type per step, each
// with the rest of the list in its arguments: quadratic per lookup, cubic over a 200-model schema.
// These derive one class from every element at once and let overload resolution pick.

template <std::size_t I, class T>
struct indexed_type {
    using type = T;
};
template <class Seq, class... Ts>
struct index_table;
template <std::size_t... Is, class... Ts>
struct index_table<std::index_sequence<Is...>, Ts...> : indexed_type<Is, Ts>... {};
template <std::size_t I, class T>
indexed_type<I, T> select_at(indexed_type<I, T> const*);

template <class List, std::size_t I>
struct nth;
/// The I-th type of a list.
template <class... Ts, std::size_t I>
struct nth<list<Ts...>, I> {
    using type = typename decltype(select_at<I>(static_cast<index_table<std::index_sequence_for<Ts...>, Ts...> const*>(nullptr)))::type;
};

template <class Key, class Value>
struct keyed {};
template <class... Entries>
struct key_table : Entries... {};
template <class Key, class Value>
Value lookup_key(keyed<Key, Value> const*);
template <class Key>
void lookup_key(void const*);

// ---- concatenating and filtering, in one step each ----------------------------------------------------
// A recursive concat (`concat<list<A...>, list<B...>, Rest...> : concat<list<A..., B...>, Rest...>`)
// carries every list still to come in each step's arguments; over a schema's models that is quadratic
// work for the compiler. These pick the elements by their positions, computed as constants.

/// A list of the elements of `list<Ts...>` at the positions in the constant array `Positions`.
template <class List, auto const& Positions, class Seq = std::make_index_sequence<Positions.size()>>
struct pick;
template <class... Ts, auto const& Positions, std::size_t... Is>
struct pick<list<Ts...>, Positions, std::index_sequence<Is...>> {
    using table = index_table<std::index_sequence_for<Ts...>, Ts...>;
    using type = list<typename decltype(select_at<Positions[Is]>(static_cast<table const*>(nullptr)))::type...>;
};

/// Keep the Ts for which Pred<T>::value holds.
template <template <class> class Pred, class List>
struct filter;
template <template <class> class Pred, class... Ts>
struct filter<Pred, list<Ts...>> {
    static constexpr bool keep[sizeof...(Ts) + 1]{Pred<Ts>::value..., false};
    static constexpr auto positions = [] {
        std::array<std::size_t, sum_of({(Pred<Ts>::value ? std::size_t{1} : std::size_t{0})...})> out{};
        std::size_t at = 0;
        for (std::size_t i = 0; i < sizeof...(Ts); ++i)
            if (keep[i]) out[at++] = i;
        return out;
    }();
    using type = typename pick<list<Ts...>, positions>::type;
};
template <template <class> class Pred, class List>
using filter_t = typename filter<Pred, List>::type;

/// The lists one after the other.
template <class... Lists>
struct concat {
    using all = list<Lists...>;
    static constexpr std::size_t sizes[sizeof...(Lists) + 1]{Lists::size..., 0};
    static constexpr std::size_t total = sum_of({Lists::size...});
    /// For each element, its list and its position there.
    static constexpr auto where = [] {
        std::array<std::pair<std::size_t, std::size_t>, total> out{};
        std::size_t at = 0;
        for (std::size_t l = 0; l < sizeof...(Lists); ++l)
            for (std::size_t i = 0; i < sizes[l]; ++i) out[at++] = {l, i};
        return out;
    }();
    template <std::size_t... Is>
    static auto make(std::index_sequence<Is...>)
        -> list<typename nth<typename nth<all, where[Is].first>::type, where[Is].second>::type...>;
    using type = decltype(make(std::make_index_sequence<total>{}));
};
template <class... Lists>
using concat_t = typename concat<Lists...>::type;

template <class List, class F>
constexpr void for_each_type(F&& f) {
    // A braced list, not a comma fold: flat however long the list (see any_of), and still in order.
    [&]<class... Ts>(list<Ts...>*) {
        [[maybe_unused]] int const in_order[]{0, (f.template operator()<Ts>(), 0)...};
    }(static_cast<List*>(nullptr));
}

}  // namespace cascade::detail
