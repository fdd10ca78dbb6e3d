"""End-to-end tests of the `trocco` tool: usage, help, the API key, running and waiting, the output."""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

from cli_harness import (API_KEY, WRONG_KEY, Failure, Server, check, check_job_json, check_workflow_json,
                         closed_port, environment, eq, finish, instant, progress_lines, read_line, single_json,
                         start_trocco, status_lines, trocco)


# ---- tests: usage, help, version, the API key ---------------------------------------------------------------------

def test_version(ctx):
    r = trocco(["--version"], key=None)
    eq(r.code, 0, "exit code", r)
    check(re.match(r"^trocco \d+\.\d+\.\d+ \(trocco-cpp, .+ transport\)\n$", r.out), "version line", r)


COMMANDS = [["job", "run"], ["job", "get"], ["job", "wait"], ["job", "list"], ["workflow", "run"],
            ["workflow", "get"], ["workflow", "wait"], ["datamart", "run"], ["definitions", "list"]]


def test_help_for_every_command(ctx):
    r = trocco(["--help"], key=None)
    eq(r.code, 0, "exit code of --help", r)
    codes = {int(m.group(1)) for m in re.finditer(r"^  (\d+) +\S", r.out[r.out.index("Exit codes:"):], re.M)}
    eq(codes, {0, 1, 2, 3, 4, 5, 6, 7, 8, 130}, "exit codes listed in --help", r)
    check("143 terminated by SIGTERM" in r.out, "143 is documented", r)
    check("TROCCO_API_KEY" in r.out, "--help tells where the key comes from", r)
    eq(trocco(["help"], key=None).out, r.out, "trocco help is trocco --help")
    for words in [["job"], ["workflow"], ["datamart"], ["definitions"]] + COMMANDS:
        for form in (words + ["--help"], words + ["-h"], ["help"] + words):
            r = trocco(form, key=None)
            eq(r.code, 0, "exit code of a help", r)
            eq(r.err, "", "stderr of a help", r)
            check(r.out.startswith("usage: trocco " + " ".join(words)), "usage line names the command", r)
            check("trocco --help" in r.out, "refers to trocco --help for the rest", r)
            check("Exit codes:" not in r.out, "does not repeat the exit codes", r)
        if len(words) == 2:
            check("Example:\n  trocco " + " ".join(words) in r.out, "an example of the command", r)
    r = trocco(["job", "run", "42", "--bogus", "--help"], key=None)
    eq(r.code, 0, "--help wins over a bad option", r)
    check("--var NAME=VALUE" in r.out, "job run --help documents --var", r)
    check("--var" not in trocco(["workflow", "run", "--help"], key=None).out, "workflow run has no --var")
    check("wait" in trocco(["help", "datamart", "run"], key=None).out, "datamart run's help says it cannot wait")
    r = trocco(["help", "pipeline"], key=None)
    eq(r.code, 2, "no help for an unknown word", r)
    r = trocco(["-V"], key=None)
    eq(r.code, 0, "-V", r)
    check(r.out.startswith("trocco "), "-V prints the version", r)


