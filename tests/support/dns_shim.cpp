// tests/support/dns_shim.cpp - deterministic DNS failures and stalls for transport tests, without a network.
//
// Linked into a test program, this getaddrinfo() takes precedence over the C library's for the whole process
// (libcurl's resolver thread and Asio's resolver thread included). Names under `.invalid` (RFC 6761: never
// resolvable) are answered here and never reach a real resolver; every other name goes to the real getaddrinfo.
// The labels before `.invalid` say what to do, left to right:
//
//     nx.invalid                  fails at once with EAI_NONAME
//     again.invalid               fails at once with EAI_AGAIN (a temporary failure)
//     sleep-3000.invalid          blocks the calling thread for 3,000 ms, then fails with EAI_NONAME
//     sleep-3000.ok.invalid       blocks for 3,000 ms, then resolves to 127.0.0.1
//     ok.invalid                  resolves to 127.0.0.1 at once
//
// Blocking is the point: getaddrinfo cannot be interrupted, which is how a stalled lookup behaves for real.
// dns_shim_lookups() counts the lookups answered here, so a test can check that a lookup really happened.
#include <dlfcn.h>
#include <netdb.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "dns_shim.hpp"

namespace {

std::atomic<long> lookups{0};

using getaddrinfo_fn = int (*)(const char*, const char*, const struct addrinfo*, struct addrinfo**);

getaddrinfo_fn real_getaddrinfo() {
    static const auto real = reinterpret_cast<getaddrinfo_fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
    return real;
}

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

}  // namespace

long dns_shim_lookups() noexcept { return lookups.load(); }

extern "C" int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                           struct addrinfo** res) {
    const auto real = real_getaddrinfo();
    if (node == nullptr) return real(node, service, hints, res);
    std::string_view name(node);
    if (ends_with(name, ".")) name.remove_suffix(1);  // a fully qualified "x.invalid."
    if (!ends_with(name, ".invalid") && name != "invalid") return real(node, service, hints, res);
    ++lookups;
    name.remove_suffix(std::string_view(".invalid").size() - (name == "invalid" ? 1 : 0));
    while (!name.empty()) {
        const auto dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
        if (label == "nx") return EAI_NONAME;
        if (label == "again") return EAI_AGAIN;
        if (label == "ok") return real("127.0.0.1", service, hints, res);
        if (label.substr(0, 6) == "sleep-") {
            long ms = 0;
            for (char c : label.substr(6)) {
                if (c < '0' || c > '9') return EAI_NONAME;
                ms = ms * 10 + (c - '0');
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{ms});
        }
    }
    return EAI_NONAME;
}
