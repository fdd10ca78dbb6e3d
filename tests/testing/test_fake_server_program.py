#!/usr/bin/env python3
"""Tests of the trocco-fake-server program: its switches, its control channel, its TLS variants, its exit.

    test_fake_server_program.py PATH_TO_TROCCO_FAKE_SERVER

The library behind it has its own C++ tests; these check that every switch reaches it and that the program
behaves as a shell user expects (one line with the base URL, exit codes, --help).
"""

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

PROGRAM = ""
KEY = "program-test-key"
FAULT_KINDS = ["delay", "http_status", "rate_limited", "close_before_read", "close_after_read", "truncated_body",
               "malformed_json", "unknown_status", "reset_before_read", "reset_after_read", "interim_responses",
               "trickle", "huge_body", "truncated_chunked", "malformed_status_line", "other_job", "absurd_headers",
               "malformed_page"]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Program:
    """trocco-fake-server running with `args`; stops it on close()."""

    def __init__(self, *args, control=False, may_fail_to_start=False):
        self.process = subprocess.Popen([PROGRAM, "--api-key", KEY] + (["--control"] if control else []) + list(args),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.base_url = self.process.stdout.readline().strip()
        if may_fail_to_start and not self.base_url:
            return
        check(self.base_url.startswith(("http://", "https://")), f"first line is the base URL: {self.base_url!r}")

    def call(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def get(self, path, context=None):
        """(status, headers, JSON body or None) of GET path."""
        request = urllib.request.Request(self.base_url + path, headers={"Authorization": "Token " + KEY})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as r:
                return r.status, r.headers, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read() or b"null")

    def post(self, path):
        request = urllib.request.Request(self.base_url + path, data=b"{}", method="POST",
                                         headers={"Authorization": "Token " + KEY, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def close(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise Failure("the program did not exit on a signal")
        return code


def run(*args):
    return subprocess.run([PROGRAM] + list(args), capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def test_help_documents_every_switch_and_fault():
    r = run("--help")
    check(r.returncode == 0 and r.stderr == "", "--help exits 0 quietly")
    for switch in ["--host", "--port", "--api-key", "--status-duration-ms", "--keep-alive-timeout-ms", "--rate-limit",
                   "--tls-ca-out", "--tls-certificate", "--tls-cert-file", "--tls-key-file", "--job-outcome",
                   "--workflow-outcome", "--job-name", "--definition", "--seed-job", "--fault", "--control"]:
        check(switch in r.stdout, f"--help documents {switch}")
    for kind in FAULT_KINDS:
        check(f"    {kind} " in r.stdout, f"--help documents the fault {kind}")


def test_bad_switches_exit_2():
    for args, says in [(["--bogus"], "unknown option"), (["--port"], "needs a value"), (["--port", "70000"], "--port"),
                       (["--fault", "kind=teapot"], "not a fault kind"), (["--fault", "status=503"], "kind"),
                       (["--definition", "kind=job"], "id"), (["--seed-job", "status=error"], "definition"),
                       (["--job-outcome", "42=exploded"], "OUTCOME"), (["--rate-limit", "0"], "--rate-limit"),
                       (["--tls-certificate", "expired"], "--tls-ca-out"), (["--tls-cert-file", "/x"], "go together")]:
        r = run(*args)
        check(r.returncode == 2, f"{args}: exit 2, got {r.returncode}")
        check(says in r.stderr, f"{args}: the message says {says!r}: {r.stderr!r}")
        check(r.stdout == "", f"{args}: nothing on stdout")


def test_command_line_faults_outcomes_definitions_and_history():
    p = Program("--status-duration-ms", "0", "--job-outcome", "42=error", "--job-name", "42=orders",
                "--fault", "kind=http_status,status=503,times=2,method=GET,path=/api/jobs/",
                "--fault", 'kind=http_status,status=418,path=/api/pipeline_definitions,body={"message":"a, b"}',
                "--definition", "kind=job,id=42,name=orders,description=nightly,label=1:prod",
                "--definition", "kind=datamart,id=3,name=mart",
                "--seed-job", "definition=42,status=skipped,created_at=now-3600,id=7")
    try:
        status, job = p.post("/api/jobs?job_definition_id=42")
        check(status == 200 and job["job_definition_name"] == "orders", f"POST: {status} {job}")
        for _ in range(2):
            check(p.get(f"/api/jobs/{job['id']}")[0] == 503, "the --fault applies to the first two GETs")
        status, _, body = p.get(f"/api/jobs/{job['id']}")
        check(status == 200 and body["status"] == "error", f"then the --job-outcome: {status} {body}")
        status, _, body = p.get("/api/pipeline_definitions")
        check(status == 418 and body == {"message": "a, b"}, f"a body with a comma: {status} {body}")
        status, _, body = p.get("/api/job_definitions?name=ORD")
        check(body["items"][0]["labels"] == [{"id": 1, "name": "prod"}], f"--definition: {body}")
        check(p.get("/api/datamart_definitions")[2]["items"][0]["name"] == "mart", "a datamart --definition")
        status, _, body = p.get("/api/job_definitions/42/jobs")
        check([i["id"] for i in body["items"]] == [7, job["id"]], f"--seed-job in the history: {body}")
        check(body["items"][0]["status"] == "skipped", "the seeded status")
    finally:
        check(p.close() == 0, "exit 0 on SIGTERM")


def test_rate_limit_is_enforced():
    p = Program("--rate-limit", "2/60")
    try:
        check(p.get("/api/jobs/1")[1]["X-Rate-Limit-Remaining"] == "1", "counts down")
        p.get("/api/jobs/1")
        status, headers, _ = p.get("/api/jobs/1")
        check(status == 429 and 0 < int(headers["X-Rate-Limit-Reset"]) - time.time() <= 61,
              f"429 beyond the limit, with the window's end: {status}")
    finally:
        check(p.close(signal.SIGINT) == 0, "exit 0 on SIGINT")


def test_control_channel():
    p = Program("--status-duration-ms", "0", control=True)
    try:
        check(p.call(cmd="fault", kind="rate_limited", method="GET", retry_after="http_date",
                     retry_after_seconds=5) == {"ok": True}, "fault")
        check(p.call(cmd="pending_faults") == {"pending": 1}, "pending_faults")
        status, headers, _ = p.get("/api/jobs/1")
        check(status == 429 and headers["Retry-After"].endswith(" GMT"), "the injected 429 with an HTTP date")
        check(p.call(cmd="fault", kind="absurd_headers", headers=[["X-Rate-Limit-Remaining", "-1"]]) == {"ok": True},
              "fault with headers")
        check(p.get("/api/jobs/1")[1]["X-Rate-Limit-Remaining"] == "-1", "the header was replaced")
        check(p.call(cmd="workflow_outcome", definition_id=7, outcome="canceled") == {"ok": True}, "workflow_outcome")
        check(p.call(cmd="definition", kind="workflow", id=7, name="daily", labels=[{"id": 2, "name": "x"}])
              == {"ok": True}, "definition")
        seeded = p.call(cmd="seed_job", definition=42, status="error", created_at="now-60")
        check(seeded == {"id": 100001}, f"seed_job: {seeded}")
        check("error" in p.call(cmd="seed_job", definition=42, id=100001), "a seeded id twice is an error")
        status, job = p.post("/api/pipeline_jobs?pipeline_definition_id=7")
        check(job["name"] == "daily", "the registered definition names its jobs")
        check(p.get(f"/api/pipeline_jobs/{job['id']}")[2]["status"] == "canceled", "the outcome")
        check(p.call(cmd="workflow_job_ids") == {"ids": [job["id"]]}, "workflow_job_ids")
        check(p.call(cmd="job_ids") == {"ids": [100001]}, "job_ids")
        params = p.call(cmd="workflow_params", job_id=job["id"])["params"]
        check(params["custom_variables"] == [] and params["context_time"] is None, f"params: {params}")
        check(p.call(cmd="datamart_params", job_id=1) == {"params": None}, "no such datamart job")
        requests = p.call(cmd="requests")["requests"]
        check(len(requests) == 4 and requests[-1]["method"] == "GET", f"requests: {len(requests)}")
        check(p.call(cmd="connections")["accepted"] >= 4, "connections")
        check(p.call(cmd="clear") == {"ok": True}, "clear")
        check(p.call(cmd="requests") == {"requests": []}, "cleared")
        for bad in [{"cmd": "fault", "kind": "teapot"}, {"cmd": "fault", "kind": "delay", "times": [1]},
                    {"cmd": "job_outcome", "definition_id": 1}, {"cmd": "nope"}, {"nocmd": 1}]:
            check("error" in p.call(**bad), f"{bad} is an error")
        p.process.stdin.write("this is not JSON\n")
        p.process.stdin.flush()
        check(json.loads(p.process.stdout.readline()) == {"error": "not JSON"}, "not JSON")
        check(p.call(cmd="quit") == {"ok": True}, "quit")
        check(p.process.wait(timeout=10) == 0, "exit 0 after quit")
    finally:
        p.close()


def test_end_of_control_input_stops_it():
    p = Program(control=True)
    p.process.stdin.close()
    check(p.process.wait(timeout=10) == 0, "exit 0 at the end of the control input")


def test_tls_variants():
    with tempfile.TemporaryDirectory() as tmp:
        ca = os.path.join(tmp, "ca.pem")
        for variant, verifies in [("valid", True), ("expired", False), ("wrong-host", False)]:
            p = Program("--tls-ca-out", ca, "--tls-certificate", variant)
            try:
                check(p.base_url.startswith("https://"), "HTTPS")
                context = ssl.create_default_context(cafile=ca)
                try:
                    status = p.get("/api/jobs/1", context)[0]
                    check(verifies and status == 404, f"{variant}: served")
                except urllib.error.URLError as e:
                    check(not verifies and isinstance(e.reason, ssl.SSLCertVerificationError),
                          f"{variant}: {e.reason!r}")
            finally:
                p.close()
        # Own certificate files (made with the openssl command, when there is one): self-signed, so trusted as such.
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                               "-days", "1", "-keyout", key, "-out", cert],
                              capture_output=True) if shutil.which("openssl") else None
        if made is not None and made.returncode == 0:
            p = Program("--tls-cert-file", cert, "--tls-key-file", key)
            try:
                status = p.get("/api/jobs/1", ssl.create_default_context(cafile=cert))[0]
                check(status == 404, "served with the given certificate files")
            finally:
                p.close()


def test_base_url_line_and_port():
    # A port found free can be taken by a test program running in parallel before the server binds it; then the
    # server exits without a base URL line, and the test tries another port.
    for _ in range(5):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = Program("--port", str(port), may_fail_to_start=True)
        if p.base_url:
            break
        p.close()
    try:
        check(p.base_url == f"http://127.0.0.1:{port}", f"the base URL names the port: {p.base_url}")
    finally:
        p.close()
    r = subprocess.run([PROGRAM, "--port", str(port), "--host", "256.1.1.1"], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 1 and "trocco-fake-server:" in r.stderr, f"cannot start: exit 1 ({r.returncode})")


TESTS = [test_help_documents_every_switch_and_fault, test_bad_switches_exit_2,
         test_command_line_faults_outcomes_definitions_and_history, test_rate_limit_is_enforced, test_control_channel,
         test_end_of_control_input_stops_it, test_tls_variants, test_base_url_line_and_port]


def main():
    global PROGRAM
    PROGRAM = sys.argv[1]
    failed = 0
    for test in TESTS:
        started = time.monotonic()
        try:
            test()
            print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
        except Exception as e:
            failed += 1
            print(f"FAIL {test.__name__}: {e}", flush=True)
            if not isinstance(e, Failure):
                traceback.print_exc()
    print(f"{len(TESTS) - failed} of {len(TESTS)} tests passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
