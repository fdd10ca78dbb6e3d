"""End-to-end tests of the `trocco` tool: refusals, timeouts, unknown outcomes, signals, unavailability."""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

from cli_harness import (API_KEY, WRONG_KEY, Failure, Server, check, check_job_json, check_workflow_json,
                         closed_port, environment, eq, finish, progress_lines, read_line, single_json,
                         start_trocco, status_lines, trocco)


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
    r, took = signal_and_finish(p, sig, first)
    return r, took, first.strip()


def signal_and_finish(p, sig, first=""):
    """Sends `sig` to the running tool and returns (run, seconds from the signal to its exit); killed after 5 s."""
    sent = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    took = time.monotonic() - sent
    return finish(p, first), took


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
    r, took = signal_and_finish(p, signal.SIGTERM)
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


def test_stop_says_whether_the_job_started(ctx):
    """A stop before the job id is known says "not started" when nothing was sent (here: during a stalled DNS
    lookup, through the getaddrinfo shim) and "may have started" when the run was sent (the server holds it)."""
    import cli_harness
    if cli_harness.DNS_SHIM:
        # Without the shim the name would go to the system's resolver: never let that happen silently.
        check(os.path.isfile(cli_harness.DNS_SHIM), f"the DNS shim {cli_harness.DNS_SHIM} exists")
        env = environment(API_KEY, extra={"LD_PRELOAD": cli_harness.DNS_SHIM,
                                          "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=1"})
        full = ["--base-url", "http://sleep-3000.invalid:9", "job", "run", "42", "--wait"]
        p = subprocess.Popen([cli_harness.TROCCO] + full, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.full_args = full
        time.sleep(0.5)
        check(p.poll() is None, "still resolving before the signal")
        r, took = signal_and_finish(p, signal.SIGTERM)
        eq(r.code, 143, "exit code on SIGTERM during the lookup", r)
        check(took < 2.0, f"exits promptly (took {took:.3f} s)", r)
        check("interrupted by SIGTERM; the job was not started (nothing was sent)" in r.err, "says: not started", r)
        eq(r.out, "", "no job id", r)
    else:
        print("     (skipped the DNS part: no --dns-shim)", flush=True)

    server = ctx["slow"]
    server.clear()
    server.fault(kind="delay", method="POST", delay_ms=30000)
    p = start_trocco(["job", "run", "42", "--wait", "--poll-interval", "1s"], server)
    time.sleep(0.6)
    check(p.poll() is None, "still waiting for the run's answer before the signal")
    p.send_signal(signal.SIGINT)
    r = finish(p)
    server.clear()
    eq(r.code, 130, "exit code on SIGINT while the run is answered", r)
    check("interrupted by SIGINT; the job may have started" in r.err, "says: may have started", r)
    check("not started" not in r.err, "never says not started then", r)

