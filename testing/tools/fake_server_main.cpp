// trocco-fake-server: the fake trocco API server as a program, for trying a client by hand (curl) or from
// another language's tests. Prints its base URL on one line, then serves until SIGINT or SIGTERM.
//
//   trocco-fake-server [--port N] [--host H] [--api-key KEY] [--status-duration-ms MS]
//                      [--job-outcome DEF=OUTCOME]... [--pipeline-outcome DEF=OUTCOME]...
//   OUTCOME: succeeded | error | canceled | skipped | error_then_retry
//   The API key defaults to $TROCCO_API_KEY, else "fake-api-key". --port 0 (the default) picks a free port.
#include <utility>

#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <trocco/testing/fake_server.hpp>

namespace {

constexpr std::string_view usage =
    "usage: trocco-fake-server [--port N] [--host H] [--api-key KEY] [--status-duration-ms MS]\n"
    "                          [--job-outcome DEF=OUTCOME]... [--pipeline-outcome DEF=OUTCOME]...\n"
    "  OUTCOME: succeeded | error | canceled | skipped | error_then_retry\n"
    "  The API key defaults to $TROCCO_API_KEY, else \"fake-api-key\".\n";

template <class Int>
std::optional<Int> parse_number(std::string_view text) {
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<trocco::testing::scripted_outcome> parse_outcome(std::string_view text) {
    using trocco::testing::scripted_outcome;
    if (text == "succeeded") return scripted_outcome::succeeded;
    if (text == "error") return scripted_outcome::error;
    if (text == "canceled") return scripted_outcome::canceled;
    if (text == "skipped") return scripted_outcome::skipped;
    if (text == "error_then_retry") return scripted_outcome::error_then_retry;
    return std::nullopt;
}

struct outcome_setting {
    bool pipeline;
    std::int64_t definition_id;
    trocco::testing::scripted_outcome outcome;
};

[[noreturn]] void bad_usage(std::string_view why) {
    std::cerr << "trocco-fake-server: " << why << "\n" << usage;
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    trocco::testing::fake_server_options options;
    if (const char* key = std::getenv("TROCCO_API_KEY"); key && *key) options.api_key = key;
    std::vector<outcome_setting> outcomes;

    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= args.size()) bad_usage(std::string(arg) + " needs a value (or is unknown)");
        const std::string_view value = args[++i];
        if (arg == "--port") {
            const auto port = parse_number<std::uint16_t>(value);
            if (!port) bad_usage("--port must be a number from 0 to 65535");
            options.port = *port;
        } else if (arg == "--host") {
            options.host = std::string(value);
        } else if (arg == "--api-key") {
            if (value.empty()) bad_usage("--api-key must not be empty");
            options.api_key = std::string(value);
        } else if (arg == "--status-duration-ms") {
            const auto ms = parse_number<std::int64_t>(value);
            if (!ms || *ms < 0) bad_usage("--status-duration-ms must be a non-negative number");
            options.status_duration = std::chrono::milliseconds{*ms};
        } else if (arg == "--job-outcome" || arg == "--pipeline-outcome") {
            const auto eq = value.find('=');
            const auto id = parse_number<std::int64_t>(value.substr(0, eq));
            const auto outcome = eq == std::string_view::npos ? std::nullopt : parse_outcome(value.substr(eq + 1));
            if (!id || *id <= 0 || !outcome) bad_usage(std::string(arg) + " wants DEFINITION_ID=OUTCOME");
            outcomes.push_back({arg == "--pipeline-outcome", *id, *outcome});
        } else {
            bad_usage("unknown option " + std::string(arg));
        }
    }

    try {
        boost::asio::io_context io(1);
        trocco::testing::fake_server server(io.get_executor(), options);
        for (const auto& o : outcomes) {
            if (o.pipeline) {
                server.set_workflow_outcome(o.definition_id, o.outcome);
            } else {
                server.set_job_outcome(o.definition_id, o.outcome);
            }
        }
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&server](const boost::system::error_code& ec, int) {
            if (!ec) server.stop();
        });
        std::cout << server.base_url() << std::endl;  // one line, flushed: scripts wait for it
        io.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "trocco-fake-server: " << e.what() << "\n";
        return 1;
    }
}