def test_usage_errors_exit_2(ctx):
    server = ctx["fast"]
    server.clear()
    cases = [
        ([], "missing command"),
        (["jobs", "get", "1"], "unknown command"),
        (["job"], "needs a command"),
        (["job", "start", "1"], "unknown command"),
        (["job", "get"], "needs <job_id>"),
        (["job", "get", "abc"], "positive integer"),
        (["job", "get", "0"], "positive integer"),
        (["job", "get", "-5"], "positive integer"),
        (["job", "get", "99999999999999999999"], "positive integer"),
        (["job", "get", "1", "2"], "too many arguments"),
        (["job", "get", "1", "--wait"], "not an option"),
        (["job", "run", "42", "--var", "no-equals-sign"], "NAME=VALUE"),
        (["job", "run", "42", "--var", "=value"], "NAME=VALUE"),
        (["job", "run", "42", "--var"], "needs a value"),
        (["workflow", "run", "7", "--var", "$a$=b"], "custom variables for transfer and datamart jobs only"),
        (["pipeline", "run", "7"], "unknown command"),
        (["datamart", "run", "5", "--wait"], "not an option"),
        (["job", "list", "42", "--since", "yesterday"], "--since"),
        (["job", "list", "42", "--limit", "0"], "--limit"),
        (["definitions", "list", "pipeline"], "job, workflow or datamart"),
        (["definitions", "list", "workflow", "--name", "x"], "no name filter"),
        (["job", "run", "42", "--reconcile"], "only with --wait"),
        (["job", "run", "42", "--idempotency-key", "k"], "only with --wait"),
        (["job", "wait", "1", "--progress", "fancy"], "auto, tty, plain or none"),
        (["job", "run", "42", "--context-time", "2026-02-30 00:00:00"], "--context-time"),
        (["job", "run", "42", "--context-time", "2026-05-19T00:00:00"], "--context-time"),
        (["job", "run", "42", "--wait-timeout", "10"], "only with --wait"),
        (["job", "run", "42", "--poll-interval", "1"], "only with --wait"),
        (["job", "wait", "1", "--poll-interval", "0"], "greater than 0"),
        (["job", "wait", "1", "--wait-timeout", "-3"], "greater than 0"),
        (["job", "wait", "1", "--wait-timeout", "soon"], "greater than 0"),
        (["job", "get", "1", "--request-timeout", "0.0001"], "greater than 0"),
        (["job", "get", "1", "--json=yes"], "takes no value"),
        (["job", "get", "1", "--frobnicate"], "unknown option"),
        (["job", "get", "1", "--api-key", API_KEY], "TROCCO_API_KEY"),
        (["job", "get", "1", "--api-key=" + API_KEY], "TROCCO_API_KEY"),
        (["job", "get", "1", "--ca-file", "/nonexistent/ca.pem"], "CA file"),
        (["--base-url", "ftp://example.com", "job", "get", "1"], "base_url"),
    ]
    for args, expected in cases:
        r = trocco(args, server=None if args[:1] == ["--base-url"] else server)
        eq(r.code, 2, f"exit code of a usage error ({expected})", r)
        eq(r.out, "", "stdout of a usage error", r)
        check(expected in r.err, f"the message says {expected!r}", r)
    eq(server.requests(), [], "no request was sent by a usage error")


def test_api_key_sources(ctx):
    server = ctx["fast"]
    r = trocco(["job", "run", "42"], server, key=None)
    eq(r.code, 2, "exit code without a key", r)
    check("TROCCO_API_KEY" in r.err and "--api-key-file" in r.err, "the message says how to provide a key", r)
    r = trocco(["job", "run", "42"], server, key="")
    eq(r.code, 2, "exit code with an empty TROCCO_API_KEY", r)
    eq(server.requests(), [], "nothing sent without a key")

    with tempfile.TemporaryDirectory() as tmp:
        for i, content in enumerate([API_KEY + "\n", API_KEY + "\r\n", API_KEY, API_KEY + "  \n"]):
            path = os.path.join(tmp, f"key{i}")
            with open(path, "w", newline="") as f:
                f.write(content)
            # The file wins over a wrong key in the environment.
            r = trocco(["--api-key-file", path, "job", "run", "42"], server, key=WRONG_KEY)
            eq(r.code, 0, f"a key file holding {content!r}", r)
        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        r = trocco(["--api-key-file", empty, "job", "run", "42"], server)
        eq(r.code, 2, "an empty key file", r)
        check("empty" in r.err, "the message says the file is empty", r)
        r = trocco(["job", "run", "42", "--api-key-file", os.path.join(tmp, "missing")], server)
        eq(r.code, 2, "a missing key file", r)
        check("cannot read" in r.err, "the message says the file cannot be read", r)

    # TROCCO_BASE_URL is used when --base-url is not given.
    r = trocco(["job", "run", "42"], env=environment(API_KEY, base_url=server.base_url))
    eq(r.code, 0, "TROCCO_BASE_URL", r)
    server.clear()


# ---- tests: running, waiting, output -----------------------------------------------------------------------------

