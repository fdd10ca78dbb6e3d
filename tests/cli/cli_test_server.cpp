// tests/cli/cli_test_server.cpp - trocco::testing::fake_server in a process that test_cli.py drives over stdin.
//
// The program form of the fake server (trocco-fake-server) takes its settings on the command line only; the
// command-line tool's tests also need to inject faults between runs (5xx, 429, a closed connection after a job
// was created, a delayed answer) and to read what the server saw (the recorded requests, the run parameters of
// a job). This driver embeds the fake server and answers one JSON command per line on stdin with one JSON line
// on stdout:
//
//   start:  cli_test_server [--api-key KEY] [--status-duration-ms MS] [--tls-ca-out PATH]
//           prints {"base_url": ..., "port": ...}; with --tls-ca-out it serves HTTPS with a throwaway CA's
//           certificate for 127.0.0.1 and writes that CA (PEM) to PATH
//   {"cmd":"fault","kind":"http_status","method":"POST","path_prefix":"/api/jobs","times":1,"status":503,
//    "body":"...","delay_ms":0,"retry_after_seconds":1,"status_text":"paused"}         -> {"ok":true}
//   {"cmd":"job_outcome"|"pipeline_outcome","definition_id":43,"outcome":"error"}       -> {"ok":true}
//   {"cmd":"job_name"|"pipeline_name","definition_id":42,"name":"..."}                   -> {"ok":true}
//   {"cmd":"requests"}  -> {"requests":[{"method","target","headers":[[name,value]...],"body"}...]}
//   {"cmd":"job_params"|"pipeline_params","job_id":N}
//                       -> {"params":{"context_time","time_zone","custom_variables":[{name,value}]}} (or null)
//   {"cmd":"job_ids"|"workflow_job_ids"} -> {"ids":[...]}
//   {"cmd":"pending_faults"} -> {"pending":N}
//   {"cmd":"clear"}     -> clears faults and recorded requests
//   {"cmd":"quit"}      -> stops the server and exits (so does the end of stdin)
#include <utility>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/test_certificates.hpp>

