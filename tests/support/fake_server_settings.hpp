// tests/support/fake_server_settings.hpp - settings for tests against trocco::testing::fake_server, shared by the
// conformance suite and the asio adapter's own tests: a server whose jobs change status quickly, a wait that
// polls as quickly, and client options that reach the server with short retry backoffs.
#pragma once

#include <chrono>

#include <trocco/testing/fake_server.hpp>
#include <trocco/trocco.hpp>

namespace test_support {

/// A fake server whose jobs change status every `status_duration`.
inline trocco::testing::fake_server_options server_options(
    std::chrono::milliseconds status_duration = std::chrono::milliseconds{20}) {
    trocco::testing::fake_server_options o;
    o.status_duration = status_duration;
    return o;
}

/// Polls every 20 ms; a workflow's error is confirmed twice, 60 ms apart (longer than a status lasts on the
/// default server above); gives up after `timeout`.
inline trocco::wait_options fast_wait(std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
    trocco::wait_options w;
    w.poll = trocco::poll_schedule::fixed(std::chrono::milliseconds{20});
    w.error_confirmation_delay = std::chrono::milliseconds{60};
    w.timeout = timeout;
    return w;
}

/// Client settings for `server`, with short retry backoffs.
inline trocco::client_options client_options_for(const trocco::testing::fake_server& server) {
    trocco::client_options o;
    o.api_key = server.api_key();
    o.base_url = server.base_url();
    o.retry.initial_backoff = std::chrono::milliseconds{10};
    o.retry.max_backoff = std::chrono::milliseconds{50};
    return o;
}

}  // namespace test_support
