// trocco/asio/detail/awaiters.hpp - what transport::send() and sleep_for() return: small awaiters over an
// operation whose type stays opaque here, so that the public header needs no Beast (see impl/transport.ipp).
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <coroutine>
#include <memory>
#include <stop_token>

#include <trocco/detail/config.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>

namespace trocco::asio::detail {

class send_operation;
class sleep_operation;

/// co_await gives the response or the error. Starts the send on the transport's strand when awaited; a stop
/// request on `stop` then aborts it (errc::canceled). Resumes the awaiting coroutine on the strand.
class send_awaiter {
public:
    send_awaiter(std::shared_ptr<send_operation> op, std::stop_token stop) noexcept
        : op_(std::move(op)), stop_(std::move(stop)) {}

    bool await_ready() const noexcept { return false; }
    TROCCO_DECL void await_suspend(std::coroutine_handle<> continuation);
    TROCCO_DECL result<http_response> await_resume();

private:
    std::shared_ptr<send_operation> op_;
    std::stop_token stop_;
};

/// co_await gives success after the delay, or errc::canceled. As send_awaiter otherwise.
class sleep_awaiter {
public:
    sleep_awaiter(std::shared_ptr<sleep_operation> op, std::stop_token stop) noexcept
        : op_(std::move(op)), stop_(std::move(stop)) {}

    bool await_ready() const noexcept { return false; }
    TROCCO_DECL void await_suspend(std::coroutine_handle<> continuation);
    TROCCO_DECL result<void> await_resume();

private:
    std::shared_ptr<sleep_operation> op_;
    std::stop_token stop_;
};

}  // namespace trocco::asio::detail
