// tests/asio/test_asio_tls.cpp - what ca_file and ca_pem mean (issue 11 item 6: a CA given replaces the system
// trust store; both given: both trusted), proven against a fake system store (OpenSSL reads the system store's
// location from SSL_CERT_FILE and SSL_CERT_DIR); an expired certificate and one for another host are refused.
// (Untrusted and the insecure switch: the conformance suite too.)
#include "asio_test_support.hpp"

#include <stdlib.h>  // setenv, unsetenv

#include <trocco/testing/test_certificates.hpp>

#include "support/tls_server_options.hpp"

namespace asio_tests {
namespace {

using trocco::testing::make_test_certificates;
using trocco::testing::test_certificates;

using test_support::tls_options;

/// While it lives, OpenSSL's default verify paths (the "system trust store" of set_default_verify_paths) are the
/// CAs in `pem_file` only. The transport reads them when it is constructed.
class fake_system_trust_store {
public:
    explicit fake_system_trust_store(const std::string& pem_file) {
        ::setenv("SSL_CERT_FILE", pem_file.c_str(), 1);
        ::setenv("SSL_CERT_DIR", "/nonexistent-trocco-test-dir", 1);
    }
    ~fake_system_trust_store() {
        ::unsetenv("SSL_CERT_FILE");
        ::unsetenv("SSL_CERT_DIR");
    }
    fake_system_trust_store(const fake_system_trust_store&) = delete;
    fake_system_trust_store& operator=(const fake_system_trust_store&) = delete;
};

/// A send that must fail in the handshake: connect_failed, nothing sent, no request read by the server.
void check_refused(trocco::asio::transport& t, const loopback_server& server, std::string_view why) {
    check_handshake_refused([&](trocco::http_request r) { return send_sync(t, std::move(r)); }, server, why);
}

void check_trusted(trocco::asio::transport& t, const loopback_server& server) {
    const auto r = send_sync(t, get(server.url("/api/jobs/7")));
    INFO(describe(r));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
}

TEST_CASE("asio transport: a CA given replaces the system trust store; both given are both trusted", "[asio][tls]") {
    const auto system = make_test_certificates({"127.0.0.1"});  // signed by the "system" CA
    const auto company = make_test_certificates({"127.0.0.1"});
    const temp_file system_ca(system.ca_certificate_pem);
    const temp_file company_ca(company.ca_certificate_pem);
    loopback_server system_server({}, tls_options(system));
    loopback_server company_server({}, tls_options(company));
    const fake_system_trust_store store(system_ca.path());

    SECTION("none given: the system store") {
        rig r;
        check_trusted(r.transport(), system_server);
        check_refused(r.transport(), company_server, "TLS handshake");
    }
    SECTION("ca_file given: only its CAs") {
        rig r({.ca_file = company_ca.path()});
        check_trusted(r.transport(), company_server);
        check_refused(r.transport(), system_server, "TLS handshake");
    }
    SECTION("ca_pem given: only its CAs") {
        rig r({.ca_pem = company.ca_certificate_pem});
        check_trusted(r.transport(), company_server);
        check_refused(r.transport(), system_server, "TLS handshake");
    }
    SECTION("both given: the CAs of both, still not the system store") {
        const auto other = make_test_certificates({"127.0.0.1"});
        loopback_server other_server({}, tls_options(other));
        rig r({.ca_file = company_ca.path(), .ca_pem = other.ca_certificate_pem});
        check_trusted(r.transport(), company_server);
        check_trusted(r.transport(), other_server);
        check_refused(r.transport(), system_server, "TLS handshake");
    }
    SECTION("a CA that cannot be loaded: every HTTPS send fails, naming it, with nothing sent") {
        rig r({.ca_file = "/nonexistent/trocco-ca.pem"});
        check_refused(r.transport(), system_server, "/nonexistent/trocco-ca.pem");
        rig bad_pem({.ca_pem = "not a certificate"});
        check_refused(bad_pem.transport(), system_server, "ca_pem");
    }
}

TEST_CASE("asio transport: an expired certificate, or one for another host, is refused: connect_failed, nothing sent",
          "[asio][tls]") {
    const auto set = trocco::testing::make_test_certificate_set({"127.0.0.1"});
    const test_certificates expired{set.ca_certificate_pem, set.expired.certificate_pem, set.expired.private_key_pem};
    const test_certificates wrong{set.ca_certificate_pem, set.wrong_host.certificate_pem,
                                  set.wrong_host.private_key_pem};
    loopback_server expired_server({}, tls_options(expired));
    loopback_server wrong_server({}, tls_options(wrong));
    rig r({.ca_pem = set.ca_certificate_pem});
    check_refused(r.transport(), expired_server, "TLS handshake");
    check_refused(r.transport(), wrong_server, "TLS handshake");
    rig insecure({.insecure_skip_tls_verification = true});
    check_trusted(insecure.transport(), expired_server);
    check_trusted(insecure.transport(), wrong_server);
}

}  // namespace
}  // namespace asio_tests
