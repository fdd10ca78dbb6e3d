// trocco/testing/test_certificates.hpp - throwaway TLS certificates made in memory at test time: a CA and server
// certificates it signed, for an HTTPS fake_server and a client that trusts that CA. OpenSSL 3 C API.
//
//     auto certs = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
//     trocco::testing::fake_server server({.tls_certificate_chain_pem = certs.certificate_pem,
//                                          .tls_private_key_pem = certs.private_key_pem});
//     // the client trusts certs.ca_certificate_pem (write it to a file if it wants a CA file)
//
// The three ways a server certificate fails verification, each alone:
//   untrusted   - a certificate from another call (each call makes a new CA): the client trusts the wrong CA;
//   expired     - make_test_certificate_set(...).expired: signed by the trusted CA, for the right names, but
//                 its validity ended a day ago;
//   wrong host  - make_test_certificate_set(...).wrong_host: signed by the trusted CA, valid, for another name.
// Keys are EC P-256, signatures ECDSA-SHA256; certificates are valid from an hour ago for 7 days unless expired.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <trocco/testing/detail/x509.hpp>

namespace trocco::testing {

struct test_certificates {
    std::string ca_certificate_pem;  // the throwaway CA: what a client adds to its trust store
    std::string certificate_pem;     // the server's certificate, signed by the CA (a chain of one)
    std::string private_key_pem;     // the server's private key (PKCS#8 PEM, unencrypted)
};

/// A server certificate and its key.
struct server_certificate {
    std::string certificate_pem;
    std::string private_key_pem;
};

/// Server certificates from one throwaway CA that differ in one property each.
struct test_certificate_set {
    std::string ca_certificate_pem;
    server_certificate valid;       // for the names asked for, valid now
    server_certificate expired;     // for the names asked for, valid from 30 days ago until a day ago
    server_certificate wrong_host;  // valid now, for `other_host` only
};

/// A new throwaway CA and a server certificate it signed whose subjectAltName lists every name in `names`
/// (an IP address entry for "127.0.0.1" or "::1", a DNS entry for "localhost"). Throws std::invalid_argument
/// for an empty list, std::runtime_error if OpenSSL fails.
inline test_certificates make_test_certificates(std::vector<std::string> names) {
    namespace t = detail::tls;
    if (names.empty()) throw std::invalid_argument("make_test_certificates: give at least one name");
    const auto ca_key = t::make_p256_key();
    const auto ca = t::make_ca(ca_key.get());
    auto leaf = t::make_leaf(ca.get(), ca_key.get(), names, -60 * 60, 7L * 24 * 60 * 60);
    return {t::to_pem(ca.get()), std::move(leaf.certificate_pem), std::move(leaf.private_key_pem)};
}

/// A new throwaway CA with a valid, an expired and a wrong-host server certificate (see the top of this file).
/// `other_host` names the wrong host (a name under .invalid never resolves). Throws std::invalid_argument for an
/// empty list or an `other_host` that is one of `names`, std::runtime_error if OpenSSL fails.
inline test_certificate_set make_test_certificate_set(std::vector<std::string> names,
                                                      std::string other_host = "wrong-host.invalid") {
    namespace t = detail::tls;
    if (names.empty()) throw std::invalid_argument("make_test_certificate_set: give at least one name");
    for (const auto& n : names) {
        if (n == other_host) throw std::invalid_argument("make_test_certificate_set: other_host is one of the names");
    }
    const auto ca_key = t::make_p256_key();
    const auto ca = t::make_ca(ca_key.get());
    constexpr long day = 24L * 60 * 60;
    auto valid = t::make_leaf(ca.get(), ca_key.get(), names, -60 * 60, 7 * day);
    auto expired = t::make_leaf(ca.get(), ca_key.get(), names, -30 * day, -day);
    auto wrong = t::make_leaf(ca.get(), ca_key.get(), {std::move(other_host)}, -60 * 60, 7 * day);
    return {t::to_pem(ca.get()),
            {std::move(valid.certificate_pem), std::move(valid.private_key_pem)},
            {std::move(expired.certificate_pem), std::move(expired.private_key_pem)},
            {std::move(wrong.certificate_pem), std::move(wrong.private_key_pem)}};
}

}  // namespace trocco::testing
