// tools/cli/command_line.hpp - what a parsed `trocco` command line is: the commands (one table, read by the parser
// and the help), and the command_line value the rest of the program works from. Pure data; no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <trocco/job_kind.hpp>
#include <trocco/requests.hpp>

namespace trocco::cli {

/// The commands of the tool.
enum class command_id : unsigned char {
    job_run,
    job_get,
    job_wait,
    job_list,
    workflow_run,
    workflow_get,
    workflow_wait,
    datamart_run,
    definitions_list,
};

/// What a command does with its jobs.
enum class verb : unsigned char { run, get, wait, list };

/// One command: its words, what it concerns, and its help.
struct command_spec {
    command_id id;
    std::string_view group;        // "job", "workflow", "datamart", "definitions": the first word
    std::string_view word;         // "run", "get", "wait", "list": the second word
    job_kind kind;                 // the jobs it concerns (definitions list: given as its argument)
    cli::verb what;
    std::string_view argument;     // "<job_definition_id>": the one positional argument
    std::string_view summary;      // one line, for the command lists
    std::string_view description;  // the paragraph of its help
    std::string_view example;      // one command line, for its help
};

// The group words are the job kinds' command-line nouns (job_kind_info::cli_noun) or "definitions".
inline constexpr command_spec command_table[] = {
    {command_id::job_run, "job", "run", job_kind::transfer, verb::run, "<job_definition_id>",
     "start a transfer job (with --wait: and wait until it finishes)",
     "Starts a job of the transfer definition <job_definition_id> and prints its id. The run is sent once: it is\n"
     "never resent after it may have reached trocco (then the exit code is 8, or with --reconcile the job is\n"
     "looked for). With --wait it then waits until the job finishes, and the exit code tells how it ended.",
     "trocco job run 42 --wait --var '$target_date$=2026-05-19' --idempotency-key \"nightly-$(date +%F)\""},
    {command_id::job_get, "job", "get", job_kind::transfer, verb::get, "<job_id>",
     "show a transfer job once",
     "Reads the transfer job <job_id> once and prints it. The exit code is 0 whatever the job's status.",
     "trocco job get 100001 --json"},
    {command_id::job_wait, "job", "wait", job_kind::transfer, verb::wait, "<job_id>",
     "wait until a transfer job finishes",
     "Waits until the transfer job <job_id> finishes: one started by `trocco job run` without --wait, or one\n"
     "whose wait was interrupted. The exit code tells how it ended.",
     "trocco job wait 100001 --wait-timeout 2h"},
    {command_id::job_list, "job", "list", job_kind::transfer, verb::list, "<job_definition_id>",
     "list the jobs of a transfer definition",
     "Lists the jobs of the transfer definition <job_definition_id>, one line per job (with --json: one JSON\n"
     "array), in trocco's order, reading every page of the history (or until --limit jobs were printed).",
     "trocco job list 42 --since \"2026-05-01 00:00:00\" --time-zone Etc/UTC --limit 20"},
    {command_id::workflow_run, "workflow", "run", job_kind::workflow, verb::run, "<workflow_definition_id>",
     "start a workflow (with --wait: and wait until it finishes)",
     "Starts the workflow <workflow_definition_id> (trocco's pipeline definition) and prints the workflow job's\n"
     "id. The run is sent once: it is never resent after it may have reached trocco (then the exit code is 8).\n"
     "With --wait, a workflow's `error` counts as final only after two more polls, 10 s apart, still read\n"
     "`error` (trocco may retry a workflow automatically).",
     "trocco workflow run 7 --wait --context-time \"2026-05-19 00:00:00\" --time-zone Asia/Tokyo"},
    {command_id::workflow_get, "workflow", "get", job_kind::workflow, verb::get, "<workflow_job_id>",
     "show a workflow job once",
     "Reads the workflow job <workflow_job_id> once and prints it. The exit code is 0 whatever its status.",
     "trocco workflow get 200001"},
    {command_id::workflow_wait, "workflow", "wait", job_kind::workflow, verb::wait, "<workflow_job_id>",
     "wait until a workflow job finishes",
     "Waits until the workflow job <workflow_job_id> finishes. The exit code tells how it ended.",
     "trocco workflow wait 200001 --json > workflow.json"},
    {command_id::datamart_run, "datamart", "run", job_kind::datamart, verb::run, "<datamart_definition_id>",
     "start a datamart job (trocco offers no way to wait for one)",
     "Starts a job of the datamart definition <datamart_definition_id> and prints it (the id on stdout; with\n"
     "--json the job as trocco answered). trocco has no API to read a datamart job again, so this tool cannot\n"
     "wait for one: to wait, put the datamart in a workflow and use `trocco workflow run <id> --wait`. The run is\n"
     "sent once (exit code 8 when its outcome is unknown).",
     "trocco datamart run 5 --var '$day$=2026-05-19' --memo \"backfill\""},
    {command_id::definitions_list, "definitions", "list", job_kind::transfer, verb::list, "{job|workflow|datamart}",
     "list transfer, workflow or datamart definitions",
     "Lists the definitions of one kind (job: transfer definitions, workflow, datamart), one line each (with\n"
     "--json: one JSON array), reading every page (or until --limit were printed). --name keeps those whose\n"
     "name contains TEXT (transfer and datamart definitions only: trocco has no such filter for workflows).",
     "trocco definitions list job --name nightly"},
};

/// The facts of a command.
constexpr const command_spec& spec(command_id id) noexcept { return command_table[static_cast<unsigned>(id)]; }

/// A set of commands, for saying where an option applies.
using command_set = std::uint16_t;
constexpr command_set one(command_id id) noexcept { return static_cast<command_set>(1u << static_cast<unsigned>(id)); }
constexpr bool contains(command_set set, command_id id) noexcept { return (set & one(id)) != 0; }
inline constexpr command_set all_commands = (1u << std::size(command_table)) - 1;

/// How the wait shows its progress on stderr (--progress; --quiet is `none`).
enum class progress_mode : unsigned char {
    automatic,  // a live line when stderr is a terminal (and TERM is set and not "dumb"), else plain lines
    tty,        // the live line, whatever stderr is
    plain,      // timestamped lines, no carriage returns or escape sequences
    none,       // nothing (errors are still printed)
};

/// A parsed, checked command line: everything the program needs but the API key and the environment.
struct command_line {
    command_id command = command_id::job_get;
    /// run, job list: the definition id; get, wait: the job id; always > 0 (0 for definitions list).
    std::int64_t id = 0;
    /// definitions list: which definitions.
    job_kind list_kind = job_kind::transfer;

