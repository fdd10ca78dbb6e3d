// trocco/curl/impl/global_init.ipp - the bodies of global_init_guard (global_init.hpp).
#pragma once

#include <stdexcept>
#include <string>

#include <curl/curl.h>

#include "../global_init.hpp"

namespace trocco::curl {

static_assert(global_init_guard::default_flags == CURL_GLOBAL_DEFAULT, "default_flags must be CURL_GLOBAL_DEFAULT");

TROCCO_DECL global_init_guard::global_init_guard(long flags) {
    const CURLcode code = curl_global_init(flags);
    if (code != CURLE_OK) {
        throw std::runtime_error(std::string("curl_global_init failed: ") + curl_easy_strerror(code));
    }
}

TROCCO_DECL global_init_guard::~global_init_guard() { curl_global_cleanup(); }

}  // namespace trocco::curl
