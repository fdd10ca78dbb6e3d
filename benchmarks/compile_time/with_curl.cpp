// Part d of the benchmarks, curl adapter: the translation unit a user writes to start a job on trocco and wait for
// it over libcurl, header-only (the default): it compiles the adapter's bodies and <curl/curl.h> itself. Compared
// with with_curl_compiled.cpp, the same program against the separately compiled adapter. Timed as
// `g++ -std=c++20 -O2 -Iinclude -Iadapters/curl/include -c` (user CPU seconds, median of 3).
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
