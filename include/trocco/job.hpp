// trocco/job.hpp - the response models: a transfer job, a workflow job (trocco's wire name: pipeline job) and a
// datamart job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "job_status.hpp"
#include "timestamp.hpp"

namespace trocco {

/// A transfer job, as returned by POST /api/jobs and GET /api/jobs/{id}. Timestamps are empty until the API
/// sends them (the POST answer carries none; started_at/finished_at appear once the job starts/finishes).
struct job {
    std::int64_t id = 0;  ///< the job's id on trocco
    std::int64_t job_definition_id = 0;  ///< the transfer definition it runs
    std::string job_definition_name;      ///< empty when the API leaves it out
    job_status status = job_status::unknown;  ///< the status read; unknown for a string this library does not know
    std::string raw_status;               ///< the status string exactly as sent, e.g. for an unknown status
    std::optional<timestamp> created_at;  ///< when trocco created the job
    std::optional<timestamp> started_at;  ///< when it started running
    std::optional<timestamp> finished_at;  ///< when it finished

    friend bool operator==(const job&, const job&) = default;
};

/// A workflow job, as returned by POST /api/pipeline_jobs and GET /api/pipeline_jobs/{id}. `name` is the
/// workflow definition's name (the API calls it `name`, not `pipeline_definition_name`).
struct workflow_job {
    std::int64_t id = 0;  ///< the job's id on trocco
    std::int64_t workflow_definition_id = 0;  ///< the wire calls it pipeline_definition_id
    std::string name;                     ///< empty when the API leaves it out
    job_status status = job_status::unknown;  ///< the status read; unknown for a string this library does not know
    std::string raw_status;  ///< the status string exactly as sent
    std::optional<timestamp> created_at;  ///< when trocco created the job
    std::optional<timestamp> started_at;  ///< when it started running
    std::optional<timestamp> finished_at;  ///< when it finished
    /// The base time of the workflow's queue-time variables. Kept as the API's string: its wire format is not
    /// documented (an RFC 3339 timestamp or a "YYYY-MM-DD HH:MM:SS" context_time), so it is not reinterpreted.
    std::optional<std::string> context_time;

    friend bool operator==(const workflow_job&, const workflow_job&) = default;
};

/// A datamart job, as returned by POST /api/datamart_jobs. trocco documents no endpoint to read a datamart job
/// again, so this is all a client learns of it: run the datamart inside a workflow to wait for it.
struct datamart_job {
    std::int64_t id = 0;  ///< the job's id on trocco
    std::int64_t datamart_definition_id = 0;  ///< the datamart definition it runs
    job_status status = job_status::unknown;  ///< unknown when the answer carries no status
    std::string raw_status;                   ///< empty when the answer carries no status
    std::optional<std::string> context_time;  ///< as the API sent it (not reinterpreted)
    std::optional<timestamp> created_at;  ///< when trocco created the job

    friend bool operator==(const datamart_job&, const datamart_job&) = default;
};

/// Any of the three, for code that serves every kind (the wait machine, the command-line tool's output).
using any_job = std::variant<job, workflow_job, datamart_job>;

}  // namespace trocco
