#!/usr/bin/env python3
"""End-to-end tests of the `trocco` command-line tool: the real binary against the fake trocco server.

    test_cli.py --trocco PATH --server PATH [--group fast|slow]

The server is trocco-fake-server (testing/tools) with its --control channel: one JSON command per line on stdin,
one JSON reply per line on stdout, so that faults are injected and recorded requests read between runs. Each run of `trocco` is a subprocess with a controlled
environment; every run's stdout and stderr are checked not to contain the API key.

Why Python rather than a C++ harness: these tests are about a process - exit codes, what goes to stdout and what
to stderr, environment variables, files, signals and timing - and the standard library's subprocess, signal and
json modules say that directly. The server side stays in C++ so that faults are injected in-process.

Group "fast" holds everything quick (some 20 s). Group "slow" holds what takes real time by design: the exit-6
cases that go through the retry policy's backoff (some 15 s each on average, run in parallel), and the workflow
outcomes, where an `error` is final only after two confirming polls 10 s apart (run in parallel too).
"""

import argparse
import datetime
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

API_KEY = "sk_cli_test_5ecr3t_Zq81xQ"
WRONG_KEY = "sk_wrong_key_Y7Rt2Lm9"
SECRETS = (API_KEY, WRONG_KEY)
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PLAIN_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ((?:job|workflow job|datamart job) .*)$")
STATUS_LINE = re.compile(r"^(job|workflow job|datamart job) (\d+) (\S+)$")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
JOB_FIELDS = ["id", "job_definition_id", "job_definition_name", "status", "created_at", "started_at", "finished_at"]
PIPELINE_FIELDS = ["id", "pipeline_definition_id", "name", "status", "created_at", "started_at", "finished_at",
                   "context_time"]

TROCCO = ""
SERVER_PROGRAM = ""
ALL_RUNS = []  # every Run, for the final "the key never appears" check
RUNS_LOCK = threading.Lock()


class Failure(Exception):
    pass


def check(condition, message, run=None):
    if not condition:
        detail = f"\n  {run.describe()}" if run is not None else ""
        raise Failure(message + detail)


def eq(actual, expected, message="", run=None):
    check(actual == expected, f"{message}: expected {expected!r}, got {actual!r}", run)


# ---- the server ---------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, status_duration_ms, api_key=API_KEY, tls_ca_out=None):
        self.process = subprocess.Popen(
            [SERVER_PROGRAM, "--control", "--api-key", api_key, "--status-duration-ms", str(status_duration_ms)]
            + (["--tls-ca-out", tls_ca_out] if tls_ca_out else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.base_url = self.process.stdout.readline().strip()  # the first line: the base URL
        if not self.base_url.startswith(("http://", "https://")):
            raise RuntimeError(f"trocco-fake-server did not start: {self.base_url!r}")
        self.lock = threading.Lock()

    def call(self, **command):
        with self.lock:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
            reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"server command {command}: {reply['error']}")
        return reply

    def fault(self, **spec):
        self.call(cmd="fault", **spec)

    def requests(self):
        return self.call(cmd="requests")["requests"]

    def job_ids(self):
        return self.call(cmd="job_ids")["ids"]

    def workflow_job_ids(self):
        return self.call(cmd="workflow_job_ids")["ids"]

    def clear(self):
        self.call(cmd="clear")

    def get(self, path):
        """What the API itself answers, read directly (for comparing with the tool's output)."""
        request = urllib.request.Request(self.base_url + path, headers={"Authorization": "Token " + API_KEY})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))

    def close(self):
        try:
            self.call(cmd="quit")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# ---- running the tool ---------------------------------------------------------------------------------------------

class Run:
    def __init__(self, args, code, out, err, seconds):
        self.args, self.code, self.out, self.err, self.seconds = args, code, out, err, seconds

    def describe(self):
        return (f"trocco {' '.join(self.args)} -> exit {self.code} in {self.seconds:.2f} s\n"
                f"  stdout: {self.out!r}\n  stderr: {self.err!r}")


