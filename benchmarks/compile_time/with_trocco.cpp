// Part d of the benchmarks: the translation unit a user writes to start a job and wait for it (here over the
// scripted transport, so that it runs anywhere). benchmarks/run times `g++ -std=c++20 -O2 -c` of this file
// against json_only.cpp.
#include <trocco/trocco.hpp>
#include <trocco/testing/scripted_transport.hpp>

int main() {
    trocco::testing::scripted_transport transport;
    transport.respond(200, R"({"id":1,"job_definition_id":42,"status":"queued"})");
    transport.respond(200, R"({"id":1,"job_definition_id":42,"status":"succeeded"})");
    trocco::client client{transport, {.api_key = "key"}};
    trocco::run_job_request request{.job_definition_id = 42};
    const auto done = trocco::sync_wait(client.run_and_wait(std::move(request)));
    return done && done->status == trocco::job_status::succeeded ? 0 : 1;
}
