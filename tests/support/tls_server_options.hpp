// tests/support/tls_server_options.hpp - loopback_server options that make it speak TLS with a set of test
// certificates (trocco::testing::make_test_certificates).
#pragma once

#include <trocco/testing/test_certificates.hpp>

#include "loopback_server.hpp"

namespace test_support {

inline loopback_server_options tls_options(const trocco::testing::test_certificates& certs) {
    loopback_server_options o;
    o.tls_certificate_chain_pem = certs.certificate_pem;
    o.tls_private_key_pem = certs.private_key_pem;
    return o;
}

}  // namespace test_support
