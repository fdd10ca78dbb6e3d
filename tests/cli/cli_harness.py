"""Shared harness of the end-to-end tests of the `trocco` command-line tool: the fake server driven over its
--control channel, running the tool with a controlled environment, and checks of its output. Every run's stdout
and stderr are checked not to contain the API key.

Why Python rather than a C++ harness: these tests are about a process - exit codes, what goes to stdout and what
to stderr, environment variables, files, signals, terminals and timing - and the standard library's subprocess,
signal, pty and json modules say that directly. The server side stays in C++ so that faults are injected
in-process.
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

TROCCO = ""  # set by main()
SERVER_PROGRAM = ""
DNS_SHIM = ""  # the LD_PRELOAD getaddrinfo shim of tests/support (empty: the tests that need it are skipped)
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


def record(run, on_terminal=False):
    """Keeps the run for the final check, and checks it now: the key in neither stream; and unless stderr was a
    terminal or the live line was forced (--progress tty), no control character on stderr but the newline (the
    plain progress of a pipe: no carriage returns, no escape sequences)."""
    with RUNS_LOCK:
        ALL_RUNS.append(run)
    for secret in SECRETS:
        check(secret not in run.out and secret not in run.err, "an API key appears in the output", run)
    forced_live = any(a == "tty" and b == "--progress" for b, a in zip(run.args, run.args[1:]))
    if not on_terminal and not forced_live:
        check(not CONTROL.search(run.err), "a control character (carriage return, escape) on stderr", run)
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


_REFUSING_SOCKETS = []


def closed_port():
    """A loopback port at which a connect is refused, reserved while the tests run: the socket stays bound, not
    listening and without SO_REUSEADDR, so a server of a test program running in parallel cannot be given the port
    (a port bound and then released can be, and the "refused" connect then reaches that server)."""
    if not _REFUSING_SOCKETS:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        _REFUSING_SOCKETS.append(s)
    return _REFUSING_SOCKETS[0].getsockname()[1]


# ---- running the tests --------------------------------------------------------------------------------------------

def main(GROUPS):
    """Runs the tests of GROUPS (name -> list of test functions) named on the command line."""
    global TROCCO, SERVER_PROGRAM, DNS_SHIM
    parser = argparse.ArgumentParser()
    parser.add_argument("--trocco", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--dns-shim", default="")
    parser.add_argument("--group", choices=sorted(GROUPS) + ["all"], default="all")
    parser.add_argument("tests", nargs="*", help="run only these tests (names)")
    options = parser.parse_args()
    TROCCO, SERVER_PROGRAM, DNS_SHIM = options.trocco, options.server, options.dns_shim

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
