// tests/conformance/test_matrix_connections.cpp - the fault matrix, part 1 (docs/fault-matrix.md): faults before
// an answer can exist: no listener, DNS failures and stalls, connect timeouts, TLS verification failures. None of
// them lets a byte of the request reach the server, so each is connect_failed (nothing sent: retried, even for a
// trigger) or, when the caller stops, canceled marked as nothing sent.
#include "matrix.hpp"

namespace conformance {
namespace {

using namespace matrix_vocabulary;

/// Nothing reached the server: connect_failed, nothing sent, after `attempts` tries that each failed the same way.
expectation nothing_sent(std::chrono::milliseconds at_least = 0ms, std::chrono::milliseconds at_most = 3000ms) {
    return {.failure = errc::connect_failed, .posts = 0, .gets = 0, .may_have_reached = false,
            .at_least = at_least, .at_most = at_most};
}

template <class H>
void connection_faults(matrix::cells which) {
    // One CA for the TLS rows; the untrusted row's certificate comes from a CA the transport does not trust.
    const auto certs = trocco::testing::make_test_certificate_set({"127.0.0.1", "localhost"});
    const auto stranger = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    const auto tls_server = [](const std::string& chain, const std::string& key) {
        auto o = server_options();
        o.tls_certificate_chain_pem = chain;
        o.tls_private_key_pem = key;
        return o;
    };
    matrix::matrix<H> m{matrix_transport(certs.ca_certificate_pem), which};

    m.add({.name = "connection refused", .where = target::closed_port,
           .trigger = nothing_sent(), .read = nothing_sent()});
    m.add({.name = "DNS failure (nx.invalid)", .where = target::dns_name, .dns_name = "nx.invalid",
           .trigger = nothing_sent(), .read = nothing_sent()});
    // The lookup stalls for 3 s (times `slowdown`); the stop after 200 ms ends the operation at once, and says that
    // nothing was sent.
    const expectation stopped{.failure = errc::canceled, .posts = 0, .gets = 0, .may_have_reached = false,
                              .at_least = 150ms, .at_most = 1200ms};
    m.add({.name = "DNS stall, stopped after 200 ms", .where = target::dns_name,
           .dns_name = matrix::stalling_name(), .stop_after = 200ms, .trigger = stopped, .read = stopped});
    // connect_timeout bounds the lookup: two attempts, each ended by it, well before the lookups end.
    const auto two_timeouts = [] { return nothing_sent(cell_timeout * 9 / 5, 4500ms); };
    m.add({.name = "connect timeout (DNS stall beyond connect_timeout)", .where = target::dns_name,
           .dns_name = matrix::stalling_name(), .attempts = 2, .trigger = two_timeouts(), .read = two_timeouts()});
    m.add({.name = "connect timeout (SYN never answered)", .where = target::full_backlog, .attempts = 2,
           .trigger = two_timeouts(), .read = two_timeouts()});
    m.add({.name = "TLS: certificate from an untrusted CA",
           .server = tls_server(stranger.certificate_pem, stranger.private_key_pem),
           .trigger = nothing_sent(), .read = nothing_sent()});
    m.add({.name = "TLS: expired certificate",
           .server = tls_server(certs.expired.certificate_pem, certs.expired.private_key_pem),
           .trigger = nothing_sent(), .read = nothing_sent()});
    m.add({.name = "TLS: certificate for another host name",
           .server = tls_server(certs.wrong_host.certificate_pem, certs.wrong_host.private_key_pem),
           .trigger = nothing_sent(), .read = nothing_sent()});
    // The control row: the same CA and names, valid now: everything works over TLS.
    m.add({.name = "TLS: valid certificate (control)",
           .server = tls_server(certs.valid.certificate_pem, certs.valid.private_key_pem),
           .trigger = expectation{.posts = 1, .jobs = 1}, .read = expectation{.gets = 1}});
    m.run();
}

template <class H>
void connection_faults() {
    connection_faults<H>(matrix::cells::regular);
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("fault matrix: connections, DNS and TLS", conformance::connection_faults)
