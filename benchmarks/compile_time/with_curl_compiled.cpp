// Part d of the benchmarks, curl adapter: with_curl.cpp's program against the separately compiled adapter
// (TROCCO_SEPARATE_COMPILATION, linked with `trocco-curl-compiled`): <trocco/curl.hpp> only declares, without
// <curl/curl.h>, and so do the core's headers (the wait machine, the request builder, the response parser and
// nlohmann/json behind them are compiled once elsewhere); the client<Transport> template is still compiled here.
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
