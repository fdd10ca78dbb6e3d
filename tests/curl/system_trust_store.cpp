// tests/curl/system_trust_store.cpp - see system_trust_store.hpp.
#include "system_trust_store.hpp"

#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/x509_vfy.h>

#include <mutex>
#include <string_view>
#include <utility>

namespace curl_tests {
namespace {

std::mutex mutex;
std::string fake_store;             // guarded by mutex; empty: the real store
std::vector<std::string> loads;     // guarded by mutex

using load_fn = int (*)(X509_STORE*, const char*);

load_fn real(const char* name) { return reinterpret_cast<load_fn>(dlsym(RTLD_NEXT, name)); }

/// libcurl's built-in CA bundle and CA directory, as it reports them. Asked while the program starts (single-
/// threaded, outside any libcurl call), not from inside a load libcurl makes.
const std::pair<std::string, std::string> system_defaults = [] {
    std::pair<std::string, std::string> d;
    if (CURL* easy = curl_easy_init()) {
        char* file = nullptr;
        char* dir = nullptr;
        if (curl_easy_getinfo(easy, CURLINFO_CAINFO, &file) == CURLE_OK && file != nullptr) d.first = file;
        if (curl_easy_getinfo(easy, CURLINFO_CAPATH, &dir) == CURLE_OK && dir != nullptr) d.second = dir;
        curl_easy_cleanup(easy);
    }
    return d;
}();

/// The file to load instead of `what` (a file or a directory of the system store), or empty.
std::string replacement(const char* what, bool directory) {
    const std::string name = what != nullptr ? what : "";
    const auto& defaults = system_defaults;
    std::lock_guard lock(mutex);
    loads.push_back((directory ? "path:" : "file:") + name);
    const bool system = directory ? !defaults.second.empty() && name == defaults.second
                                  : !defaults.first.empty() && name == defaults.first;
    return system ? fake_store : std::string{};
}

}  // namespace

fake_system_trust_store::fake_system_trust_store(std::string pem_file) {
    std::lock_guard lock(mutex);
    fake_store = std::move(pem_file);
}

fake_system_trust_store::~fake_system_trust_store() {
    std::lock_guard lock(mutex);
    fake_store.clear();
}

std::vector<std::string> trust_store_loads() {
    std::lock_guard lock(mutex);
    return loads;
}

void clear_trust_store_loads() {
    std::lock_guard lock(mutex);
    loads.clear();
}

}  // namespace curl_tests

extern "C" int X509_STORE_load_file(X509_STORE* store, const char* file) {
    static const auto load_file = curl_tests::real("X509_STORE_load_file");
    const std::string instead = curl_tests::replacement(file, false);
    return load_file(store, instead.empty() ? file : instead.c_str());
}

extern "C" int X509_STORE_load_path(X509_STORE* store, const char* path) {
    static const auto load_file = curl_tests::real("X509_STORE_load_file");
    static const auto load_path = curl_tests::real("X509_STORE_load_path");
    const std::string instead = curl_tests::replacement(path, true);
    return instead.empty() ? load_path(store, path) : load_file(store, instead.c_str());
}
