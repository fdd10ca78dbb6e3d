// Part d of the benchmarks, curl adapter: with_curl.cpp's program against the separately compiled adapter
// (TROCCO_SEPARATE_COMPILATION, linked with `trocco-curl-compiled`): <trocco/curl.hpp> only declares, without
// <curl/curl.h>. The core is still header-only (it has no separately compiled mode yet), so the client and the
// JSON parsing are compiled here as in with_curl.cpp.
#ifndef TROCCO_SEPARATE_COMPILATION
#define TROCCO_SEPARATE_COMPILATION
#endif

#include <trocco/curl.hpp>
#include <trocco/trocco.hpp>

int main() {
    trocco::curl::global_init_guard curl_init;
    trocco::curl::transport transport;
    trocco::client client{transport, {.api_key = "key", .base_url = "http://127.0.0.1:9"}};
    trocco::run_job_request request{.job_definition_id = 42};
    const auto done = trocco::sync_wait(client.run_and_wait(std::move(request)));
    return done && done->status == trocco::job_status::succeeded ? 0 : 1;
}
