// trocco/curl/detail/operation_awaiter.hpp - the awaitable that send() and sleep_for() return. No libcurl here.
#pragma once

#include <coroutine>
#include <memory>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "engine.hpp"
#include "operation.hpp"

namespace trocco::curl::detail {

/// The awaitable of send() and sleep_for(). Nothing happens until it is awaited; a stop already requested then
/// completes it at once with errc::canceled, without suspending.
template <class Op, class Result>
class operation_awaiter {
public:
    operation_awaiter(engine& owner, std::shared_ptr<Op> op, std::stop_token stop) noexcept
        : owner_(&owner), op_(std::move(op)), stop_(std::move(stop)) {}
    operation_awaiter(operation_awaiter&&) noexcept = default;
    operation_awaiter& operator=(operation_awaiter&&) noexcept = default;
    operation_awaiter(const operation_awaiter&) = delete;
    operation_awaiter& operator=(const operation_awaiter&) = delete;

    bool await_ready() {
        if (!stop_.stop_requested()) return false;
        op_->set_error(canceled_unstarted(*op_, op_->what() == operation::kind::send ? "send canceled" : "sleep canceled"));
        return true;
    }

    bool await_suspend(std::coroutine_handle<> awaiting) {
        if constexpr (std::is_same_v<Op, sleep_operation>) op_->due = clock::now() + op_->delay;
        op_->continuation = awaiting;
        if (stop_.stop_possible()) {
            op_->stop_registration.emplace(stop_, canceller{owner_, std::weak_ptr<operation>(op_)});
        }
        // Once queued, the operation may complete and this coroutine resume (even end) on the worker before
        // submit() returns: nothing of *this may be touched after a successful submit.
        if (owner_->submit(op_)) return true;
        op_->stop_registration.reset();
        op_->continuation = {};
        return false;  // the transport is being destroyed: completed with errc::canceled, no suspension
    }

    Result await_resume() { return std::move(*op_->outcome); }

private:
    engine* owner_;
    std::shared_ptr<Op> op_;
    std::stop_token stop_;
};

}  // namespace trocco::curl::detail
