#!/usr/bin/env python3
"""End-to-end tests of the `trocco` command-line tool: the real binary against the fake trocco server.

    test_cli.py --trocco PATH --server PATH [--dns-shim PATH] [--group fast|retries|confirmations|all] [names...]

The harness (trocco-fake-server over its --control channel, running the tool, checks) is cli_harness.py; the tests
are in cli_basics.py, cli_failures.py, cli_commands.py (datamart runs, lists), cli_exactly_once.py (idempotency
keys, reconciliation, history-informed polling) and cli_terminal.py (the live line on a pseudo-terminal).

Group "fast" holds everything quick. Two groups hold what takes real time by design, each a test of its own so that
`meson test` runs them side by side (they mostly sleep): "retries", the exit-6 cases that go through the retry
policy's backoff (some 15 s each on average, run in parallel), and "confirmations", the workflow outcomes, where an
`error` is final only after two confirming polls 10 s apart (run in parallel too).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cli_basics as basics  # noqa: E402
import cli_commands as commands  # noqa: E402
import cli_exactly_once as once  # noqa: E402
import cli_failures as failures  # noqa: E402
import cli_harness  # noqa: E402
import cli_terminal as terminal  # noqa: E402

GROUPS = {
    "fast": [basics.test_version, basics.test_help_for_every_command, basics.test_usage_errors_exit_2,
             basics.test_api_key_sources, basics.test_run_without_wait, basics.test_run_and_wait_human,
             basics.test_run_and_wait_json, basics.test_custom_variables_exact, basics.test_job_outcomes_exit_codes,
             basics.test_get_and_wait, failures.test_api_refused_exit_5, failures.test_request_timeout,
             failures.test_https_with_ca_file, failures.test_unavailable_exit_6_fast, failures.test_wait_timeout_exit_7,
             failures.test_outcome_unknown_exit_8, failures.test_interrupted_exit_130,
             failures.test_stop_says_whether_the_job_started,
             commands.test_datamart_run, commands.test_job_list, commands.test_definitions_list,
             once.test_idempotency_key_two_runs, once.test_idempotency_key_killed_first_run,
             once.test_reconcile_adopts_the_job, once.test_history_informed_polling,
             terminal.test_live_line_on_a_terminal, terminal.test_plain_lines_without_a_terminal,
             terminal.test_live_line_fits_a_narrow_terminal],
    "retries": [failures.test_unavailable_exit_6_slow],
    "confirmations": [failures.test_workflow_outcomes_exit_codes],
}

if __name__ == "__main__":
    sys.exit(cli_harness.main(GROUPS))
