// Part a of the benchmarks: the CPU cost of one poll in the protocol core, without any I/O.
//
// A poll is what the client does around each status GET: build the request (request_builder::get_job) and
// read the answer (parse_job_response). The baseline is the least any C++ client using nlohmann/json must do
// for the same answer: nlohmann::json::parse of the body alone. Both read the same typical GET /api/jobs/{id}
// body (docs: trocco-api notes, section 10 (b)).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <trocco/request_builder.hpp>
#include <trocco/response_parser.hpp>

namespace {

const std::string& job_body() {
    static const std::string body =
        R"({ "id": 987654, "job_definition_id": 123, "job_definition_name": "mysql_to_bigquery_orders",
  "status": "succeeded", "transfer_records": 15230,
  "created_at": "2025-06-01T09:00:00.000+09:00",
  "started_at": "2025-06-01T09:00:12.000+09:00", "finished_at": "2025-06-01T09:03:40.000+09:00" })";
    return body;
}

// The answer as a transport hands it over: status, the headers trocco sends, the body. Built once: making it
// is the transport's work, not the core's.
trocco::http_response job_response() {
    trocco::http_response r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json; charset=utf-8"},
                 {"X-Rate-Limit-Limit", "3500"},
                 {"X-Rate-Limit-Remaining", "3499"},
                 {"X-Rate-Limit-Reset", "1748736600"}};
    r.body = job_body();
    return r;
}

trocco::request_builder make_builder() {
    auto b = trocco::request_builder::create("https://trocco.io", "0123456789abcdef0123456789abcdef");
    if (!b) throw std::runtime_error("request_builder::create failed: " + b.error().message());
    return std::move(*b);
}

// Baseline: parse the body into a nlohmann::json value (and destroy it).
void BM_baseline_json_parse(benchmark::State& state) {
    const std::string& body = job_body();
    for (auto _ : state) {
        auto json = nlohmann::json::parse(body);
        benchmark::DoNotOptimize(json);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_baseline_json_parse);

// One poll in the core: build the status GET, parse the answer into a trocco::job; or one of the two halves,
// to see where its time goes. One body for the three, so that they measure the same work.
template <bool Build, bool Parse>
void core_poll(benchmark::State& state) {
    const auto builder = make_builder();
    const auto response = job_response();
    std::int64_t id = 987654;
    benchmark::DoNotOptimize(id);
    for (auto _ : state) {
        bool ok = true;
        if constexpr (Build) {
            auto request = builder.get_job(id);
            benchmark::DoNotOptimize(request);
            ok = request.has_value();
        }
        if constexpr (Parse) {
            auto parsed = trocco::parse_job_response(response);
            benchmark::DoNotOptimize(parsed);
            ok = ok && parsed.has_value();
        }
        benchmark::ClobberMemory();
        if (!ok) state.SkipWithError("the core rejected the request or the body");
    }
}
BENCHMARK(core_poll<true, true>)->Name("BM_core_poll");
BENCHMARK(core_poll<true, false>)->Name("BM_core_build_get");
BENCHMARK(core_poll<false, true>)->Name("BM_core_parse_job");

}  // namespace

BENCHMARK_MAIN();
