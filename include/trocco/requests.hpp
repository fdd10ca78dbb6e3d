// trocco/requests.hpp - what a caller asks for when starting a transfer job or a workflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trocco {

/// A custom variable given at run time. `name` keeps its `$` delimiters, as in the definition: "$ad_id$".
struct custom_variable {
    std::string name;
    std::string value;

    friend bool operator==(const custom_variable&, const custom_variable&) = default;
};

/// Starts a transfer job: `trocco::run_job_request{.job_definition_id = 42}`.
struct run_job_request {
    std::int64_t job_definition_id = 0;  // required, > 0
    /// The base time of the definition's queue-time variables, "YYYY-MM-DD HH:MM:SS", read in `time_zone`.
    /// trocco uses the time of the request when absent. See format_context_time().
    std::optional<std::string> context_time = std::nullopt;
    /// IANA time zone name for `context_time` ("Etc/UTC"); trocco's default is "Asia/Tokyo".
    std::optional<std::string> time_zone = std::nullopt;
    std::vector<custom_variable> custom_variables = {};
};

/// Starts a workflow: `trocco::run_workflow_request{.workflow_definition_id = 7}`. The API documents no
/// custom variables for workflows.
struct run_workflow_request {
    std::int64_t workflow_definition_id = 0;  // required, > 0 (the wire calls it pipeline_definition_id)
    std::optional<std::string> context_time = std::nullopt;
    std::optional<std::string> time_zone = std::nullopt;
};

}  // namespace trocco
