// tests/testing/fake_server_separate_includes.cpp - compiled (never linked) by tests/headers with
// TROCCO_TESTING_SEPARATE_COMPILATION (dependency trocco-testing-separate): fake_server.hpp then declares the members
// that reach the listener and brings neither Boost.Beast nor the listener and its sessions into a user's translation
// unit, which is what makes a test program with many files cheap to compile. A test program still writes everything
// it writes today against the header alone.
#include <trocco/testing/fake_server.hpp>

#if !defined(TROCCO_TESTING_SEPARATE_COMPILATION) || defined(TROCCO_TESTING_HEADER_ONLY)
#error "this check is meant for the separately compiled fake server"
#endif
#if defined(BOOST_BEAST_CORE_DETAIL_CONFIG_HPP) || defined(BOOST_BEAST_VERSION)
#error "<trocco/testing/fake_server.hpp> includes Boost.Beast in the separately compiled mode"
#endif
#if defined(BOOST_ASIO_SSL_CONTEXT_HPP)
#error "<trocco/testing/fake_server.hpp> includes asio/ssl in the separately compiled mode"
#endif

namespace {

// Not called: it only has to compile against the declarations.
[[maybe_unused]] std::size_t use_every_kind_of_member() {
    trocco::testing::fake_server server;
    server.set_job_outcome(42, trocco::testing::scripted_outcome::error);
    server.inject({.what = trocco::testing::fault::kind::reset_after_read, .method = trocco::http_method::post});
    const std::string url = server.base_url();
    const auto accepted = server.connections_accepted() + server.port() + server.api().pending_faults();
    server.stop();
    return accepted + url.size() + server.count_requests("POST", "/api/jobs");
}

}  // namespace
