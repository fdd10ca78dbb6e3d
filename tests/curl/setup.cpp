// tests/curl/setup.cpp - process-wide setup of the curl test program, done once before any test runs.
#include <cstdlib>

namespace {

// Proxy variables of the environment must not send loopback requests elsewhere (libcurl honours them). The
// names under .invalid that the DNS shim answers must not go to a proxy either.
const bool no_proxy_for_loopback = [] {
    ::setenv("no_proxy", "127.0.0.1,localhost,.invalid", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost,.invalid", 1);
    return true;
}();

}  // namespace
