// tools/cli/exit_codes.hpp - the exit codes of the `trocco` command-line tool, and how an error maps to one.
// Pure: no I/O. Scripts depend on these numbers; they are listed in `trocco --help` and docs/cli.md.
#pragma once

#include <string_view>

#include <trocco/errc.hpp>
#include <trocco/error.hpp>

namespace trocco::cli {

/// A process exit code of `trocco`.
enum exit_code : int {
    exit_ok = 0,                // succeeded; without --wait: the run was accepted; get: the job was read
    exit_job_error = 1,         // the job ended in `error`
    exit_usage = 2,             // usage error or invalid argument (nothing was sent)
    exit_job_canceled = 3,      // the job ended in `canceled`
    exit_job_skipped = 4,       // the job ended in `skipped`
    exit_api_refused = 5,       // the API refused the request (HTTP 400, 401, 403, 404, 422, other 4xx)
    exit_unavailable = 6,       // transport failure or server error (5xx, 429) still failing after retries
    exit_wait_timeout = 7,      // --wait-timeout passed; the job may still be running
    exit_outcome_unknown = 8,   // the trigger may or may not have started a job: do not blindly rerun
    exit_interrupted = 130,     // SIGINT (128 + 2); the job keeps running on trocco
    exit_terminated = 143,      // SIGTERM (128 + 15); the job keeps running on trocco
};

/// The exit code for a failed command. A stop (errc::canceled) is exit_interrupted; main() makes it
/// exit_terminated when the stop came from SIGTERM (exit_code_for_signal).
inline int exit_code_for(const trocco::error& e) noexcept {
    switch (e.kind()) {
        case errc::job_failed: return exit_job_error;
        case errc::invalid_argument:
        case errc::store_failure: return exit_usage;  // nothing was sent
        case errc::job_canceled: return exit_job_canceled;
        case errc::job_skipped: return exit_job_skipped;
        case errc::bad_request:
        case errc::unauthorized:
        case errc::forbidden:
        case errc::not_found: return exit_api_refused;
        case errc::http_error:  // an unusual status: a 4xx is a refusal, anything else a server-side failure
            return e.http_status() >= 400 && e.http_status() < 500 ? exit_api_refused : exit_unavailable;
        case errc::rate_limited:
        case errc::server_error:
        case errc::protocol_error:
        case errc::connect_failed:
        case errc::transport_failure: return exit_unavailable;
        case errc::wait_timeout: return exit_wait_timeout;
        case errc::outcome_unknown: return exit_outcome_unknown;
        case errc::canceled: return exit_interrupted;
    }
    return exit_job_error;
}

/// The exit code of a command stopped by `signal_number` (SIGTERM: 143, else 130), as shells report a process
/// killed by the signal.
inline int exit_code_for_signal(int signal_number) noexcept {
    return signal_number == 15 ? exit_terminated : exit_interrupted;
}

/// The exit-code table printed by `trocco --help`.
inline constexpr std::string_view exit_code_help =
    "Exit codes:\n"
    "  0    succeeded (without --wait: the run was accepted; get: the job was read, whatever its status)\n"
    "  1    the job ended in error\n"
    "  2    usage error, invalid argument, or the --state-dir record cannot be used (nothing was sent)\n"
    "  3    the job was canceled\n"
    "  4    the job was skipped\n"
    "  5    the API refused the request (HTTP 400, 401, 403, 404, 422)\n"
    "  6    trocco unreachable, or a server error that persisted after retries\n"
    "  7    wait timeout: the job may still be running on trocco (its id is printed)\n"
    "  8    outcome unknown: the run may or may not have started a job; check trocco, do not blindly rerun\n"
    "  130  interrupted by SIGINT (Ctrl-C), 143 terminated by SIGTERM: the command stopped; a job already\n"
    "       started keeps running on trocco (its id is printed), else it says \"not started\" or \"may have\n"
    "       started\" (the run may have reached trocco: look before running it again)\n";

}  // namespace trocco::cli
