// A program on the libcurl transport (trocco::curl or trocco::curl_compiled): one GET to a closed loopback port,
// which must fail with errc::connect_failed. Proves that the installed adapter compiles and links with libcurl.
#include <trocco/curl.hpp>
#include <trocco/trocco.hpp>

#include <cstdio>

int main() {
    trocco::curl::transport transport;
    trocco::client_options options{.api_key = "consumer-key", .base_url = "http://127.0.0.1:9"};
    options.retry.max_attempts = 1;
    trocco::client client{transport, options};
    trocco::result<trocco::job> job = trocco::sync_wait(client.get_job(7));
    if (job || job.error().code() != trocco::errc::connect_failed) {
        std::puts("consumer curl: expected connect_failed from a closed port");
        return 1;
    }
    std::puts("consumer curl: connect_failed, as expected");
    return 0;
}
