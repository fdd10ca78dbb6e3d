// trocco-fake-server: the fake trocco API server as a program, for rehearsing failures from a shell, trying a
// client by hand (curl), or another language's tests. Every switch is in `usage` below (--help prints it).
// Prints its base URL on one line, then serves until SIGINT or SIGTERM (or, with --control, the end of stdin).
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/fault_spec.hpp>
#include <trocco/testing/test_certificates.hpp>

#include "control_channel.hpp"

namespace {

constexpr std::string_view usage = R"(usage: trocco-fake-server [options]

Serves a fake trocco API and prints its base URL on one line, then serves until SIGINT or SIGTERM (with
--control: also until the end of stdin or a "quit" command). Never point a real client's key at it.

Server:
  --host H                    address to listen on (default 127.0.0.1)
  --port N                    port (default 0: a free one)
  --api-key KEY               the key clients must send (default $TROCCO_API_KEY, else "fake-api-key")
  --status-duration-ms MS     how long each job status lasts (default 100; 0: jobs end at once)
  --keep-alive-timeout-ms MS  idle connections are closed after this long (default 30000)
  --rate-limit N[/SECONDS]    enforce N calls per window of SECONDS (default 600): 429 beyond (as trocco:
                              X-Rate-Limit-Reset, no Retry-After); X-Rate-Limit-* count down (without
                              this switch: counted, 3500 per 600 s, never enforced)

TLS:
  --tls-ca-out PATH           serve HTTPS with a throwaway CA's certificate for 127.0.0.1 and localhost, and
                              write that CA (PEM) to PATH for the client to trust
  --tls-certificate KIND      with --tls-ca-out: valid (default), expired, or wrong-host (a certificate for
                              wrong-host.invalid), all signed by the CA written to PATH
  --tls-cert-file PATH        serve HTTPS with this certificate chain (PEM) ...
  --tls-key-file PATH         ... and this private key (PEM)

Jobs and definitions:
  --job-outcome DEF=OUTCOME   how transfer jobs of definition DEF end
  --workflow-outcome DEF=OUTCOME   the same for workflows (also --pipeline-outcome)
                              OUTCOME: succeeded | error | canceled | skipped | error_then_retry
  --job-name DEF=NAME         the name transfer jobs of DEF report (also --workflow-name)
  --definition SPEC           register a definition for the definition lists:
                              kind=job|workflow|datamart,id=N[,name=TEXT][,description=TEXT]
                              [,created_at=TIME][,updated_at=TIME][,label=ID:NAME]...
  --seed-job SPEC             add a past transfer job for the history list:
                              definition=N[,status=TEXT][,created_at=TIME][,started_at=TIME]
                              [,finished_at=TIME][,id=N]
                              TIME: RFC 3339, now, now-SECONDS or now+SECONDS

Faults (repeatable; matched in the order given):
  --fault SPEC                kind=KIND[,method=GET|POST][,path=PREFIX][,times=N (-1: forever)][,KEY=VALUE]...
    delay                     delay_ms=N: answer later
    http_status               status=N[,body=TEXT]: answer that instead (the request is not processed)
    rate_limited              429: retry_after=seconds|http_date|omitted, retry_after_seconds=N,
                              retry_after_text=TEXT (verbatim), reset_after_seconds=N (X-Rate-Limit-Reset)
    close_before_read         close (FIN) when a request arrives, unread
    reset_before_read         reset (RST) when a request arrives, unread
    close_after_read          process the request (a POST creates its job), then close without answering
    reset_after_read          process the request, then reset without answering
    truncated_body            process; Content-Length larger than the body, then close
    truncated_chunked         process; chunked, half the body, then close without the last chunk
    malformed_json            process; half the JSON body
    malformed_status_line     process; status_line=TEXT instead of "HTTP/1.1 200 OK", then close
    unknown_status            process; status_text=TEXT as the job's status
    other_job                 process; other_job_id=N as the answer's id
    interim_responses         process; interim=100+103: 1xx answers before the final one
    trickle                   process; the answer one byte every interval_ms=N (default 1000)
    huge_body                 process; body_bytes=N (default 100000000) streamed
    absurd_headers            process; header=NAME:VALUE... (none: a built-in absurd set)
    malformed_page            process; defect=items_missing|items_not_array|item_wrong_types|
                              cursor_not_string|cursor_repeats in a list answer
  A comma starts a new KEY only when "key=" follows, so body={"message":"a, b"} is one value.

Control:
  --control                   read JSON commands on stdin, one per line; answer each with one JSON line on
                              stdout. Commands ("cmd"): fault (the --fault keys), clear, clear_faults,
                              clear_requests, pending_faults, job_outcome, workflow_outcome, job_name,
                              workflow_name, definition (the --definition keys; "labels":[{"id","name"}]),
                              seed_job (the --seed-job keys), requests, job_ids, workflow_job_ids,
                              datamart_job_ids, job_params, workflow_params, datamart_params ("job_id"),
                              connections, quit.
  -h, --help                  print this and exit

Exit status: 0 after a signal or the end of the control input, 1 if the server cannot start, 2 for a bad
switch.
)";

