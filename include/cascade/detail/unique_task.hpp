#pragma once
// A move-only `void()` callable with room for small callables inline (no heap allocation for a
// job task), for the executors that must store tasks of many types: the thread pool, the deferred
// executor, any_executor. One indirect call to run it.
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace cascade::detail {

class unique_task {
public:
    static constexpr std::size_t inline_size = 96;

    unique_task() = default;
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, unique_task> && std::is_invocable_v<std::remove_cvref_t<F>&>)
    unique_task(F&& f) {  // NOLINT: implicit, like std::function
        using T = std::remove_cvref_t<F>;
        if constexpr (sizeof(T) <= inline_size && alignof(T) <= alignof(std::max_align_t) &&
                      std::is_nothrow_move_constructible_v<T>) {
            ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
            ops_ = &inline_ops<T>;
        } else {
            *reinterpret_cast<T**>(storage_) = new T(std::forward<F>(f));
            ops_ = &heap_ops<T>;
        }
    }
    unique_task(unique_task&& other) noexcept : ops_(other.ops_) {
        if (ops_) ops_->move(other.storage_, storage_);
        other.ops_ = nullptr;
    }
    unique_task& operator=(unique_task&& other) noexcept {
        if (this != &other) {
            reset();
            ops_ = other.ops_;
            if (ops_) ops_->move(other.storage_, storage_);
            other.ops_ = nullptr;
        }
        return *this;
    }
    unique_task(unique_task const&) = delete;
    unique_task& operator=(unique_task const&) = delete;
    ~unique_task() { reset(); }

    explicit operator bool() const { return ops_ != nullptr; }
    void operator()() { ops_->call(storage_); }

private:
    struct ops {
        void (*call)(void*);
        void (*move)(void* from, void* to) noexcept;
        void (*destroy)(void*) noexcept;
    };
    template <class T>
    static constexpr ops inline_ops{
        [](void* p) { (*std::launder(static_cast<T*>(p)))(); },
        [](void* from, void* to) noexcept {
            T* f = std::launder(static_cast<T*>(from));
            ::new (to) T(std::move(*f));
            f->~T();
        },
        [](void* p) noexcept { std::launder(static_cast<T*>(p))->~T(); }};
    template <class T>
    static constexpr ops heap_ops{
        [](void* p) { (**static_cast<T**>(p))(); },
        [](void* from, void* to) noexcept { *static_cast<T**>(to) = *static_cast<T**>(from); },
        [](void* p) noexcept { delete *static_cast<T**>(p); }};

    void reset() {
        if (ops_) ops_->destroy(storage_);
        ops_ = nullptr;
    }
    alignas(std::max_align_t) unsigned char storage_[inline_size];
    ops const* ops_ = nullptr;
};

}  // namespace cascade::detail

namespace cascade {
/// A move-only `void()` task, stored inline up to 96 bytes: what an executor that keeps tasks can
/// hold them as.
using task = detail::unique_task;
}  // namespace cascade
