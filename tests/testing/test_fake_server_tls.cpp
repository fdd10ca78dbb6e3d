// trocco::testing::fake_server over HTTPS with the throwaway test certificates: trusted, untrusted, expired,
// wrong host; faults over TLS.
#include <utility>  // first: Boost 1.74's awaitable.hpp needs it

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/test_certificates.hpp>

#include "../catch.hpp"
#include "loopback_client.hpp"

using namespace loopback;
using trocco::testing::fake_server_options;
using trocco::testing::fault;

namespace {

fake_server_options tls_options(const std::string& certificate_pem, const std::string& key_pem) {
    fake_server_options o;
    o.tls_certificate_chain_pem = certificate_pem;
    o.tls_private_key_pem = key_pem;
    return o;
}

net::ssl::context trusting(const std::string& ca_pem) {
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.add_certificate_authority(net::buffer(ca_pem));
    return ctx;
}

}  // namespace

TEST_CASE("fake_server TLS: the throwaway CA and the certificate it signed", "[fake_server][tls]") {
    const auto certs = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    CHECK(certs.ca_certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(certs.certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(certs.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    fake_server server(tls_options(certs.certificate_pem, certs.private_key_pem));
    CHECK(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()));

    SECTION("a client trusting the CA connects, verifying the IP address") {
        auto ctx = trusting(certs.ca_certificate_pem);
        connection c(server.port(), &ctx, "127.0.0.1");
        REQUIRE_FALSE(c.setup_error());
        const auto r = c.request("POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
        CHECK(r.status == 200);
        CHECK(c.request("GET", "/api/jobs/" + r.json().at("id").dump()).status == 200);
        CHECK(server.connections_accepted() == 1);
        CHECK(c.request("GET", "/api/jobs/1", {}, {.close = true}).status == 404);
    }
    SECTION("and verifying the DNS name") {
        auto ctx = trusting(certs.ca_certificate_pem);
        connection c(server.port(), &ctx, "localhost");
        REQUIRE_FALSE(c.setup_error());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
    }
    SECTION("untrusted: a certificate from another CA fails the handshake") {
        const auto other = trocco::testing::make_test_certificates({"127.0.0.1"});
        CHECK(other.ca_certificate_pem != certs.ca_certificate_pem);
        auto ctx = trusting(other.ca_certificate_pem);
        connection c(server.port(), &ctx, "127.0.0.1");
        CHECK(c.setup_error());
        CHECK(server.count_requests("") == 0);
    }
    SECTION("plain HTTP to the HTTPS server gets no answer") {
        const auto r = call(server, "GET", "/api/jobs/1");
        CHECK(r.ec);
        CHECK(server.count_requests("") == 0);
    }
}

TEST_CASE("fake_server TLS: expired and wrong-host certificates from a trusted CA fail verification",
          "[fake_server][tls]") {
    const auto set = trocco::testing::make_test_certificate_set({"127.0.0.1", "localhost"});
    auto ctx = trusting(set.ca_certificate_pem);

    fake_server valid(tls_options(set.valid.certificate_pem, set.valid.private_key_pem));
    connection good(valid.port(), &ctx, "127.0.0.1");
    REQUIRE_FALSE(good.setup_error());
    CHECK(good.request("GET", "/api/jobs/1").status == 404);

    fake_server expired(tls_options(set.expired.certificate_pem, set.expired.private_key_pem));
    connection old(expired.port(), &ctx, "127.0.0.1");
    REQUIRE(old.setup_error());
    CHECK(old.setup_error().category() == net::error::get_ssl_category());
    CHECK(expired.count_requests("") == 0);

    fake_server wrong(tls_options(set.wrong_host.certificate_pem, set.wrong_host.private_key_pem));
    connection elsewhere(wrong.port(), &ctx, "127.0.0.1");
    CHECK(elsewhere.setup_error());
    connection named(wrong.port(), &ctx, "wrong-host.invalid");  // the name it is for: verifies
    CHECK_FALSE(named.setup_error());
    CHECK(wrong.count_requests("") == 0);
}

TEST_CASE("fake_server TLS: certificate inputs are checked", "[fake_server][tls]") {
    CHECK_THROWS_AS(trocco::testing::make_test_certificates({}), std::invalid_argument);
    CHECK_THROWS_AS(trocco::testing::make_test_certificate_set({}), std::invalid_argument);
    CHECK_THROWS_AS(trocco::testing::make_test_certificate_set({"127.0.0.1"}, "127.0.0.1"), std::invalid_argument);
    fake_server_options half;
    half.tls_certificate_chain_pem = "x";
    CHECK_THROWS_AS(fake_server(half), std::invalid_argument);
}

TEST_CASE("fake_server TLS: faults apply over TLS too", "[fake_server][tls][fault]") {
    const auto set = trocco::testing::make_test_certificate_set({"127.0.0.1"});
    fake_server server(tls_options(set.valid.certificate_pem, set.valid.private_key_pem));
    auto ctx = trusting(set.ca_certificate_pem);
    SECTION("close_after_read") {
        server.inject({.what = fault::kind::close_after_read});
        connection c(server.port(), &ctx);
        REQUIRE_FALSE(c.setup_error());
        CHECK(c.request("POST", "/api/jobs?job_definition_id=1").ec);
        CHECK(server.job_ids().size() == 1);
    }
    SECTION("reset_after_read") {
        server.inject({.what = fault::kind::reset_after_read});
        connection c(server.port(), &ctx);
        REQUIRE_FALSE(c.setup_error());
        CHECK(c.request("POST", "/api/jobs?job_definition_id=1").ec);
        CHECK(server.job_ids().size() == 1);
    }
    SECTION("interim answers and a trickle") {
        server.inject({.what = fault::kind::interim_responses, .times = 1});
        server.inject({.what = fault::kind::trickle, .interval = std::chrono::milliseconds{1}});
        connection c(server.port(), &ctx);
        REQUIRE_FALSE(c.setup_error());
        c.send("GET", "/api/jobs/1");
        CHECK(c.receive().status == 100);
        CHECK(c.receive().status == 103);
        CHECK(c.receive().status == 404);
        CHECK(c.request("GET", "/api/jobs/1").status == 404);  // the trickled one
    }
}