int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(signal_pipe[1], &byte, 1);  // async-signal-safe
}

/// Prints the parts of the message and exits with status 2.
template <class... Parts>
[[noreturn]] void bad_usage(const Parts&... why) {
    std::cerr << "trocco-fake-server: ";
    (std::cerr << ... << why) << "\n(see trocco-fake-server --help)\n";
    std::exit(2);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) bad_usage("cannot read ", path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// "DEF=VALUE" with a positive DEF.
std::pair<std::int64_t, std::string> definition_and_value(std::string_view option, std::string_view text) {
    const auto eq = text.find('=');
    const auto id = trocco::testing::detail::parse_id(text.substr(0, eq));
    if (eq == std::string_view::npos || !id) bad_usage(option, " wants DEFINITION_ID=VALUE");
    return {*id, std::string(text.substr(eq + 1))};
}

using setup_step = std::function<void(trocco::testing::fake_server&)>;

/// Checks one "--option value" of the jobs, definitions and faults switches now (a bad value exits with status
/// 2 before anything starts) and returns what to do to the server once it runs.
setup_step make_setup_step(const std::string& option, const std::string& value) {
    using trocco::testing::job_kind;
    const auto now = fake_server_tool::wall_now();
    if (option == "--fault") {
        auto f = trocco::testing::parse_fault_spec(value);
        if (!f) bad_usage("--fault ", value, ": ", f.error);
        return [f = *f.value](trocco::testing::fake_server& server) { server.inject(f); };
    }
    if (option == "--definition") {
        auto d = trocco::testing::parse_definition_spec(value, now);
        if (!d) bad_usage("--definition ", value, ": ", d.error);
        return [d = *d.value](trocco::testing::fake_server& server) { server.api().add_definition(d.first, d.second); };
    }
    if (option == "--seed-job") {
        auto job = trocco::testing::parse_seeded_job_spec(value, now);
        if (!job) bad_usage("--seed-job ", value, ": ", job.error);
        return [job = *job.value](trocco::testing::fake_server& server) { server.seed_job(job); };
    }
    const auto kind = option.starts_with("--job") ? job_kind::transfer : job_kind::workflow;
    auto [id, text] = definition_and_value(option, value);
    if (option.ends_with("-name")) {
        return [kind, id = id, text = text](trocco::testing::fake_server& server) {
            server.api().set_definition_name(kind, id, text);
        };
    }
    const auto outcome = trocco::testing::parse_scripted_outcome(text);
    if (!outcome) bad_usage(option, " ", value, ": OUTCOME is succeeded, error, canceled, skipped or error_then_retry");
    return [kind, id = id, o = *outcome](trocco::testing::fake_server& server) { server.api().set_outcome(kind, id, o); };
}

struct settings {
    trocco::testing::fake_server_options server;
    std::string tls_ca_out, tls_certificate = "valid", tls_cert_file, tls_key_file;
    std::vector<setup_step> setup;  // applied once the server runs, in the order given
    bool control = false;
};

settings parse_arguments(int argc, char** argv) {
    settings s;
    if (const char* key = std::getenv("TROCCO_API_KEY"); key && *key) s.server.api_key = key;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            std::exit(0);
        }
        if (arg == "--control") {
            s.control = true;
            continue;
        }
        static constexpr std::string_view with_values[] = {
            "--port", "--host", "--api-key", "--status-duration-ms", "--keep-alive-timeout-ms", "--rate-limit",
            "--tls-ca-out", "--tls-certificate", "--tls-cert-file", "--tls-key-file", "--job-outcome",
            "--workflow-outcome", "--pipeline-outcome", "--job-name", "--workflow-name", "--fault", "--definition",
            "--seed-job"};
        if (std::find(std::begin(with_values), std::end(with_values), arg) == std::end(with_values)) {
            bad_usage("unknown option ", arg);
        }
        if (i + 1 >= args.size()) bad_usage(arg, " needs a value");
        const std::string value(args[++i]);
        const auto number = [&](std::int64_t min, std::int64_t max) {
            const auto n = trocco::testing::detail::parse_int64(value);
            if (!n || *n < min || *n > max) bad_usage(arg, " wants a number from ", min, " to ", max);
            return *n;
        };
        if (arg == "--port") {
            s.server.port = static_cast<std::uint16_t>(number(0, 65535));
        } else if (arg == "--host") {
            s.server.host = value;
        } else if (arg == "--api-key") {
            if (value.empty()) bad_usage("--api-key must not be empty");
            s.server.api_key = value;
        } else if (arg == "--status-duration-ms") {
            s.server.status_duration = std::chrono::milliseconds{number(0, 86'400'000)};
        } else if (arg == "--keep-alive-timeout-ms") {
            s.server.keep_alive_timeout = std::chrono::milliseconds{number(1, 86'400'000)};
        } else if (arg == "--rate-limit") {
            const auto slash = value.find('/');
            const auto limit = trocco::testing::detail::parse_id(std::string_view(value).substr(0, slash));
            const auto window = slash == std::string::npos ? std::optional<std::int64_t>(600)
                                                           : trocco::testing::detail::parse_id(value.substr(slash + 1));
            if (!limit || !window) bad_usage("--rate-limit wants N or N/SECONDS, both positive");
            s.server.rate_limit = {*limit, std::chrono::seconds{*window}, true};
        } else if (arg == "--tls-ca-out") {
            s.tls_ca_out = value;
        } else if (arg == "--tls-certificate") {
            if (value != "valid" && value != "expired" && value != "wrong-host") {
                bad_usage("--tls-certificate wants valid, expired or wrong-host");
            }
            s.tls_certificate = value;
        } else if (arg == "--tls-cert-file") {
            s.tls_cert_file = value;
        } else if (arg == "--tls-key-file") {
            s.tls_key_file = value;
        } else {
            s.setup.push_back(make_setup_step(std::string(arg), value));
        }
    }
    if (!s.tls_ca_out.empty() && !s.tls_cert_file.empty()) bad_usage("--tls-ca-out and --tls-cert-file exclude each other");
    if (s.tls_cert_file.empty() != s.tls_key_file.empty()) bad_usage("--tls-cert-file and --tls-key-file go together");
    if (s.tls_certificate != "valid" && s.tls_ca_out.empty()) bad_usage("--tls-certificate needs --tls-ca-out");
    return s;
}

