// trocco/testing/detail/x509.hpp - the OpenSSL 3 steps behind make_test_certificates: keys, certificates,
// extensions, PEM text. Every failure throws std::runtime_error naming the step.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace trocco::testing {

namespace detail::tls {

struct free_pkey { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
struct free_pkey_ctx { void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); } };
struct free_x509 { void operator()(X509* p) const noexcept { X509_free(p); } };
struct free_bio { void operator()(BIO* p) const noexcept { BIO_free(p); } };
struct free_extension { void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); } };
struct free_general_names { void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); } };
struct free_general_name { void operator()(GENERAL_NAME* p) const noexcept { GENERAL_NAME_free(p); } };
struct free_octets { void operator()(ASN1_OCTET_STRING* p) const noexcept { ASN1_OCTET_STRING_free(p); } };
struct free_ia5 { void operator()(ASN1_IA5STRING* p) const noexcept { ASN1_IA5STRING_free(p); } };
struct free_bignum { void operator()(BIGNUM* p) const noexcept { BN_free(p); } };

using pkey_ptr = std::unique_ptr<EVP_PKEY, free_pkey>;
using x509_ptr = std::unique_ptr<X509, free_x509>;

/// Throws std::runtime_error naming the step and OpenSSL's first queued error.
[[noreturn]] inline void fail(const char* step) {
    std::string message = std::string("make_test_certificates: ") + step + " failed";
    if (const unsigned long code = ERR_get_error(); code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        message += ": ";
        message += text;
    }
    ERR_clear_error();
    throw std::runtime_error(message);
}

inline void check(int ok, const char* step) {
    if (ok != 1) fail(step);
}

inline pkey_ptr make_p256_key() {
    std::unique_ptr<EVP_PKEY_CTX, free_pkey_ctx> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx) fail("EVP_PKEY_CTX_new_from_name");
    check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init");
    check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256"), "EVP_PKEY_CTX_set_group_name");
    EVP_PKEY* key = nullptr;
    check(EVP_PKEY_generate(ctx.get(), &key), "EVP_PKEY_generate");
    return pkey_ptr(key);
}

/// Adds an extension written in OpenSSL's config syntax ("critical,CA:TRUE"). `ctx` names issuer and subject.
inline void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    std::unique_ptr<X509_EXTENSION, free_extension> ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
    if (!ext) fail("X509V3_EXT_nconf_nid");
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

/// subjectAltName: IP for what parses as an IPv4/IPv6 address, DNS otherwise.
inline void add_subject_alt_names(X509* cert, const std::vector<std::string>& names) {
    std::unique_ptr<GENERAL_NAMES, free_general_names> list(GENERAL_NAMES_new());
    if (!list) fail("GENERAL_NAMES_new");
    for (const auto& name : names) {
        std::unique_ptr<GENERAL_NAME, free_general_name> general(GENERAL_NAME_new());
        if (!general) fail("GENERAL_NAME_new");
        if (std::unique_ptr<ASN1_OCTET_STRING, free_octets> ip(a2i_IPADDRESS(name.c_str())); ip) {
            GENERAL_NAME_set0_value(general.get(), GEN_IPADD, ip.release());
        } else {
            ERR_clear_error();
            std::unique_ptr<ASN1_IA5STRING, free_ia5> dns(ASN1_IA5STRING_new());
            if (!dns) fail("ASN1_IA5STRING_new");
            check(ASN1_STRING_set(dns.get(), name.data(), static_cast<int>(name.size())), "ASN1_STRING_set");
            GENERAL_NAME_set0_value(general.get(), GEN_DNS, dns.release());
        }
        if (sk_GENERAL_NAME_push(list.get(), general.get()) <= 0) fail("sk_GENERAL_NAME_push");
        general.release();  // owned by the list now
    }
    check(X509_add1_ext_i2d(cert, NID_subject_alt_name, list.get(), 0, X509V3_ADD_DEFAULT), "X509_add1_ext_i2d");
}

/// A certificate for `key` named `common_name`, valid from `not_before` to `not_after` (seconds from now), with
/// a random serial.
inline x509_ptr new_certificate(EVP_PKEY* key, const std::string& common_name, long not_before = -60 * 60,
                                long not_after = 7L * 24 * 60 * 60) {
    x509_ptr cert(X509_new());
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

    unsigned char serial_bytes[16];
    check(RAND_bytes(serial_bytes, sizeof serial_bytes), "RAND_bytes");
    serial_bytes[0] &= 0x7F;  // positive
    std::unique_ptr<BIGNUM, free_bignum> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
    if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) fail("serial number");

    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before)) fail("X509_gmtime_adj");
    if (!X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after)) fail("X509_gmtime_adj");
    check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");

    X509_NAME* subject = X509_get_subject_name(cert.get());  // owned by cert
    const std::string cn = common_name.substr(0, 64);
    check(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("trocco-cpp tests"), -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
    check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
    return cert;
}

inline std::string to_pem(X509* cert) {
    std::unique_ptr<BIO, free_bio> bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline std::string to_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, free_bio> bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

/// A self-signed CA certificate for `ca_key`.
inline x509_ptr make_ca(EVP_PKEY* ca_key) {
    auto ca = new_certificate(ca_key, "trocco-cpp throwaway test CA");
    check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.get(), ca.get(), nullptr, nullptr, 0);
    add_extension(ca.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(ca.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca.get(), &ctx, NID_subject_key_identifier, "hash");
    if (X509_sign(ca.get(), ca_key, EVP_sha256()) <= 0) fail("X509_sign (CA)");
    return ca;
}

struct leaf_pem {
    std::string certificate_pem;
    std::string private_key_pem;
};

/// A new key and a server certificate for `names` (subjectAltName), signed by `ca`, valid from `not_before` to
/// `not_after` seconds from now.
inline leaf_pem make_leaf(X509* ca, EVP_PKEY* ca_key, const std::vector<std::string>& names, long not_before,
                          long not_after) {
    const auto key = make_p256_key();
    const auto leaf = new_certificate(key.get(), names.front(), not_before, not_after);
    check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca)), "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca, leaf.get(), nullptr, nullptr, 0);
    add_extension(leaf.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(leaf.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(leaf.get(), &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(leaf.get(), &ctx, NID_subject_key_identifier, "hash");
    add_extension(leaf.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    add_subject_alt_names(leaf.get(), names);
    if (X509_sign(leaf.get(), ca_key, EVP_sha256()) <= 0) fail("X509_sign (server)");
    return {to_pem(leaf.get()), to_pem(key.get())};
}

}  // namespace detail::tls

}  // namespace trocco::testing
