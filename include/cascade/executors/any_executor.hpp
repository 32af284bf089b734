#pragma once
// A type-erased executor for ABI boundaries: holds any cascade executor by reference (or owns one)
// behind one virtual call per submitted task. Typed code should take the executor as a template.
#include <cascade/concept/executor.hpp>
#include <cascade/detail/unique_task.hpp>

#include <chrono>
#include <memory>
#include <utility>

namespace cascade {

class any_executor {
public:
    /// Refers to `e`, which must outlive this object.
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, any_executor> && executor<E>)
    any_executor(E& e) : self_(std::make_shared<ref_model<E>>(e)) {}  // NOLINT: implicit on purpose

    /// Owns `e`.
    template <class E>
    static any_executor owning(E e) {
        any_executor out;
        out.self_ = std::make_shared<own_model<E>>(std::move(e));
        return out;
    }

    void submit(detail::unique_task task) const { self_->submit(std::move(task)); }
    /// Delays when the erased executor can; otherwise runs the task without delay.
    void submit_after(std::chrono::milliseconds delay, detail::unique_task task) const {
        self_->submit_after(delay, std::move(task));
    }

private:
    any_executor() = default;
    struct concept_t {
        virtual ~concept_t() = default;
        virtual void submit(detail::unique_task) = 0;
        virtual void submit_after(std::chrono::milliseconds, detail::unique_task) = 0;
    };
    template <class E>
    struct ref_model : concept_t {
        E* e;
        explicit ref_model(E& x) : e(&x) {}
        void submit(detail::unique_task t) override { cascade::submit(*e, std::move(t)); }
        void submit_after(std::chrono::milliseconds d, detail::unique_task t) override {
            if constexpr (delaying_executor<E>) cascade::submit_after(*e, d, std::move(t));
            else cascade::submit(*e, std::move(t));
        }
    };
    template <class E>
    struct own_model : ref_model<E> {
        E owned;
        explicit own_model(E x) : ref_model<E>(owned), owned(std::move(x)) { this->e = &owned; }
    };
    std::shared_ptr<concept_t> self_;
};

}  // namespace cascade
