#pragma once
// The executor concept: anything cascade can hand a job to. One customization point,
// cascade::submit(executor, task), where task is a move-only `void()` callable; it calls the
// executor's member `submit(task)` if there is one, else a `submit(executor, task)` found by ADL.
// An executor that can run a task later may also offer `submit_after(delay, task)` (member or ADL):
// retries with backoff use it.
#include <chrono>
#include <concepts>
#include <utility>

namespace cascade {

namespace detail {
/// The least a task is: what executors are checked against.
struct task_archetype {
    task_archetype() = default;
    task_archetype(task_archetype&&) = default;
    task_archetype& operator=(task_archetype&&) = default;
    task_archetype(task_archetype const&) = delete;
    void operator()() {}
};

namespace submit_adl {
void submit() = delete;  // poison pill: only submit found by ADL on the executor's namespace
template <class E, class T>
concept has_member = requires(E& e, T&& t) { e.submit(std::forward<T>(t)); };
template <class E, class T>
concept has_adl = requires(E& e, T&& t) { submit(e, std::forward<T>(t)); };

struct submit_fn {
    template <class E, class T>
        requires has_member<E, T> || has_adl<E, T>
    constexpr decltype(auto) operator()(E& executor, T&& task) const {
        if constexpr (has_member<E, T>) return executor.submit(std::forward<T>(task));
        else return submit(executor, std::forward<T>(task));
    }
};

void submit_after() = delete;
template <class E, class T>
concept has_member_after = requires(E& e, std::chrono::milliseconds d, T&& t) { e.submit_after(d, std::forward<T>(t)); };
template <class E, class T>
concept has_adl_after = requires(E& e, std::chrono::milliseconds d, T&& t) { submit_after(e, d, std::forward<T>(t)); };

struct submit_after_fn {
    template <class E, class T>
        requires has_member_after<E, T> || has_adl_after<E, T>
    constexpr decltype(auto) operator()(E& executor, std::chrono::milliseconds delay, T&& task) const {
        if constexpr (has_member_after<E, T>) return executor.submit_after(delay, std::forward<T>(task));
        else return submit_after(executor, delay, std::forward<T>(task));
    }
};
}  // namespace submit_adl
}  // namespace detail

/// Hands `task` to `executor`, to be run once.
inline constexpr detail::submit_adl::submit_fn submit{};
/// Hands `task` to `executor`, to be run once, no sooner than `delay` from now.
inline constexpr detail::submit_adl::submit_after_fn submit_after{};

/// E can run tasks of type Task.
template <class E, class Task>
concept executor_for = std::move_constructible<Task> && std::invocable<Task&> &&
                       requires(E& e, Task&& t) { cascade::submit(e, std::move(t)); };

/// E can run any move-only `void()` task.
template <class E>
concept executor = executor_for<E, detail::task_archetype>;

/// E can also run a task after a delay (retries with backoff need it).
template <class E>
concept delaying_executor =
    executor<E> && requires(E& e, detail::task_archetype&& t) { cascade::submit_after(e, std::chrono::milliseconds{1}, std::move(t)); };

}  // namespace cascade
