// tests/curl/test_tls.cpp - HTTPS against the loopback server speaking TLS: the certificate chain and host name are
// verified (untrusted, expired, wrong host: connect_failed, no request reaches the server), the insecure switch
// accepts them, and a CA file replaces the system trust store (tested against a fake system store).
#include "curl_test_support.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <trocco/testing/test_certificates.hpp>

#include "support/tls_server_options.hpp"

#include "system_trust_store.hpp"

namespace curl_tests {
namespace {

using trocco::testing::make_test_certificates;
using trocco::testing::test_certificates;

using test_support::tls_options;

/// A self-signed certificate for `ip` that expired a day ago (its own trust anchor: trust its PEM as the CA).
test_certificates expired_certificate(const std::string& ip) {
    namespace tls = trocco::testing::detail::tls;
    const auto key = tls::make_p256_key();
    const auto cert = tls::new_certificate(key.get(), ip);
    REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -2L * 24 * 60 * 60) != nullptr);
    REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), -1L * 24 * 60 * 60) != nullptr);
    REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1);
    tls::add_subject_alt_names(cert.get(), {ip});
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    return {tls::to_pem(cert.get()), tls::to_pem(cert.get()), tls::to_pem(key.get())};
}

const char* const job_body = R"({"id":7,"job_definition_id":42,"status":"queued"})";

loopback_server::handler_fn answer_jobs() {
    return [](const received_request&) { return reply{200, "OK", {{"Content-Type", "application/json"}}, job_body}; };
}

/// A send that must fail while connecting: connect_failed, nothing sent, no byte of a request read by the server
/// (libcurl checks the host name after the handshake, so the server may see that succeed).
void check_refused(trocco::curl::transport& t, const loopback_server& server, std::string_view why) {
    check_handshake_refused([&](trocco::http_request r) { return send_sync(t, std::move(r)); }, server, why);
    CHECK(server.bytes_received() == 0);
}

/// A server with `certs`, trusted through its own CA file, is still refused (its host name or dates are wrong).
void check_refused_by_own_ca(const test_certificates& certs, std::string_view why) {
    loopback_server server(answer_jobs(), tls_options(certs));
    const temp_file ca(certs.ca_certificate_pem);
    trocco::curl::transport_options o;
    o.ca_file = ca.path();
    trocco::curl::transport t(o);
    check_refused(t, server, why);
}

TEST_CASE("curl transport: HTTPS verifies the certificate chain and the host name", "[curl][tls]") {
    const auto good = make_test_certificates({"127.0.0.1"});
    loopback_server server(answer_jobs(), tls_options(good));
    REQUIRE(server.base().rfind("https://", 0) == 0);
    const temp_file good_ca(good.ca_certificate_pem);

    SECTION("the CA trusted through ca_file: the answer comes back") {
        trocco::curl::transport_options o;
        o.ca_file = good_ca.path();
        trocco::curl::transport t(o);
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(r->body == job_body);
        REQUIRE(server.connection_log().size() == 1);
        CHECK(server.connection_log()[0].tls_established);
        CHECK(server.connection_log()[0].alpn_offered == "http/1.1");  // HTTP/1.1 only: no h2 offered
        const auto g = send_sync(t, get(server.url("/api/jobs/7")));
        REQUIRE(g.has_value());
        CHECK(g->body == job_body);
    }
    SECTION("GETs share one kept-alive TLS connection (the check of a pooled connection lets TLS 1.3 through)") {
        trocco::curl::transport_options o;
        o.ca_file = good_ca.path();
        trocco::curl::transport t(o);
        for (int i = 0; i < 5; ++i) {
            const auto r = send_sync(t, get(server.url("/api/jobs/7")));
            INFO(describe(r));
            REQUIRE(r.has_value());
        }
        CHECK(server.connections() == 1);
        CHECK(server.count("GET") == 5);
    }
    SECTION("a certificate from an untrusted CA") {
        const auto other = make_test_certificates({"127.0.0.1"});
        const temp_file other_ca(other.ca_certificate_pem);
        trocco::curl::transport_options o;
        o.ca_file = other_ca.path();
        trocco::curl::transport t(o);
        check_refused(t, server, "certificate");
    }
    SECTION("no CA file: the system store, which does not know the test CA") {
        trocco::curl::transport t;
        check_refused(t, server, "certificate");
    }
    SECTION("a trusted certificate for another host name") {
        check_refused_by_own_ca(make_test_certificates({"trocco.example"}), "127.0.0.1");
    }
    SECTION("an expired certificate") {
        check_refused_by_own_ca(expired_certificate("127.0.0.1"), "expired");
    }
    SECTION("insecure_skip_tls_verification accepts an untrusted, expired certificate for another host") {
        const auto expired = expired_certificate("192.0.2.1");
        loopback_server expired_server(answer_jobs(), tls_options(expired));
        trocco::curl::transport_options o;
        o.insecure_skip_tls_verification = true;
        trocco::curl::transport t(o);
        const auto r = send_sync(t, get(expired_server.url("/api/jobs/7")));
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->body == job_body);
    }
    SECTION("a reset after the server read the trigger, over TLS: transport_failure, one POST") {
        loopback_server resetting([](const received_request&) { return script().reset(); }, tls_options(good));
        trocco::curl::transport_options o;
        o.ca_file = good_ca.path();
        trocco::curl::transport t(o);
        const auto r = send_sync(t, post(resetting.url("/api/jobs?job_definition_id=42"), "{}"));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(r.error().may_have_reached_server());
        CHECK(resetting.count("POST") == 1);
    }
}

// Issue 11 item 6: the project's meaning of ca_file in both adapters is "a CA file replaces the system trust
// store". libcurl's CURLOPT_CAINFO replaces only the CA bundle file: a libcurl built with a CA directory too
// (Debian's: /etc/ssl/certs) still trusts every CA there unless CURLOPT_CAPATH is cleared as well.
TEST_CASE("curl transport: a CA file replaces the system trust store", "[curl][tls][issue11]") {
    const auto system_certs = make_test_certificates({"127.0.0.1"});  // signed by a CA "in the system store"
    const temp_file system_ca(system_certs.ca_certificate_pem);
    const fake_system_trust_store fake(system_ca.path());
    loopback_server server(answer_jobs(), tls_options(system_certs));

    SECTION("without ca_file the (fake) system store is used: its CA is trusted") {
        clear_trust_store_loads();
        trocco::curl::transport t;
        const auto r = send_sync(t, get(server.url("/api/jobs/7")));
        INFO(describe(r));
        REQUIRE(r.has_value());  // proves the fake store is what libcurl loaded
        CHECK(r->body == job_body);
        CHECK_FALSE(trust_store_loads().empty());
    }
    SECTION("with ca_file only that file is trusted, not the system store") {
        const auto other = make_test_certificates({"127.0.0.1"});
        const temp_file other_ca(other.ca_certificate_pem);
        trocco::curl::transport_options o;
        o.ca_file = other_ca.path();
        clear_trust_store_loads();
        trocco::curl::transport t(o);
        const auto r = send_sync(t, get(server.url("/api/jobs/7")));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(server.requests().empty());
        const auto loads = trust_store_loads();
        CHECK(loads == std::vector<std::string>{"file:" + other_ca.path()});
    }
    SECTION("with ca_file naming the system CA's file, that CA is trusted") {
        trocco::curl::transport_options o;
        o.ca_file = system_ca.path();
        trocco::curl::transport t(o);
        const auto r = send_sync(t, get(server.url("/api/jobs/7")));
        INFO(describe(r));
        REQUIRE(r.has_value());
    }
}

}  // namespace
}  // namespace curl_tests
