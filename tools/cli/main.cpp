// tools/cli/main.cpp - the `trocco` command-line tool: start, wait for and inspect trocco transfer jobs, workflows
// and datamart jobs from shells, cron and CI. See `trocco --help`, and docs/cli.md.
//
// One source for both transports: built with -DTROCCO_CLI_USE_CURL=1 it runs on trocco::curl::transport with
// driver::caller, driven by main()'s thread inside transport.run() (a one-command program needs no worker
// thread); with 0, on trocco::asio::transport and an io_context run by main() through trocco::asio::async_run.
#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including it

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <memory>

#include <unistd.h>

#include <trocco/client.hpp>
#include <trocco/file_idempotency_store.hpp>
#include <trocco/version.hpp>

#ifndef TROCCO_CLI_USE_CURL
#error "build with -DTROCCO_CLI_USE_CURL=1 (libcurl transport) or -DTROCCO_CLI_USE_CURL=0 (Asio transport)"
#endif

#if TROCCO_CLI_USE_CURL
#include <trocco/curl.hpp>
#else
#include <boost/asio/io_context.hpp>
#include <trocco/asio/async_run.hpp>
#include <trocco/asio/transport.hpp>
#endif

#include "credentials.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "parser.hpp"
#include "progress.hpp"
#include "progress_printer.hpp"
#include "run.hpp"
#include "signals.hpp"

namespace {

using namespace trocco::cli;

#if TROCCO_CLI_USE_CURL
constexpr std::string_view transport_name = "libcurl transport";
#else
constexpr std::string_view transport_name = "Boost.Asio transport";
#endif

void print(std::FILE* stream, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fflush(stream);
}

int usage_failure(const usage_error& e) {
    print(stderr, "trocco: " + e.message + "\nRun '" + e.help_command + "' for usage.\n");
    return exit_usage;
}

/// The shorter of a transport default and --request-timeout.
std::chrono::milliseconds at_most(std::chrono::milliseconds fallback, const std::optional<std::chrono::milliseconds>& limit) {
    return limit && *limit < fallback ? *limit : fallback;
}

#if TROCCO_CLI_USE_CURL

command_outcome run_command(const command_line& cmd, trocco::client_options client_options, run_context ctx) {
    trocco::curl::transport_options options;
    if (cmd.request_timeout) options.request_timeout = *cmd.request_timeout;
    options.connect_timeout = at_most(options.connect_timeout, cmd.request_timeout);
    if (cmd.ca_file) options.ca_file = *cmd.ca_file;
    options.driver = trocco::curl::driver::caller;
    trocco::curl::transport transport{std::move(options)};
    trocco::client_options planning_options = client_options;
    planning_options.retry = planning_retry();
    trocco::client client{transport, std::move(client_options)};
    trocco::client planner{transport, std::move(planning_options)};
    return transport.run(execute(&client, &planner, cmd, std::move(ctx)));
}

#else

command_outcome run_command(const command_line& cmd, trocco::client_options client_options, run_context ctx) {
    boost::asio::io_context io{1};
    trocco::asio::transport_options options;
    if (cmd.request_timeout) {
        options.write_timeout = *cmd.request_timeout;
        options.read_timeout = *cmd.request_timeout;
    }
    options.connect_timeout = at_most(options.connect_timeout, cmd.request_timeout);
    options.tls_handshake_timeout = at_most(options.tls_handshake_timeout, cmd.request_timeout);
    if (cmd.ca_file) options.ca_file = *cmd.ca_file;
    trocco::asio::transport transport{io.get_executor(), std::move(options)};
    trocco::client_options planning_options = client_options;
    planning_options.retry = planning_retry();
    trocco::client client{transport, std::move(client_options)};
    trocco::client planner{transport, std::move(planning_options)};

    std::optional<command_outcome> outcome;
    std::exception_ptr failure;
    trocco::asio::async_run(io.get_executor(), execute(&client, &planner, cmd, std::move(ctx)),
                            [&](std::exception_ptr e, command_outcome o) {
                                failure = e;
                                outcome = std::move(o);
                                io.stop();  // idle keep-alive connections need not be waited for
                            });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*outcome);
}

#endif

int run(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    const parse_outcome parsed = parse_arguments(args);
    if (const auto* help = std::get_if<help_request>(&parsed)) {
        print(stdout, help->text);
        return exit_ok;
    }
    if (std::holds_alternative<version_request>(parsed)) {
        print(stdout, std::string("trocco ") + trocco::version + " (trocco-cpp, " + std::string(transport_name) + ")\n");
        return exit_ok;
    }
    if (const auto* e = std::get_if<usage_error>(&parsed)) return usage_failure(*e);
    const command_line& cmd = std::get<command_line>(parsed);

    std::optional<std::string> key_file_contents;
    if (cmd.api_key_file) {
        auto contents = read_api_key_file(*cmd.api_key_file);
        if (const auto* e = std::get_if<usage_error>(&contents)) return usage_failure(*e);
        key_file_contents = std::move(std::get<std::string>(contents));
    }
    auto key = choose_api_key(cmd, key_file_contents, std::getenv(std::string(api_key_variable).c_str()));
    if (const auto* e = std::get_if<usage_error>(&key)) return usage_failure(*e);
    if (cmd.ca_file && !std::ifstream(*cmd.ca_file)) {
        return usage_failure({"cannot read the CA file " + *cmd.ca_file, "trocco --help"});
    }

    trocco::client_options client_options;
    client_options.api_key = std::move(std::get<std::string>(key));
    client_options.base_url = choose_base_url(cmd, std::getenv(std::string(base_url_variable).c_str()));

    // The state directory: idempotency records and the run-time cache of history-informed polling.
    run_context ctx;
    ctx.state_dir = cmd.state_dir ? *cmd.state_dir : trocco::default_state_directory();
    if (cmd.idempotency_key) {
        if (ctx.state_dir.empty()) {
            return usage_failure({"--idempotency-key needs a state directory: pass --state-dir DIR (neither "
                                  "XDG_STATE_HOME nor HOME is set)",
                                  "trocco help " + std::string(cmd.info().group) + " run"});
        }
        client_options.idempotency_store = std::make_shared<trocco::file_idempotency_store>(ctx.state_dir);
    }

#if TROCCO_CLI_USE_CURL
    trocco::curl::global_init_guard curl_init;  // before any thread starts
#endif
    std::stop_source stop;
    signal_watcher signals{stop};
    const char* term = std::getenv("TERM");
    const progress_style style = resolve_progress(cmd.progress, ::isatty(STDERR_FILENO) == 1, term ? term : "");
    progress_printer progress{style, !cmd.json && cmd.what() == verb::run && cmd.wait, stdout, stderr};
    ctx.progress = &progress;
    if (cmd.what() == verb::list && !cmd.json) ctx.print_line = [](const std::string& line) { print(stdout, line); };
    ctx.stop = stop.get_token();
    const command_outcome outcome = run_command(cmd, std::move(client_options), std::move(ctx));
    progress.finish();
    const final_report report = make_final_report(cmd, outcome, signals.received());
    print(stdout, report.out);
    print(stderr, report.err);
    return report.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        print(stderr, std::string("trocco: internal error: ") + e.what() + "\n");
    } catch (...) {
        print(stderr, "trocco: internal error\n");
    }
    return exit_job_error;
}
