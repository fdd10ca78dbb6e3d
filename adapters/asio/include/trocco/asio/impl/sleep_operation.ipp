// trocco/asio/impl/sleep_operation.ipp - the bodies of detail::sleep_operation.
#pragma once

#include "../detail/sleep_operation.hpp"

namespace trocco::asio::detail {

TROCCO_DECL sleep_operation::sleep_operation(std::shared_ptr<transport_state> state, std::chrono::milliseconds delay)
    : state_(std::move(state)), delay_(delay), timer_(state_->strand) {}

TROCCO_DECL void sleep_operation::start(bool stop_requested) {
    if (stop_requested) return finish(error{errc::canceled, "sleep canceled"});
    if (state_->shut_down) return finish(error{errc::canceled, "the transport was destroyed"});
    state_->in_flight.insert(shared_from_this());
    timer_.expires_after(delay_);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
        if (ec || self->aborted_) return self->finish(error{errc::canceled, "sleep canceled"});
        self->finish({});
    });
}

TROCCO_DECL void sleep_operation::abort(bool destroyed) {
    if (done_) return;
    aborted_ = true;
    if (destroyed) return finish(error{errc::canceled, "the transport was destroyed"});
    timer_.cancel();
}

TROCCO_DECL void sleep_operation::finish(result<void> r) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    state_->in_flight.erase(shared_from_this());
    slot.complete(std::move(r));
}

}  // namespace trocco::asio::detail
