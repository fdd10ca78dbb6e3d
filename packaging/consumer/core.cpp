// A program on the core alone: a client over a transport of its own that answers every request with one job.
// Proves that the installed headers, their dependency (nlohmann_json) and the version macros are usable.
#include <trocco/trocco.hpp>
#include <trocco/version.hpp>

#include <cstdio>
#include <string_view>

namespace {

// The smallest transport: completes each request at once with a finished job.
struct canned_transport {
    trocco::task<trocco::result<trocco::http_response>> send(trocco::http_request request, std::stop_token stop) {
        (void)request;
        (void)stop;
        trocco::http_response response;
        response.status = 200;
        response.body = R"({"id":7,"job_definition_id":42,"status":"succeeded"})";
        co_return response;
    }
    trocco::task<trocco::result<void>> sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        (void)delay;
        (void)stop;
        co_return trocco::result<void>{};
    }
    std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }
};

}  // namespace

int main() {
    canned_transport transport;
    trocco::client client{transport, {.api_key = "consumer-key"}};
    trocco::result<trocco::job> job = trocco::sync_wait(client.get_job(7));
    if (!job || job->id != 7) {
        std::puts("consumer core: unexpected answer");
        return 1;
    }
    std::printf("consumer core: trocco-cpp %s, job %lld\n", trocco::version, static_cast<long long>(job->id));
    return std::string_view{trocco::version} == TROCCO_VERSION_STRING ? 0 : 1;
}
