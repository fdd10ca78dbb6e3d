// trocco/testing/impl/scripted_transport.ipp - the bodies of scripted_transport.hpp (header-only mode: included
// by it; separately compiled: by testing/src/trocco_testing.cpp).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <trocco/testing/scripted_transport.hpp>

namespace trocco::testing {

TROCCO_DECL scripted_transport::~scripted_transport() = default;

TROCCO_DECL scripted_transport& scripted_transport::expect(http_method method, std::string url) {
    next_.expected_method = method;
    next_.expected_url = std::move(url);
    return *this;
}

TROCCO_DECL scripted_transport& scripted_transport::on_send(std::function<void()> hook) {
    next_.on_send = std::move(hook);
    return *this;
}

TROCCO_DECL scripted_transport& scripted_transport::respond(int status, std::string body,
                                                            std::vector<http_header> headers) {
    return push(http_response{status, std::move(headers), std::move(body)});
}

TROCCO_DECL scripted_transport& scripted_transport::fail(errc code, std::string message) {
    return push(error{code, std::move(message)});
}

TROCCO_DECL scripted_transport& scripted_transport::push_step(scripted_step step) {
    steps_.push_back(std::move(step));
    return *this;
}

TROCCO_DECL void scripted_transport::on_sleep(std::function<void(std::chrono::milliseconds)> hook) {
    on_sleep_ = std::move(hook);
}

TROCCO_DECL scripted_transport::send_awaiter scripted_transport::send(http_request request, std::stop_token stop) {
    return send_awaiter(*this, std::move(request), std::move(stop));
}

TROCCO_DECL scripted_transport::sleep_awaiter scripted_transport::sleep_for(std::chrono::milliseconds delay,
                                                                            std::stop_token stop) {
    return sleep_awaiter(*this, delay, std::move(stop));
}

TROCCO_DECL bool scripted_transport::run_one() {
    if (pending_.empty()) return false;
    const auto first = pending_.begin();
    operation* op = first->second;
    if (first->first.due > now_) now_ = first->first.due;
    pending_.erase(first);
    op->complete();
    return true;
}

TROCCO_DECL std::size_t scripted_transport::run_all() {
    std::size_t n = 0;
    while (run_one()) ++n;
    return n;
}

// --- operation -------------------------------------------------------------------------------------------------

TROCCO_DECL void scripted_transport::operation::enqueue(scripted_transport& t,
                                                        std::chrono::steady_clock::time_point due,
                                                        std::coroutine_handle<> h, std::stop_token stop) {
    transport_ = &t;
    handle_ = h;
    key_ = {due, t.sequence_++};
    t.pending_.emplace(key_, this);
    if (stop.stop_possible()) stop_callback_.emplace(std::move(stop), stop_handler{this});
}

TROCCO_DECL void scripted_transport::operation::finish() {
    stop_callback_.reset();
    handle_.resume();
}

TROCCO_DECL void scripted_transport::operation::on_stop() noexcept {
    stopped = true;
    auto& pending = transport_->pending_;
    if (pending.erase(key_) == 0) return;  // already completing
    key_ = {transport_->now_, key_.sequence};
    pending.emplace(key_, this);
}

// --- send_awaiter ----------------------------------------------------------------------------------------------

TROCCO_DECL scripted_transport::send_awaiter::send_awaiter(scripted_transport& t, http_request request,
                                                           std::stop_token stop)
    : transport_(t), stop_(std::move(stop)) {
    step_ = t.take_step(request);
    if (step_.on_send) step_.on_send();
}

TROCCO_DECL scripted_transport::send_awaiter::~send_awaiter() = default;

TROCCO_DECL bool scripted_transport::send_awaiter::await_ready() {
    if (transport_.mode_ == completion::immediate || stop_.stop_requested()) {
        resolve();
        return true;
    }
    return false;
}

TROCCO_DECL void scripted_transport::send_awaiter::await_suspend(std::coroutine_handle<> h) {
    enqueue(transport_, transport_.now_ + step_.latency, h, stop_);
}

TROCCO_DECL result<http_response> scripted_transport::send_awaiter::await_resume() { return std::move(*outcome_); }

TROCCO_DECL void scripted_transport::send_awaiter::resolve() {
    if (stopped || stop_.stop_requested()) {
        outcome_.emplace(error{errc::canceled, "scripted_transport: send canceled"});
    } else {
        outcome_.emplace(std::move(step_.outcome));
    }
}

TROCCO_DECL void scripted_transport::send_awaiter::complete() {
    resolve();
    finish();
}

// --- sleep_awaiter ---------------------------------------------------------------------------------------------

TROCCO_DECL scripted_transport::sleep_awaiter::sleep_awaiter(scripted_transport& t, std::chrono::milliseconds delay,
                                                             std::stop_token stop)
    : transport_(t), delay_(delay), stop_(std::move(stop)) {
    t.sleeps_.push_back(delay);
    if (t.on_sleep_) t.on_sleep_(delay);
}

TROCCO_DECL scripted_transport::sleep_awaiter::~sleep_awaiter() = default;

TROCCO_DECL bool scripted_transport::sleep_awaiter::await_ready() {
    if (stop_.stop_requested()) {
        outcome_ = error{errc::canceled, "scripted_transport: sleep canceled"};
        return true;
    }
    if (transport_.mode_ == completion::immediate) {
        transport_.now_ += delay_;
        return true;
    }
    return false;
}

TROCCO_DECL void scripted_transport::sleep_awaiter::await_suspend(std::coroutine_handle<> h) {
    enqueue(transport_, transport_.now_ + delay_, h, stop_);
}

TROCCO_DECL result<void> scripted_transport::sleep_awaiter::await_resume() { return std::move(outcome_); }

TROCCO_DECL void scripted_transport::sleep_awaiter::complete() {
    if (stopped) outcome_ = error{errc::canceled, "scripted_transport: sleep canceled"};
    finish();
}

// --- the script ------------------------------------------------------------------------------------------------

TROCCO_DECL scripted_transport& scripted_transport::push(result<http_response> outcome) {
    next_.outcome = std::move(outcome);
    steps_.push_back(std::move(next_));
    next_ = scripted_step{};
    return *this;
}

TROCCO_DECL scripted_step scripted_transport::take_step(const http_request& request) {
    requests_.push_back(request);
    const std::string described = std::string(to_string(request.method)) + " " + request.url;
    if (steps_.empty()) {
        mismatches_.push_back("no scripted answer left for " + described);
        return scripted_step{.outcome = error{errc::transport_failure,
                                              "scripted_transport: no answer left for " + described}};
    }
    scripted_step step = std::move(steps_.front());
    steps_.pop_front();
    const bool method_ok = !step.expected_method || *step.expected_method == request.method;
    const bool url_ok = !step.expected_url || *step.expected_url == request.url;
    if (!method_ok || !url_ok) {
        const std::string expected = std::string(step.expected_method ? to_string(*step.expected_method) : "ANY") +
                                     " " + step.expected_url.value_or("ANY");
        mismatches_.push_back("expected " + expected + ", got " + described);
        step.outcome = error{errc::transport_failure, "scripted_transport: unexpected request " + described};
    }
    return step;
}

}  // namespace trocco::testing