def environment(key=API_KEY, base_url=None, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROCCO_")}
    env["LC_ALL"] = "C.UTF-8"
    if key is not None:
        env["TROCCO_API_KEY"] = key
    if base_url is not None:
        env["TROCCO_BASE_URL"] = base_url
    env.update(extra or {})
    return env


def record(run):
    with RUNS_LOCK:
        ALL_RUNS.append(run)
    for secret in SECRETS:
        check(secret not in run.out and secret not in run.err, "an API key appears in the output", run)
    return run


def trocco(args, server=None, key=API_KEY, env=None, timeout=90):
    """Runs the tool to completion. `server` adds --base-url."""
    full = (["--base-url", server.base_url] if server else []) + list(args)
    started = time.monotonic()
    p = subprocess.run([TROCCO] + full, env=env if env is not None else environment(key),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return record(Run(full, p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"),
                      time.monotonic() - started))


def start_trocco(args, server, key=API_KEY, sigint=signal.SIG_DFL):
    """Starts the tool in the background, with SIGINT's disposition `sigint` (whatever this runner inherited)."""
    full = ["--base-url", server.base_url] + list(args)
    p = subprocess.Popen([TROCCO] + full, env=environment(key), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    p.full_args = full
    return p


def read_line(stream, timeout):
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        return None
    return stream.readline().decode("utf-8")


def finish(p, already_out="", timeout=30):
    started = time.monotonic()
    out, err = p.communicate(timeout=timeout)
    return record(Run(p.full_args, p.returncode, already_out + out.decode("utf-8"), err.decode("utf-8"),
                      time.monotonic() - started))


def progress_lines(run):
    """The text of each plain progress line on stderr (after its timestamp); every line that is not an error or a
    note must be one, and no control character may appear (stderr is not a terminal here)."""
    check(not CONTROL.search(run.err), "a control character (carriage return, escape) on stderr", run)
    found = []
    for line in run.err.splitlines():
        if line.startswith("trocco:"):
            continue
        m = PLAIN_LINE.match(line)
        check(m is not None, f"malformed progress line {line!r}", run)
        found.append(m.group(2))
    return found


def status_lines(run):
    """The (kind, id, status) of each status-change line on stderr."""
    found = []
    for text in progress_lines(run):
        m = STATUS_LINE.match(text)
        if m and m.group(3) != "started":  # "job 7 started": the trigger's outcome, not a status
            found.append((m.group(1), int(m.group(2)), m.group(3)))
    return found


def single_json(run):
    check(run.out.endswith("\n") and run.out.count("\n") == 1, "stdout must be exactly one line of JSON", run)
    try:
        return json.loads(run.out)
    except ValueError as e:
        raise Failure(f"stdout is not JSON ({e})\n  {run.describe()}")


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_job_json(job, run, server=None):
    eq(list(job.keys()), JOB_FIELDS, "JSON fields of a job", run)
    for field in ("created_at", "started_at", "finished_at"):
        check(job[field] is None or RFC3339_UTC.match(job[field]), f"{field} is not RFC 3339 UTC", run)
    if server is not None:  # the tool reports what the API says
        api = server.get(f"/api/jobs/{job['id']}")
        for field in ("id", "job_definition_id", "job_definition_name", "status"):
            eq(job[field], api[field], f"{field} as the API has it", run)
        for field in ("created_at", "started_at", "finished_at"):
            if api.get(field) is None:
                eq(job[field], None, field, run)
            else:
                eq(instant(job[field]), instant(api[field]), f"{field} as the API has it", run)


def check_workflow_json(job, run):
    eq(list(job.keys()), PIPELINE_FIELDS, "JSON fields of a workflow job", run)
    for field in ("created_at", "started_at", "finished_at"):
        check(job[field] is None or RFC3339_UTC.match(job[field]), f"{field} is not RFC 3339 UTC", run)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


def test_api_refused_exit_5(ctx):
    server = ctx["fast"]
    r = trocco(["job", "run", "42"], server)
    job_id = int(r.out)
    server.clear()
    before = len(server.job_ids())

    r = trocco(["job", "get", str(job_id)], server, key=WRONG_KEY)
    eq(r.code, 5, "exit code of a 401", r)
    check("HTTP 401" in r.err and "Unauthorized" in r.err, "the server's message", r)
    eq(r.out, "", "nothing on stdout", r)
    r = trocco(["job", "run", "42", "--wait", "--json"], server, key=WRONG_KEY)
    eq(r.code, 5, "exit code of a refused run", r)
    eq(r.out, "", "nothing on stdout", r)
    eq(len(server.job_ids()), before, "no job was started")

    for args in (["job", "get", "999999"], ["job", "wait", "999999"], ["workflow", "get", "999999"],
                 ["workflow", "wait", "999999", "--json"]):
        r = trocco(args, server)
        eq(r.code, 5, "exit code of a 404", r)
        check("HTTP 404" in r.err and "Not found" in r.err, "the server's message", r)
        eq(r.out, "", "nothing on stdout", r)

    server.fault(kind="http_status", method="POST", path_prefix="/api/jobs", status=422,
                 body=json.dumps({"message": "ジョブ定義が見つかりません"}, ensure_ascii=False))
    r = trocco(["job", "run", "42", "--wait"], server)
    eq(r.code, 5, "exit code of a 422", r)
    check("ジョブ定義が見つかりません" in r.err, "the server's Japanese message", r)
    server.fault(kind="http_status", method="POST", path_prefix="/api/pipeline_jobs", status=400)
    r = trocco(["workflow", "run", "7"], server)
    eq(r.code, 5, "exit code of a 400", r)
    server.fault(kind="http_status", method="GET", status=403)
    r = trocco(["job", "get", str(job_id)], server)
    eq(r.code, 5, "exit code of a 403", r)

    # A server that echoes the key in its message: the tool prints it redacted.
    server.fault(kind="http_status", method="GET", status=401,
                 body=json.dumps({"message": f"invalid token {API_KEY} for this account"}))
    r = trocco(["job", "get", str(job_id)], server)
    eq(r.code, 5, "exit code", r)
    check("[redacted]" in r.err, "the echoed key is redacted", r)
    eq(len(server.job_ids()), before, "no job was started by any refused run")


def test_request_timeout(ctx):
    """--request-timeout reaches the transport: a read held by the server past it fails and is retried."""
    server = ctx["fast"]
    r = trocco(["job", "run", "42"], server)
    job_id = int(r.out)
    server.clear()
    server.fault(kind="delay", method="GET", delay_ms=3000)
    r = trocco(["job", "get", str(job_id), "--request-timeout", "0.5", "--json"], server)
    eq(r.code, 0, "exit code after the retried read", r)
    check(0.5 <= r.seconds < 2.5, "the first read was given up after 0.5 s", r)
    eq(single_json(r)["id"], job_id, "the job", r)
    eq(sum(1 for q in server.requests() if q["method"] == "GET"), 2, "the read was sent twice")
    server.clear()


def test_https_with_ca_file(ctx):
    """--ca-file makes the tool trust a server certificate signed by that CA."""
    with tempfile.TemporaryDirectory() as tmp:
        ca = os.path.join(tmp, "ca.pem")
        server = Server(50, tls_ca_out=ca)
        try:
            check(server.base_url.startswith("https://"), "the TLS server speaks HTTPS")
            r = trocco(["--ca-file", ca, "job", "run", "42", "--wait", "--poll-interval", "0.05", "--json"], server)
            eq(r.code, 0, "exit code over HTTPS", r)
            eq(single_json(r)["status"], "succeeded", "status", r)
        finally:
            server.close()


def test_unavailable_exit_6_fast(ctx):
    server = ctx["fast"]
    r = trocco(["job", "run", "42"], server)
    job_id = int(r.out)
    server.clear()
    # 429 on every read, with Retry-After: 0 - the retries happen at once, and run out.
    server.fault(kind="rate_limited", method="GET", times=-1, retry_after_seconds=0)
    r = trocco(["job", "get", str(job_id)], server)
    eq(r.code, 6, "exit code when the rate limit never clears", r)
    check("rate_limited" in r.err, "the error says so", r)
    eq(sum(1 for q in server.requests() if q["method"] == "GET"), 6, "the read was tried 6 times")
    server.clear()
    # An unreadable answer to a read is retried like any transient failure of a read (the exit code of one that
    # persists, 6, is covered by the unit tests of the exit codes: the retries' backoff would take half a minute).
    server.fault(kind="malformed_json", method="GET")
    r = trocco(["job", "wait", str(job_id), "--json"], server)
    eq(r.code, 0, "exit code after one unreadable answer, retried", r)
    eq(single_json(r)["id"], job_id, "the job", r)
    check(sum(1 for q in server.requests() if q["method"] == "GET") >= 2, "the unreadable read was sent again")
    server.clear()


def test_wait_timeout_exit_7(ctx):
    server = ctx["slow"]
    r = trocco(["job", "run", "42", "--wait", "--wait-timeout", "1", "--poll-interval", "0.2"], server)
    eq(r.code, 7, "exit code of a wait timeout", r)
    check(r.seconds < 5, "the timeout is honoured", r)
    job_id = server.job_ids()[-1]
    eq(r.out.splitlines()[0], str(job_id), "the id on stdout", r)
    check(f"wait again with: trocco job wait {job_id}" in r.err, "the message names the job", r)

    r = trocco(["job", "wait", str(job_id), "--wait-timeout", "0.5", "--poll-interval", "0.1", "--json"], server)
    eq(r.code, 7, "exit code of job wait's timeout", r)
    job = single_json(r)
    check_job_json(job, r)
    eq((job["id"], job["status"]), (job_id, "queued"), "the last job seen is printed", r)

    r = trocco(["workflow", "run", "7", "--wait", "--wait-timeout", "500ms", "--json"], server)
    eq(r.code, 7, "exit code of a workflow's wait timeout", r)
    eq(single_json(r)["id"], server.workflow_job_ids()[-1], "the workflow job id", r)


def test_outcome_unknown_exit_8(ctx):
    server = ctx["fast"]
    server.clear()
    before = server.job_ids()
    server.fault(kind="close_after_read", method="POST", path_prefix="/api/jobs")
    r = trocco(["job", "run", "42", "--wait"], server)
    eq(r.code, 8, "exit code when the connection closed after the trigger was read", r)
    check("do not blindly rerun" in r.err, "the message says not to rerun", r)
    check("definition 42" in r.err, "the message names the definition", r)
    eq(r.out, "", "nothing on stdout", r)
    eq(len(server.job_ids()), len(before) + 1, "the server did start a job: rerunning would start a second")
    eq(sum(1 for q in server.requests() if q["method"] == "POST"), 1, "the trigger was sent once")

    for status in (500, 503):
        server.clear()
        server.fault(kind="http_status", method="POST", status=status)
        r = trocco(["job", "run", "42", "--json"], server)
        eq(r.code, 8, f"exit code of a {status} to the trigger", r)
        check("do not blindly rerun" in r.err, "the message says not to rerun", r)
        eq(r.out, "", "nothing on stdout", r)
        eq(sum(1 for q in server.requests() if q["method"] == "POST"), 1, "the trigger was not retried")
    server.clear()
    server.fault(kind="close_after_read", method="POST", path_prefix="/api/pipeline_jobs")
    r = trocco(["workflow", "run", "7", "--wait"], server)
    eq(r.code, 8, "exit code of a workflow trigger with an unknown outcome", r)
    server.clear()


def interrupt(ctx, args, sig, server, json_mode=False, delay=0.4):
    """Starts the tool, waits until it is waiting, sends `sig`, and returns (run, seconds to exit)."""
    p = start_trocco(args, server)
    first = ""
    if not json_mode:
        first = read_line(p.stdout, 10) or ""
        check(first.strip().isdigit(), f"the job id arrives on stdout before the job finishes (got {first!r})")
    time.sleep(delay)
    check(p.poll() is None, "still waiting before the signal")
    sent = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    took = time.monotonic() - sent
    return finish(p, first), took, first.strip()


def test_interrupted_exit_130(ctx):
    server = ctx["slow"]
    # SIGINT while sleeping between polls (the default schedule: 5 s before the first poll).
    r, took, job_id = interrupt(ctx, ["job", "run", "42", "--wait"], signal.SIGINT, server)
    eq(r.code, 130, "exit code on SIGINT", r)
    check(took < 1.0, f"exits within a second of SIGINT (took {took:.3f} s)", r)
    check(f"job {job_id} keeps running" in r.err, "the message names the job that keeps running", r)

    # SIGTERM during `job wait`.
    r, took, _ = interrupt(ctx, ["job", "wait", job_id, "--poll-interval", "0.3", "--json"], signal.SIGTERM,
                           server, json_mode=True)
    eq(r.code, 143, "exit code on SIGTERM", r)
    check(took < 1.0, f"exits within a second of SIGTERM (took {took:.3f} s)", r)
    check(f"interrupted by SIGTERM; job {job_id} keeps running" in r.err, "the message names the job", r)
    job = single_json(r)
    eq((job["id"], job["status"]), (int(job_id), "queued"), "--json: the last job seen", r)

    # A SIGINT ignored since the start (a background job of a non-interactive shell) stays ignored; SIGTERM works.
    p = start_trocco(["job", "wait", job_id], server, sigint=signal.SIG_IGN)
    time.sleep(0.4)
    p.send_signal(signal.SIGINT)
    time.sleep(0.4)
    if p.poll() is not None:
        raise Failure("an inherited SIG_IGN for SIGINT must be respected\n  " + finish(p).describe())
    sent = time.monotonic()
    p.send_signal(signal.SIGTERM)
    r = finish(p)
    took = time.monotonic() - sent
    eq(r.code, 143, "exit code on SIGTERM", r)
    check(took < 1.0, f"exits within a second of SIGTERM (took {took:.3f} s)", r)

    # SIGINT while a request is in flight (the server holds every read for 30 s).
    server.fault(kind="delay", method="GET", times=-1, delay_ms=30000)
    r, took, _ = interrupt(ctx, ["workflow", "run", "7", "--wait", "--poll-interval", "0.1"], signal.SIGINT,
                           server, delay=0.6)
    server.clear()
    eq(r.code, 130, "exit code on SIGINT during a request", r)
    check(took < 1.0, f"exits within a second of SIGINT during a request (took {took:.3f} s)", r)
    check("workflow job" in r.err and "keeps running" in r.err, "the message names the workflow job", r)


# ---- slow: the retry policy's backoff really runs ---------------------------------------------------------------

def test_workflow_outcomes_exit_codes(ctx):
    """A workflow's `error` is final only after two confirming polls 10 s apart: each case takes 20 s or more, so
    they run in parallel, in the slow group."""
    server = ctx["fast"]
    cases = ((8, "error", 1), (9, "error_then_retry", 0), (10, "canceled", 3), (11, "skipped", 4))
    failures = []

    def one(definition, outcome, code):
        try:
            r = trocco(["workflow", "run", str(definition), "--wait", "--json", "--poll-interval", "0.05"], server)
            eq(r.code, code, f"exit code of a workflow that ended {outcome}", r)
            job = single_json(r)
            check_workflow_json(job, r)
            eq(job["status"], "succeeded" if outcome == "error_then_retry" else outcome, "final workflow status", r)
            if outcome == "error_then_retry":
                statuses = [s for (_, _, s) in status_lines(r)]
                check("error" in statuses, "the transient error was seen and waited through", r)
            if outcome == "error":
                check("confirming that it is final" in r.err, "the error confirmation is said", r)
            r = trocco(["workflow", "wait", str(job["id"]), "--poll-interval", "0.05"], server)
            eq(r.code, code, f"workflow wait on a workflow that ended {outcome}", r)
            r = trocco(["workflow", "get", str(job["id"])], server)
            eq(r.code, 0, "workflow get", r)
            check(r.out.startswith(f"workflow job {job['id']} "), "workflow get's summary", r)
        except Exception as e:
            failures.append(f"{outcome}: {e}")

    for definition, outcome, _ in cases:
        server.call(cmd="workflow_outcome", definition_id=definition, outcome=outcome)
    threads = [threading.Thread(target=one, args=case) for case in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not failures, "; ".join(failures))


def test_unavailable_exit_6_slow(ctx):
    server = ctx["fast"]
    r = trocco(["job", "run", "42"], server)
    job_id = int(r.out)
    server.clear()
    server.fault(kind="http_status", method="GET", status=503, times=-1)
    results = {}

    def refused():
        results["refused"] = trocco(["--base-url", f"http://127.0.0.1:{closed_port()}", "job", "get", "1"])

    def failing():
        results["503"] = trocco(["job", "wait", str(job_id), "--poll-interval", "0.05"], server)

    tmp = tempfile.TemporaryDirectory()
    tls = Server(50, tls_ca_out=os.path.join(tmp.name, "ca.pem"))

    def untrusted():  # the same HTTPS server, without --ca-file: its certificate is not trusted
        results["untrusted"] = trocco(["job", "run", "42"], tls)

    threads = [threading.Thread(target=f) for f in (refused, failing, untrusted)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.clear()
    jobs_started_over_tls = tls.job_ids()
    tls.close()
    tmp.cleanup()
    r = results["untrusted"]
    eq(r.code, 6, "exit code when the server's certificate is not trusted", r)
    check("connect_failed" in r.err, "the error says the connection failed", r)
    eq(jobs_started_over_tls, [], "no job was started")
    r = results["refused"]
    eq(r.code, 6, "exit code when nothing listens", r)
    check("connect_failed" in r.err, "the error says the connection failed", r)
    r = results["503"]
    eq(r.code, 6, "exit code of a server error after retries", r)
    check("HTTP 503" in r.err, "the error has the status", r)
    check(f"wait again with: trocco job wait {job_id}" in r.err, "the message names the job", r)


GROUPS = {
    "fast": [test_version, test_help_for_every_command, test_usage_errors_exit_2, test_api_key_sources,
             test_run_without_wait, test_run_and_wait_human, test_run_and_wait_json, test_custom_variables_exact,
             test_job_outcomes_exit_codes, test_get_and_wait, test_api_refused_exit_5, test_request_timeout,
             test_https_with_ca_file, test_unavailable_exit_6_fast,
             test_wait_timeout_exit_7, test_outcome_unknown_exit_8, test_interrupted_exit_130],
    "slow": [test_unavailable_exit_6_slow, test_workflow_outcomes_exit_codes],
}


def main():
    global TROCCO, SERVER_PROGRAM
    parser = argparse.ArgumentParser()
    parser.add_argument("--trocco", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--group", choices=sorted(GROUPS) + ["all"], default="all")
    parser.add_argument("tests", nargs="*", help="run only these tests (names)")
    options = parser.parse_args()
    TROCCO, SERVER_PROGRAM = options.trocco, options.server

    tests = [t for g in (sorted(GROUPS) if options.group == "all" else [options.group]) for t in GROUPS[g]]
    if options.tests:
        tests = [t for t in tests if t.__name__ in options.tests]
    ctx = {"fast": Server(200), "slow": Server(60000)}
    failed = []
    try:
        for test in tests:
            started = time.monotonic()
            for server in ctx.values():  # a failed test must not leave its faults to the next one
                server.clear()
            try:
                test(ctx)
                print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception as e:
                failed.append(test.__name__)
                print(f"FAIL {test.__name__}: {e}", flush=True)
                if not isinstance(e, Failure):
                    traceback.print_exc()
    finally:
        for server in ctx.values():
            server.close()

    # The key never appears anywhere: checked per run above, and once more over everything.
    leaks = [r for r in ALL_RUNS if any(s in r.out or s in r.err for s in SECRETS)]
    if leaks:
        failed.append("api key leak")
        print(f"FAIL the API key appeared in {len(leaks)} runs' output", flush=True)
    print(f"{len(tests) - len(failed)} of {len(tests)} tests passed; {len(ALL_RUNS)} runs of trocco"
          + ("" if leaks else ", the API key in none of their output"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