def test_run_without_wait(ctx):
    server = ctx["fast"]
    server.clear()
    r = trocco(["job", "run", "42"], server)
    eq(r.code, 0, "exit code of an accepted run", r)
    job_id = server.job_ids()[-1]
    eq(r.out, f"{job_id}\n", "stdout is the job id alone", r)
    eq(r.err, "", "a run without --wait shows no progress", r)
    posts = [q for q in server.requests() if q["method"] == "POST"]
    eq(len(posts), 1, "one POST")
    eq(posts[0]["target"], "/api/jobs?job_definition_id=42", "the POST's target")

    r = trocco(["workflow", "run", "7", "--json"], server)
    eq(r.code, 0, "exit code of an accepted workflow run", r)
    job = single_json(r)
    check_workflow_json(job, r)
    eq(job["id"], server.workflow_job_ids()[-1], "the workflow job id", r)
    eq(job["status"], "queued", "status", r)


def test_run_and_wait_human(ctx):
    server = ctx["fast"]
    r = trocco(["job", "run", "42", "--wait", "--poll-interval", "0.05"], server)
    eq(r.code, 0, "exit code of a succeeded job", r)
    job_id = server.job_ids()[-1]
    lines = r.out.splitlines()
    eq(len(lines), 2, "stdout: the id, then the summary", r)
    eq(lines[0], str(job_id), "the id first", r)
    check(lines[1].startswith(f"job {job_id} succeeded: definition 42 (fake_job_definition_42), created "),
          "the summary", r)
    eq([s for (_, _, s) in status_lines(r)], ["queued", "setting_up", "executing", "succeeded"],
       "one line per status change", r)
    check(all(i == job_id for (_, i, _) in status_lines(r)), "status lines carry the id", r)

    eq(progress_lines(r)[0], f"job {job_id} started", "the trigger's outcome first", r)

    # A retry is a line of its own, with its reason (not on a terminal: timestamped, no control characters).
    server.fault(kind="http_status", method="GET", path_prefix="/api/jobs/", status=503, times=1)
    r = trocco(["job", "run", "42", "--wait", "--poll-interval", "50ms"], server)
    eq(r.code, 0, "exit code after a retried poll", r)
    retries = [line for line in progress_lines(r) if " poll failed (server_error, HTTP 503): retry 1 in " in line]
    eq(len(retries), 1, "one line for the retry", r)
    statuses = [s for (_, _, s) in status_lines(r)]
    eq((statuses[0], statuses[-1]), ("queued", "succeeded"), "status lines around the retry", r)

    for quiet in (["--quiet"], ["-q"], ["--progress", "none"]):
        r = trocco(["job", "run", "42", "--wait", "--poll-interval", "50ms"] + quiet, server)
        eq(r.code, 0, "exit code with --quiet", r)
        eq(r.err, "", "--quiet: nothing on stderr", r)
        eq(len(r.out.splitlines()), 2, "--quiet keeps stdout", r)


def test_run_and_wait_json(ctx):
    server = ctx["fast"]
    server.call(cmd="job_name", definition_id=46, name="夜間ロード \"daily\"")
    r = trocco(["--json", "job", "run", "46", "--wait", "--poll-interval=0.05"], server)
    eq(r.code, 0, "exit code", r)
    job = single_json(r)
    check_job_json(job, r, server)
    eq(job["id"], server.job_ids()[-1], "id", r)
    eq(job["job_definition_id"], 46, "job_definition_id", r)
    eq(job["job_definition_name"], "夜間ロード \"daily\"", "job_definition_name, Japanese intact", r)
    eq(job["status"], "succeeded", "status", r)
    check(job["started_at"] is not None and job["finished_at"] is not None, "times of a finished job", r)
    check(instant(job["created_at"]) <= instant(job["started_at"]) <= instant(job["finished_at"]), "time order", r)
    eq([s for (_, _, s) in status_lines(r)], ["queued", "setting_up", "executing", "succeeded"],
       "progress still on stderr with --json", r)

    r = trocco(["workflow", "run", "7", "--wait", "--json", "--poll-interval", "0.05",
                "--context-time", "2026-05-19 00:00:00", "--time-zone", "Etc/UTC"], server)
    eq(r.code, 0, "exit code of a workflow", r)
    job = single_json(r)
    check_workflow_json(job, r)
    eq(job["pipeline_definition_id"], 7, "pipeline_definition_id", r)
    eq(job["name"], "fake_pipeline_definition_7", "name", r)
    eq(job["status"], "succeeded", "status", r)
    api = server.get(f"/api/pipeline_jobs/{job['id']}")
    eq(job["context_time"], api["context_time"], "context_time as trocco sent it", r)
    params = server.call(cmd="workflow_params", job_id=job["id"])["params"]
    eq((params["context_time"], params["time_zone"]), ("2026-05-19 00:00:00", "Etc/UTC"), "workflow run parameters")


