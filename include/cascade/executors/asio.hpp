#pragma once
// Opt-in: runs cascade's tasks on any Boost.Asio executor (an io_context's, a thread_pool's, a
// strand). Tasks are posted as they are (Asio takes move-only handlers); delays use a steady_timer.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <utility>

namespace cascade {

template <class AsioExecutor>
class asio_executor {
public:
    explicit asio_executor(AsioExecutor ex) : ex_(std::move(ex)) {}

    template <class Task>
    void submit(Task&& task) const {
        boost::asio::post(ex_, std::forward<Task>(task));
    }
    template <class Task>
    void submit_after(std::chrono::milliseconds delay, Task&& task) const {
        auto timer = std::make_shared<boost::asio::steady_timer>(ex_, delay);
        timer->async_wait([timer, t = std::forward<Task>(task)](boost::system::error_code const&) mutable { t(); });
    }
    AsioExecutor const& get() const { return ex_; }

private:
    AsioExecutor ex_;
};

/// asio_on(pool.get_executor()), asio_on(io.get_executor()), asio_on(strand)
template <class AsioExecutor>
asio_executor<AsioExecutor> asio_on(AsioExecutor ex) {
    return asio_executor<AsioExecutor>(std::move(ex));
}

}  // namespace cascade
