// tests/curl/system_trust_store.hpp - a fake system trust store for the curl test program, to prove what
// transport_options::ca_file means without touching the machine's real one.
//
// system_trust_store.cpp defines OpenSSL's X509_STORE_load_file and X509_STORE_load_path in the test program, so
// they take precedence over libssl's for the whole process (as the DNS shim does for getaddrinfo). While a fake
// store is in use, a load of libcurl's built-in system trust store (its CA bundle file or its CA directory) loads
// the fake PEM file instead; any other file loads as usual. Every call is recorded.
#pragma once

#include <string>
#include <vector>

namespace curl_tests {

/// Makes every load of the system trust store load `pem_file` instead, until the guard is destroyed.
class fake_system_trust_store {
public:
    explicit fake_system_trust_store(std::string pem_file);
    ~fake_system_trust_store();
    fake_system_trust_store(const fake_system_trust_store&) = delete;
    fake_system_trust_store& operator=(const fake_system_trust_store&) = delete;
};

/// The loads seen since the last clear: "file:<path>" or "path:<dir>", in order.
std::vector<std::string> trust_store_loads();
void clear_trust_store_loads();

}  // namespace curl_tests
