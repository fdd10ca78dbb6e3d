// trocco/asio/detail/sleep_operation.hpp - a sleep on a steady_timer of the strand, ended early by a stop or the
// transport's destruction. Bodies in impl/sleep_operation.ipp.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <chrono>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include <trocco/result.hpp>

#include "transport_state.hpp"

namespace trocco::asio::detail {

class sleep_operation final : public abortable, public std::enable_shared_from_this<sleep_operation> {
public:
    sleep_operation(std::shared_ptr<transport_state> state, std::chrono::milliseconds delay);

    completion_slot<result<void>> slot;
    const strand_type& strand() const noexcept { return state_->strand; }
    const std::shared_ptr<transport_state>& state() const noexcept { return state_; }

    void start(bool stop_requested);
    void abort(bool destroyed) override;

private:
    void finish(result<void> r);

    std::shared_ptr<transport_state> state_;
    std::chrono::milliseconds delay_;
    boost::asio::steady_timer timer_;
    bool aborted_ = false;
    bool done_ = false;
};

}  // namespace trocco::asio::detail