    // run
    std::optional<std::string> context_time = std::nullopt;  // checked: "YYYY-MM-DD HH:MM:SS"
    std::optional<std::string> time_zone = std::nullopt;     // also job list's zone of --since and --until
    std::vector<custom_variable> variables = {};             // job and datamart runs, in the order given
    std::optional<std::string> memo = std::nullopt;          // datamart run
    bool wait = false;
    bool reconcile = false;                                  // job run --wait
    std::optional<std::string> idempotency_key = std::nullopt;  // job run --wait, workflow run --wait
    std::optional<std::string> state_dir = std::nullopt;

    // run --wait, and wait
    std::optional<std::chrono::milliseconds> wait_timeout = std::nullopt;
    std::optional<std::chrono::milliseconds> poll_interval = std::nullopt;

    // lists
    std::optional<std::string> since = std::nullopt;  // checked: "YYYY-MM-DD HH:MM:SS"
    std::optional<std::string> until = std::nullopt;
    std::optional<std::string> name = std::nullopt;
    std::optional<std::int64_t> limit = std::nullopt;  // at most this many items printed

    // global
    std::optional<std::string> base_url = std::nullopt;
    std::optional<std::string> api_key_file = std::nullopt;
    std::optional<std::string> ca_file = std::nullopt;
    std::optional<std::chrono::milliseconds> request_timeout = std::nullopt;
    bool json = false;
    progress_mode progress = progress_mode::automatic;

    /// The facts of the command.
    const command_spec& info() const noexcept { return spec(command); }
    /// The kind of the jobs (or, for definitions list, of the definitions) the command concerns.
    job_kind kind() const noexcept { return command == command_id::definitions_list ? list_kind : info().kind; }
    cli::verb what() const noexcept { return info().what; }
    /// True when the command waits for a job to finish (`wait`, or `run --wait`).
    bool waits() const noexcept { return what() == verb::wait || (what() == verb::run && wait); }

    friend bool operator==(const command_line&, const command_line&) = default;
};

/// `--help`, `-h` or `trocco help ...`: print `text` on stdout, exit 0.
struct help_request {
    std::string text;
};
/// `--version` or `-V`.
struct version_request {};
/// The command line is wrong: print `message` and a pointer to `help_command` on stderr, exit 2.
struct usage_error {
    std::string message;
    std::string help_command = "trocco --help";  // the help that explains the command concerned
};

using parse_outcome = std::variant<command_line, help_request, version_request, usage_error>;

}  // namespace trocco::cli
