// trocco/testing/impl/fake_server.ipp - the bodies of fake_server.hpp's members that reach the listener, and with it
// the Beast sessions (header-only mode: included by fake_server.hpp; separately compiled: by
// testing/src/fake_server.cpp, the one file of the program that generates the Beast code).
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <trocco/testing/detail/listener.hpp>
#include <trocco/testing/fake_api.hpp>
#include <trocco/testing/fake_server.hpp>

namespace trocco::testing {

TROCCO_TESTING_DECL fake_server::fake_server(boost::asio::any_io_executor executor, fake_server_options options)
    : listener_(make_listener(std::move(executor), std::move(options))) {
    listener_->start();
}

TROCCO_TESTING_DECL fake_server::fake_server(fake_server_options options)
    : io_(std::make_unique<boost::asio::io_context>(1)),
      listener_(make_listener(io_->get_executor(), std::move(options))) {
    listener_->start();
    thread_ = std::thread([io = io_.get()] {
        for (;;) {
            try {
                io->run();
                return;
            } catch (...) {  // a test server keeps serving whatever one handler threw
            }
        }
    });
}

TROCCO_TESTING_DECL fake_server::~fake_server() { stop(); }

TROCCO_TESTING_DECL void fake_server::stop() {
    listener_->stop();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

TROCCO_TESTING_DECL std::uint16_t fake_server::port() const noexcept { return listener_->port(); }

TROCCO_TESTING_DECL std::string fake_server::base_url() const { return listener_->base_url(); }

TROCCO_TESTING_DECL fake_api& fake_server::api() noexcept { return listener_->api(); }

TROCCO_TESTING_DECL const fake_api& fake_server::api() const noexcept { return listener_->api(); }

TROCCO_TESTING_DECL std::size_t fake_server::connections_accepted() const { return listener_->connections_accepted(); }

TROCCO_TESTING_DECL std::shared_ptr<detail::listener> fake_server::make_listener(boost::asio::any_io_executor executor,
                                                                                 fake_server_options o) {
    auto api = std::make_shared<fake_api>(fake_api_options{o.api_key, o.status_duration, o.rate_limit});
    detail::listener_settings settings{std::move(o.host), o.port, o.keep_alive_timeout,
                                       std::move(o.tls_certificate_chain_pem), std::move(o.tls_private_key_pem)};
    return std::make_shared<detail::listener>(std::move(executor), std::move(settings), std::move(api));
}

}  // namespace trocco::testing
