// examples/core_example.cpp - the sans-I/O core on its own: build the requests of a run, parse canned answers
// as a transport would hand them back, and show the typed errors. No network.
#include <chrono>
#include <iostream>

#include <trocco/trocco.hpp>

namespace {

void print_request(const trocco::http_request& r) {
    std::cout << to_string(r.method) << ' ' << r.url << '\n';
    for (const auto& h : r.headers) {
        // The key is a secret: show only that it is there.
        std::cout << "  " << h.name << ": " << (h.name == "Authorization" ? "Token ***" : h.value) << '\n';
    }
    if (!r.body.empty()) std::cout << "  " << r.body << '\n';
}

}  // namespace

int main() {
    auto builder = trocco::request_builder::create("https://trocco.io", "example-key");
    if (!builder) {
        std::cerr << builder.error().to_string() << '\n';
        return 1;
    }

    // 1. The trigger: run transfer definition 123 with a custom variable and a context time in JST.
    const auto context = trocco::format_context_time(
        std::chrono::sys_days{std::chrono::year{2019} / 11 / 17} + std::chrono::hours{15});
    auto run = builder->run_job({.job_definition_id = 123,
                                 .context_time = context,
                                 .custom_variables = {{"$ad_id$", "A0000"}}});
    print_request(run.value());

    auto started = trocco::parse_job_response(
        {200, {}, R"({"id":987654,"job_definition_id":123,"job_definition_name":"mysql_to_bigquery_orders","status":"queued"})"});
    std::cout << "started job " << started->id << " (" << started->raw_status << ")\n";

    // 2. A poll, answered with the finished job.
    print_request(builder->get_job(started->id).value());
    auto done = trocco::parse_job_response(
        {200, {}, R"({"id":987654,"job_definition_id":123,"status":"succeeded",
                     "started_at":"2025-06-01T09:00:12.000+09:00","finished_at":"2025-06-01T09:03:40.000+09:00"})"});
    std::cout << "job " << done->id << ' ' << to_string(done->status) << ", finished at "
              << trocco::format_rfc3339(*done->finished_at) << '\n';

    // 3. What errors look like: a bad argument, an API error, a body that is not what the API promises.
    std::cout << builder->get_job(0).error().to_string() << '\n';
    std::cout << trocco::parse_job_response({403, {}, R"({"error":"You are not authorized"})"}).error().to_string()
              << '\n';
    std::cout << trocco::parse_job_response({200, {}, "<html>maintenance</html>"}).error().to_string() << '\n';
    return 0;
}
