#pragma once
// Runs each task at once, on the submitting thread: jobs are performed right after the owner's
// transaction commits, before destroy returns. No allocation, no indirection.
namespace cascade {

struct inline_executor {
    template <class Task>
    void submit(Task&& task) const {
        task();
    }
};

}  // namespace cascade
