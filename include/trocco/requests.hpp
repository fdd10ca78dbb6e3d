// trocco/requests.hpp - what a caller asks for when starting a transfer job or a workflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trocco {

/// A custom variable given at run time. `name` keeps its `$` delimiters, as in the definition: "$ad_id$".
struct custom_variable {
    std::string name;  ///< with its `$` delimiters
    std::string value;  ///< the text substituted

    friend bool operator==(const custom_variable&, const custom_variable&) = default;
};

/// Starts a transfer job: `trocco::run_job_request{.job_definition_id = 42}`.
struct run_job_request {
    std::int64_t job_definition_id = 0;  ///< required, > 0
    /// The base time of the definition's queue-time variables, "YYYY-MM-DD HH:MM:SS", read in `time_zone`.
    /// trocco uses the time of the request when absent. See format_context_time().
    std::optional<std::string> context_time = std::nullopt;  ///< as run_job_request::context_time
    /// IANA time zone name for `context_time` ("Etc/UTC"); trocco's default is "Asia/Tokyo".
    std::optional<std::string> time_zone = std::nullopt;  ///< as run_job_request::time_zone
    std::vector<custom_variable> custom_variables = {};  ///< values for the definition's custom variables; empty: none
};

/// Starts a workflow: `trocco::run_workflow_request{.workflow_definition_id = 7}`. The API documents no
/// custom variables for workflows.
struct run_workflow_request {
    std::int64_t workflow_definition_id = 0;  ///< required, > 0 (the wire calls it pipeline_definition_id)
    std::optional<std::string> context_time = std::nullopt;  ///< as run_job_request::context_time
    std::optional<std::string> time_zone = std::nullopt;  ///< as run_job_request::time_zone
};

/// Starts a datamart job: `trocco::run_datamart_job_request{.datamart_definition_id = 5}`.
struct run_datamart_job_request {
    std::int64_t datamart_definition_id = 0;  ///< required, > 0
    std::optional<std::string> context_time = std::nullopt;  ///< as run_job_request::context_time
    std::optional<std::string> time_zone = std::nullopt;  ///< as run_job_request::time_zone
    /// A note shown with the job in trocco's UI.
    std::optional<std::string> memo = std::nullopt;
    std::vector<custom_variable> custom_variables = {};  ///< values for the definition's custom variables; empty: none
};

/// Which jobs of a transfer definition to list (GET /api/job_definitions/{id}/jobs). Every field is optional.
struct job_history_query {
    /// Only jobs created at or after this time, "YYYY-MM-DD HH:MM:SS" read in `time_zone`.
    std::optional<std::string> start_time = std::nullopt;
    /// Only jobs created before this time, same format.
    std::optional<std::string> end_time = std::nullopt;
    /// IANA name for start_time and end_time; trocco's default is "Asia/Tokyo".
    std::optional<std::string> time_zone = std::nullopt;  ///< as run_job_request::time_zone
    /// Jobs per page, 1..100 (trocco's default: 50). The sequence fetches every page whatever the value.
    std::optional<int> page_size = std::nullopt;
};

/// Which definitions to list (GET /api/job_definitions, /api/pipeline_definitions, /api/datamart_definitions).
struct definition_query {
    /// A part of the name (trocco matches partially). Transfer and datamart definitions only: trocco has no name
    /// filter for workflow definitions, so setting it there is errc::invalid_argument.
    std::optional<std::string> name = std::nullopt;
    /// Definitions per page: 1..100 for transfer definitions, 1..200 for the others (trocco's default: 50).
    std::optional<int> page_size = std::nullopt;
};

}  // namespace trocco