def test_custom_variables_exact(ctx):
    server = ctx["fast"]
    variables = [
        ("$ad_id$", "A0000"),
        ("$query$", "a=b=c&d=e"),
        ("$with space$", "  hello   world  "),
        ("$日付$", "東京 2026年5月19日"),
        ("$empty$", ""),
        ("$quote$", "it's \"quoted\" \\ back"),
    ]
    args = ["job", "run", "42", "--context-time", "2026-05-19 00:00:00", "--time-zone", "Asia/Tokyo"]
    for name, value in variables:
        args += ["--var", f"{name}={value}"]
    server.clear()
    r = trocco(args, server)
    eq(r.code, 0, "exit code", r)
    job_id = int(r.out)
    params = server.call(cmd="job_params", job_id=job_id)["params"]
    eq([(v["name"], v["value"]) for v in params["custom_variables"]], variables, "custom variables as the server saw them")
    eq(params["context_time"], "2026-05-19 00:00:00", "context_time")
    eq(params["time_zone"], "Asia/Tokyo", "time_zone")
    post = [q for q in server.requests() if q["method"] == "POST"][-1]
    body = json.loads(post["body"])
    eq([(v["name"], v["value"]) for v in body["custom_variables"]], variables, "custom variables in the POST body")


def test_job_outcomes_exit_codes(ctx):
    server = ctx["fast"]
    for definition, outcome, code in ((43, "error", 1), (44, "canceled", 3), (45, "skipped", 4)):
        server.call(cmd="job_outcome", definition_id=definition, outcome=outcome)
        r = trocco(["job", "run", str(definition), "--wait", "--json", "--poll-interval", "0.05"], server)
        eq(r.code, code, f"exit code of a job that ended {outcome}", r)
        job = single_json(r)
        check_job_json(job, r, server)
        eq(job["status"], outcome, "the final job is printed", r)
        error_line = [line for line in r.err.splitlines() if line.startswith("trocco: error:")][0]
        eq(error_line.count(str(job["id"])), 1, "the error line names the job once", r)

        r = trocco(["job", "run", str(definition), "--wait", "--poll-interval", "0.05"], server)
        eq(r.code, code, f"exit code without --json ({outcome})", r)
        job_id = server.job_ids()[-1]
        lines = r.out.splitlines()
        eq(lines[0], str(job_id), "the id first", r)
        check(lines[1].startswith(f"job {job_id} {outcome}: "), "the summary names the outcome", r)

        # get reads the job whatever its status (exit 0); wait reports how it ended.
        r = trocco(["job", "get", str(job_id), "--json"], server)
        eq(r.code, 0, "get exits 0 whatever the status", r)
        eq(single_json(r)["status"], outcome, "get --json", r)
        r = trocco(["job", "wait", str(job_id), "--poll-interval", "0.05"], server)
        eq(r.code, code, f"wait on a job that ended {outcome}", r)
        check(r.out.startswith(f"job {job_id} {outcome}: "), "wait's summary", r)


def test_get_and_wait(ctx):
    server = ctx["slow"]  # jobs there stay queued for a minute
    r = trocco(["job", "run", "42"], server)
    job_id = int(r.out)
    r = trocco(["job", "get", str(job_id)], server)
    eq(r.code, 0, "job get", r)
    check(r.out.startswith(f"job {job_id} queued: definition 42"), "job get's summary", r)
    r = trocco(["job", "get", str(job_id), "--json"], server)
    eq(r.code, 0, "job get --json", r)
    job = single_json(r)
    check_job_json(job, r, server)
    eq((job["status"], job["started_at"], job["finished_at"]), ("queued", None, None), "a queued job's JSON", r)

    fast = ctx["fast"]
    r = trocco(["job", "run", "42"], fast)
    job_id = int(r.out)
    r = trocco(["job", "wait", str(job_id), "--poll-interval", "0.05", "--json"], fast)
    eq(r.code, 0, "job wait", r)
    eq(single_json(r)["status"], "succeeded", "job wait --json", r)
