// trocco/asio/impl/transport.ipp - the bodies of trocco::asio::transport and of its awaiters.
//
// Header-only mode: included by trocco/asio/transport.hpp, every function `inline` (TROCCO_DECL). Separately
// compiled mode: compiled once by adapters/asio/src/trocco_asio.cpp.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <functional>
#include <memory>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "../detail/send_operation.hpp"
#include "../detail/sleep_operation.hpp"
#include "../detail/transport_state.hpp"
#include "../transport.hpp"
#include "resolver.ipp"
#include "send_operation.ipp"
#include "send_operation_read.ipp"
#include "sleep_operation.ipp"

namespace trocco::asio {

namespace detail {

/// Starts `op` on its strand, first registering the stop callback (which posts an abort: a stop may come from
/// any thread). Shared by both awaiters.
template <class Operation>
void start_on_strand(const std::shared_ptr<Operation>& op, std::coroutine_handle<> continuation, std::stop_token stop) {
    op->slot.continuation = continuation;
    boost::asio::dispatch(op->strand(), [op, stop = std::move(stop)]() mutable {
        const bool stopped = stop.stop_requested();
        if (stop.stop_possible() && !stopped) {
            op->slot.stop_registration.emplace(std::move(stop), stop_forwarder{op, op->state()});
        }
        op->start(stopped);
    });
}

TROCCO_DECL void send_awaiter::await_suspend(std::coroutine_handle<> continuation) {
    start_on_strand(op_, continuation, std::move(stop_));
}

TROCCO_DECL result<http_response> send_awaiter::await_resume() { return op_->slot.take(); }

TROCCO_DECL void sleep_awaiter::await_suspend(std::coroutine_handle<> continuation) {
    start_on_strand(op_, continuation, std::move(stop_));
}

TROCCO_DECL result<void> sleep_awaiter::await_resume() { return op_->slot.take(); }

}  // namespace detail

TROCCO_DECL transport::transport(boost::asio::any_io_executor executor, transport_options options)
    : state_(std::make_shared<detail::transport_state>(std::move(executor), std::move(options))) {
    auto& ctx = state_->tls_context;
    const auto& o = state_->options;
    boost::system::error_code ec;
    // A CA given replaces the system store (as curl's CURLOPT_CAINFO); none given: the system store.
    if (o.ca_file.empty() && o.ca_pem.empty()) ctx.set_default_verify_paths(ec);
    if (!o.ca_pem.empty()) {
        ctx.add_certificate_authority(boost::asio::buffer(o.ca_pem), ec);
        if (ec) state_->tls_setup_error = error{errc::connect_failed, "cannot load ca_pem: " + ec.message()};
    }
    if (!o.ca_file.empty()) {
        ctx.load_verify_file(o.ca_file, ec);
        if (ec) {
            state_->tls_setup_error = error{errc::connect_failed, "cannot load ca_file " + o.ca_file + ": " + ec.message()};
        }
    }
    ctx.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                    boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                    boost::asio::ssl::context::no_tlsv1_1);
}

TROCCO_DECL transport::~transport() {
    // At once, on this thread: no lookup thread posts to the strand any more. Then everything in flight is
    // aborted on the strand, posted rather than dispatched so that no completion runs inside this destructor.
    state_->names.shutdown();
    boost::asio::post(state_->strand, [state = state_] { state->shutdown(); });
}

TROCCO_DECL detail::send_awaiter transport::send(http_request request, std::stop_token stop) {
    return {std::make_shared<detail::send_operation>(state_, std::move(request)), std::move(stop)};
}

TROCCO_DECL detail::sleep_awaiter transport::sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
    return {std::make_shared<detail::sleep_operation>(state_, delay), std::move(stop)};
}

TROCCO_DECL boost::asio::any_io_executor transport::get_executor() const { return state_->strand; }

}  // namespace trocco::asio
