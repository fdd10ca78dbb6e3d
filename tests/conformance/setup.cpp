// tests/conformance/setup.cpp - process-wide set-up of the conformance suite, done while the program is still
// single-threaded (static initialisation, before Catch2's main).
#include <stdlib.h>  // setenv

#include <trocco/curl/global_init.hpp>

namespace {

// libcurl honours the proxy variables of the environment: loopback requests to the fake server, and the DNS shim's
// `.invalid` names (tests/support/dns_shim.cpp), must not go to a proxy of the machine running the tests.
const bool no_proxy_for_loopback = [] {
    ::setenv("no_proxy", "127.0.0.1,localhost,.invalid", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost,.invalid", 1);
    return true;
}();

// curl_global_init once, before any thread starts, as trocco/curl/global_init.hpp recommends; it outlives every
// transport of the suite.
const trocco::curl::global_init_guard curl_init;

}  // namespace
