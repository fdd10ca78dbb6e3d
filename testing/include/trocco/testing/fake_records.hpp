// trocco/testing/fake_records.hpp - what the fake trocco server is told and what it remembers: scripted
// outcomes, definitions, seeded past jobs, recorded requests and the run parameters a POST carried.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trocco/http.hpp>
#include <trocco/job_kind.hpp>
#include <trocco/requests.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing {

/// How a job of a given definition ends. Every outcome goes queued -> setting_up -> executing first.
enum class scripted_outcome {
    succeeded,
    error,
    canceled,
    skipped,
    /// queued -> setting_up -> executing -> error -> retry_waiting -> queued -> setting_up -> executing ->
    /// succeeded: a workflow's automatic retry (on a transfer job it plays the same sequence).
    error_then_retry,
};

/// The three kinds of definitions and jobs the fake serves. The wire calls workflows "pipeline".
/// The kinds of job, as the library names them.
using job_kind = trocco::job_kind;

/// A request as the server read it.
struct recorded_request {
    std::string method = {};                // "GET", "POST", ...
    std::string target = {};                // path and query: "/api/jobs?job_definition_id=42"
    std::vector<http_header> headers = {};  // in the order received
    std::string body = {};
    std::size_t connection_id = 0;       // 1 for the first connection accepted, 2 for the next, ...
    std::chrono::steady_clock::time_point received_at{};
};

/// The run parameters a POST carried, as the server understood them.
struct run_parameters {
    std::optional<std::string> context_time = std::nullopt;
    std::optional<std::string> time_zone = std::nullopt;
    std::vector<custom_variable> custom_variables = {};
    std::optional<std::string> memo = std::nullopt;  // datamart jobs

    friend bool operator==(const run_parameters&, const run_parameters&) = default;
};

struct definition_label {
    std::int64_t id = 0;
    std::string name = {};

    friend bool operator==(const definition_label&, const definition_label&) = default;
};

/// A transfer, workflow or datamart definition, as the definition lists show it: {id, name, description,
/// created_at, updated_at, labels}. `labels` is left out of the answer when empty (trocco omits empty arrays);
/// `description` is null when unset. A definition's name is also the name its jobs report.
struct definition {
    std::int64_t id = 0;  // > 0
    std::string name = {};
    std::optional<std::string> description = std::nullopt;
    timestamp created_at = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1};
    timestamp updated_at = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1};
    std::vector<definition_label> labels = {};
};

/// A transfer job that ran before the test, for history and reconciliation tests: it is listed by
/// GET /api/job_definitions/{id}/jobs and served by GET /api/jobs/{id}, always with the status and times given
/// here (it does not move on). `id` unset: the next transfer job id.
struct seeded_job {
    std::int64_t job_definition_id = 0;  // > 0
    std::string status = "succeeded";     // any string, sent as is
    timestamp created_at{};
    std::optional<timestamp> started_at = std::nullopt;   // left out of the answer when unset
    std::optional<timestamp> finished_at = std::nullopt;  // left out of the answer when unset
    std::optional<std::int64_t> id = std::nullopt;
};

}  // namespace trocco::testing
