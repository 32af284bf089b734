#pragma once
// The few type-list operations the schema needs. Plain packs, not hana::tuple: a schema of 200
// models is walked many times during compilation and packs are far cheaper for the compiler.
#include <cstddef>
#include <type_traits>

namespace cascade::detail {

template <class... Ts>
struct list {
    static constexpr std::size_t size = sizeof...(Ts);
};

template <class T, class List>
inline constexpr bool contains_v = false;
template <class T, class... Ts>
inline constexpr bool contains_v<T, list<Ts...>> = (std::is_same_v<T, Ts> || ...);

template <class... Lists>
struct concat;
template <>
struct concat<> { using type = list<>; };
template <class... As>
struct concat<list<As...>> { using type = list<As...>; };
template <class... As, class... Bs, class... Rest>
struct concat<list<As...>, list<Bs...>, Rest...> : concat<list<As..., Bs...>, Rest...> {};
template <class... Lists>
using concat_t = typename concat<Lists...>::type;

/// Keep the Ts for which Pred<T>::value holds.
template <template <class> class Pred, class List>
struct filter;
template <template <class> class Pred, class... Ts>
struct filter<Pred, list<Ts...>> {
    using type = concat_t<std::conditional_t<Pred<Ts>::value, list<Ts>, list<>>...>;
};
template <template <class> class Pred, class List>
using filter_t = typename filter<Pred, List>::type;

template <class List, class F>
constexpr void for_each_type(F&& f) {
    [&]<class... Ts>(list<Ts...>*) { (f.template operator()<Ts>(), ...); }(static_cast<List*>(nullptr));
}

}  // namespace cascade::detail