/// Serves until a signal arrives or, with the control channel, its input ends or says quit.
void serve(trocco::testing::fake_server& server, bool control) {
    std::string pending;
    bool quit = false;
    while (!quit) {
        pollfd fds[2] = {{signal_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        if (::poll(fds, control ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents != 0) return;  // SIGINT or SIGTERM
        if (!control || fds[1].revents == 0) continue;
        char buffer[65536];
        const auto n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the end of the control input
        pending.append(buffer, static_cast<std::size_t>(n));
        for (auto eol = pending.find('\n'); eol != std::string::npos && !quit; eol = pending.find('\n')) {
            const std::string line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            const auto command = nlohmann::json::parse(line, nullptr, false);
            const auto reply = command.is_discarded() ? nlohmann::json{{"error", "not JSON"}}
                                                      : fake_server_tool::handle_command(server, command, quit);
            std::cout << reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto s = parse_arguments(argc, argv);
    try {
        if (!s.tls_ca_out.empty()) {
            const auto set = trocco::testing::make_test_certificate_set({"127.0.0.1", "localhost"});
            const auto& chosen = s.tls_certificate == "expired"      ? set.expired
                                 : s.tls_certificate == "wrong-host" ? set.wrong_host
                                                                     : set.valid;
            std::ofstream out(s.tls_ca_out, std::ios::binary);
            out << set.ca_certificate_pem;
            if (!out.flush()) bad_usage("cannot write ", s.tls_ca_out);
            s.server.tls_certificate_chain_pem = chosen.certificate_pem;
            s.server.tls_private_key_pem = chosen.private_key_pem;
        } else if (!s.tls_cert_file.empty()) {
            s.server.tls_certificate_chain_pem = read_file(s.tls_cert_file);
            s.server.tls_private_key_pem = read_file(s.tls_key_file);
        }

        if (::pipe(signal_pipe) != 0) throw std::runtime_error("pipe() failed");
        ::fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
        struct sigaction action {};
        action.sa_handler = on_signal;
        ::sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        ::signal(SIGPIPE, SIG_IGN);

        trocco::testing::fake_server server(s.server);
        for (const auto& step : s.setup) step(server);  // only seed_job can throw (an id given twice)
        std::cout << server.base_url() << std::endl;  // one line, flushed: scripts wait for it
        serve(server, s.control);
        server.stop();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "trocco-fake-server: " << e.what() << "\n";
        return 1;
    }
}