namespace {

using nlohmann::json;
using trocco::testing::fault;
using trocco::testing::scripted_outcome;

std::optional<scripted_outcome> parse_outcome(std::string_view text) {
    if (text == "succeeded") return scripted_outcome::succeeded;
    if (text == "error") return scripted_outcome::error;
    if (text == "canceled") return scripted_outcome::canceled;
    if (text == "skipped") return scripted_outcome::skipped;
    if (text == "error_then_retry") return scripted_outcome::error_then_retry;
    return std::nullopt;
}

std::optional<fault::kind> parse_fault_kind(std::string_view text) {
    if (text == "delay") return fault::kind::delay;
    if (text == "http_status") return fault::kind::http_status;
    if (text == "rate_limited") return fault::kind::rate_limited;
    if (text == "close_before_read") return fault::kind::close_before_read;
    if (text == "close_after_read") return fault::kind::close_after_read;
    if (text == "truncated_body") return fault::kind::truncated_body;
    if (text == "malformed_json") return fault::kind::malformed_json;
    if (text == "unknown_status") return fault::kind::unknown_status;
    return std::nullopt;
}

json params_json(const std::optional<trocco::testing::run_parameters>& p) {
    if (!p) return nullptr;
    json out;
    out["context_time"] = p->context_time ? json(*p->context_time) : json(nullptr);
    out["time_zone"] = p->time_zone ? json(*p->time_zone) : json(nullptr);
    out["custom_variables"] = json::array();
    for (const auto& v : p->custom_variables) out["custom_variables"].push_back({{"name", v.name}, {"value", v.value}});
    return out;
}

json handle(trocco::testing::fake_server& server, const json& command, bool& quit) {
    const std::string cmd = command.value("cmd", "");
    if (cmd == "fault") {
        fault f;
        const auto kind = parse_fault_kind(command.value("kind", ""));
        if (!kind) return {{"error", "unknown fault kind"}};
        f.what = *kind;
        if (command.contains("method") && command["method"].is_string()) {
            f.method = command["method"] == "POST" ? trocco::http_method::post : trocco::http_method::get;
        }
        f.path_prefix = command.value("path_prefix", "");
        f.times = command.value("times", 1);
        f.status = command.value("status", 503);
        if (command.contains("body") && command["body"].is_string()) f.body = command["body"].get<std::string>();
        f.delay = std::chrono::milliseconds{command.value("delay_ms", 0)};
        f.retry_after_seconds = command.value("retry_after_seconds", 1);
        f.status_text = command.value("status_text", "paused");
        server.inject(std::move(f));
        return {{"ok", true}};
    }
    if (cmd == "job_outcome" || cmd == "pipeline_outcome") {
        const auto outcome = parse_outcome(command.value("outcome", ""));
        if (!outcome) return {{"error", "unknown outcome"}};
        const std::int64_t id = command.value("definition_id", std::int64_t{0});
        if (cmd == "job_outcome") {
            server.set_job_outcome(id, *outcome);
        } else {
            server.set_workflow_outcome(id, *outcome);
        }
        return {{"ok", true}};
    }
    if (cmd == "job_name" || cmd == "pipeline_name") {
        const std::int64_t id = command.value("definition_id", std::int64_t{0});
        if (cmd == "job_name") {
            server.set_job_definition_name(id, command.value("name", ""));
        } else {
            server.set_workflow_definition_name(id, command.value("name", ""));
        }
        return {{"ok", true}};
    }
    if (cmd == "requests") {
        json list = json::array();
        for (const auto& r : server.requests()) {
            json headers = json::array();
            for (const auto& h : r.headers) headers.push_back({h.name, h.value});
            list.push_back({{"method", r.method}, {"target", r.target}, {"headers", headers}, {"body", r.body}});
        }
        return {{"requests", list}};
    }
    if (cmd == "job_params") return {{"params", params_json(server.job_run_parameters(command.value("job_id", 0)))}};
    if (cmd == "pipeline_params") {
        return {{"params", params_json(server.workflow_job_run_parameters(command.value("job_id", 0)))}};
    }
    if (cmd == "job_ids") return {{"ids", server.job_ids()}};
    if (cmd == "workflow_job_ids") return {{"ids", server.workflow_job_ids()}};
    if (cmd == "pending_faults") return {{"pending", server.pending_faults()}};
    if (cmd == "clear") {
        server.clear_faults();
        server.clear_requests();
        return {{"ok", true}};
    }
    if (cmd == "quit") {
        quit = true;
        return {{"ok", true}};
    }
    return {{"error", "unknown command"}};
}

}  // namespace

int main(int argc, char** argv) {
    trocco::testing::fake_server_options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view name = argv[i];
        const std::string_view value = argv[i + 1];
        if (name == "--api-key") {
            options.api_key = std::string(value);
        } else if (name == "--status-duration-ms") {
            long long ms = 0;
            std::from_chars(value.data(), value.data() + value.size(), ms);
            options.status_duration = std::chrono::milliseconds{ms};
        } else if (name == "--tls-ca-out") {
            const auto certs = trocco::testing::make_test_certificates({"127.0.0.1"});
            std::ofstream(std::string(value), std::ios::binary) << certs.ca_certificate_pem;
            options.tls_certificate_chain_pem = certs.certificate_pem;
            options.tls_private_key_pem = certs.private_key_pem;
        } else {
            std::cerr << "cli_test_server: unknown option " << name << "\n";
            return 2;
        }
    }
    trocco::testing::fake_server server(options);
    std::cout << json{{"base_url", server.base_url()}, {"port", server.port()}}.dump() << std::endl;

    std::string line;
    bool quit = false;
    while (!quit && std::getline(std::cin, line)) {
        const json command = json::parse(line, nullptr, false);
        const json reply = command.is_discarded() ? json{{"error", "not JSON"}} : handle(server, command, quit);
        std::cout << reply.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    }
    server.stop();
    return 0;
}
