#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the canned answers of the core and
client tests. Run it after changing a target's input format; the files it writes are committed.

fuzz_response_parsers, fuzz_timestamps and fuzz_url read their input plainly (see each target's head comment).
fuzz_headers and fuzz_client decode theirs with libFuzzer's FuzzedDataProvider, which takes strings from the front
of the input and integers from the back; `Provider` below writes that encoding, and each seed is spelled in the
order of the target's Consume calls (client_scenario.hpp, fuzz_headers.cpp): keep them in step.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class Provider:
    """Builds an input that FuzzedDataProvider decodes into the values given, call for call."""

    def __init__(self):
        self.front = bytearray()
        self.tail = bytearray()  # in the order the provider consumes it (from the end of the input)

    def int_in_range(self, lo, hi, value, width=8):
        assert lo <= value <= hi, (lo, hi, value)
        span = hi - lo
        count = 0
        while count < width and (span >> (8 * count)) > 0:
            count += 1
        self.tail += (value - lo).to_bytes(count, "big") if count else b""
        return self

    def integral(self, value, width, signed):
        lo = -(1 << (8 * width - 1)) if signed else 0
        return self.int_in_range(lo, lo + (1 << (8 * width)) - 1, value, width)

    def boolean(self, value):
        self.tail.append(1 if value else 0)
        return self

    def pick(self, options, value):
        return self.int_in_range(0, len(options) - 1, options.index(value))

    def string(self, text, max_length):
        data = text.encode() if isinstance(text, str) else bytes(text)
        assert len(data) <= max_length
        for b in data:
            self.front += b"\\\\" if b == 0x5C else bytes([b])
        if len(data) < max_length:
            self.front += b"\\ "  # the terminator: a backslash and any other byte
        return self

    def data(self):
        return bytes(self.front) + bytes(reversed(self.tail))


# --- shared pieces (fuzz_support.hpp) ----------------------------------------------------------------------------

STATUSES = [200, 201, 202, 204, 299, 100, 101, 103, 199, 300, 304, 399, 400, 401, 403, 404, 405, 408, 409, 422, 429,
            451, 499, 500, 501, 502, 503, 504, 599, 600, 0, -1, 999, 1000, -2**31, 2**31 - 1]
HEADER_NAMES = ["Retry-After", "retry-after", "RETRY-AFTER", "X-Rate-Limit-Reset", "x-rate-limit-reset",
                "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "Content-Type", "Date"]


def status(p, code):
    if code in STATUSES:
        p.boolean(True).pick(STATUSES, code)
    else:
        p.boolean(False).integral(code, 4, True)


def header_value(p, value):
    """`value`: ("seconds", n) | ("reset", delta) | ("date", y, mo, d, h, mi, s) | ("text", str)."""
    kind = value[0]
    if kind == "seconds":
        p.int_in_range(0, 5, 0).int_in_range(0, 100000, value[1])
    elif kind == "reset":
        p.int_in_range(0, 5, 1).int_in_range(-100000, 100000, value[1])
    elif kind == "date":
        p.int_in_range(0, 5, 3)
        for (lo, hi), v in zip([(0, 9999), (1, 12), (0, 32), (0, 24), (0, 60), (0, 60)], value[1:]):
            p.int_in_range(lo, hi, v)
    else:
        p.int_in_range(0, 5, 5).string(value[1], 40)


def headers(p, items, max_count):
    p.int_in_range(0, max_count, len(items))
    for name, value in items:
        if name in HEADER_NAMES:
            p.boolean(True).pick(HEADER_NAMES, name)
        else:
            p.boolean(False).string(name, 24)
        header_value(p, value)


# --- fuzz_client (client_scenario.hpp) ---------------------------------------------------------------------------

OPERATIONS = ["run_and_wait_job", "run_and_wait_workflow", "wait_job", "wait_workflow_job", "get_job",
              "get_workflow_job", "run_job", "run_workflow"]
JOB_STATUSES = ["queued", "setting_up", "executing", "interrupting", "succeeded", "error", "canceled", "skipped",
                "retry_waiting", "unknown", "Succeeded", ""]
ERRC = ["invalid_argument", "bad_request", "unauthorized", "forbidden", "not_found", "rate_limited", "server_error",
        "http_error", "protocol_error", "connect_failed", "transport_failure", "outcome_unknown", "wait_timeout",
        "canceled", "job_failed", "job_canceled", "job_skipped"]


def client_seed(op, steps, deferred=False, definition_id=42, job_id=7, wait=None, stop=0, retry=None):
    """`steps`: ("job", status) | ("http", code, [headers], body) | ("error", errc, nothing_sent)."""
    p = Provider()
    p.int_in_range(0, 7, OPERATIONS.index(op)).boolean(deferred)
    if retry is None:
        p.boolean(True)
    else:
        p.boolean(False)
        p.int_in_range(0, 6, retry["max_attempts"]).int_in_range(0, 30000, retry["initial_backoff"])
        p.int_in_range(0, 40, retry["multiplier10"]).int_in_range(0, 60000, retry["max_backoff"])
        p.int_in_range(0, 3, 3 if retry.get("max_server_wait") == "max" else 0)
    p.int_in_range(0, 2, 1)  # random: always 0 (no jitter, no backoff)
    p.integral(0, 8, False)
    triggers = op.startswith("run")
    waits = "wait" in op
    workflow = "workflow" in op
    p.int_in_range(-1, 1000000, definition_id if triggers else job_id)
    if triggers:
        p.int_in_range(1, 1000000, job_id)
    p.int_in_range(-1000000000, 1000000000, 0)
    if triggers:
        p.int_in_range(0, 2, 0).int_in_range(0, 2, 0)  # no context_time, no time_zone
        if not workflow:
            p.int_in_range(0, 2, 0)
    if waits:
        w = {"first_delay": 5000, "growth10": 15, "max_delay": 30000, "jitter100": 0, "timeout": None,
             "grace": 60000, "confirmations": 2, "confirmation_delay": 10000, "callback": 1, "on_triggered": True}
        w.update(wait or {})
        p.int_in_range(-1, 60000, w["first_delay"]).int_in_range(0, 30, w["growth10"])
        p.int_in_range(0, 120000, w["max_delay"]).int_in_range(0, 100, w["jitter100"])
        if w["timeout"] is None:
            p.int_in_range(0, 2, 2)
        else:
            p.int_in_range(0, 2, 0).int_in_range(-1, 7200000, w["timeout"])
        p.int_in_range(0, 120000, w["grace"]).int_in_range(-1, 4, w["confirmations"])
        p.int_in_range(0, 30000, w["confirmation_delay"]).int_in_range(0, 3, w["callback"])
        p.boolean(w["on_triggered"])
    if stop == -1:  # stopped before the call
        p.int_in_range(0, 3, 2)
    elif stop:
        p.int_in_range(0, 3, 3).int_in_range(1, 96, stop)
    else:
        p.int_in_range(0, 3, 0)
    for s in steps:
        if s[0] == "job":
            p.int_in_range(0, 4, 0).int_in_range(0, 5, 0).pick(JOB_STATUSES, s[1])
        elif s[0] == "http":
            p.int_in_range(0, 4, 4)
            status(p, s[1])
            headers(p, s[2], 3)
            p.string(s[3], 256)
        else:
            p.int_in_range(0, 4, 3).int_in_range(1, 17, ERRC.index(s[1]) + 1).boolean(s[2]).boolean(False)
        p.int_in_range(0, 60000, 250 if deferred else 0)
    return p.data()


def job_body(job_id, st, definition_id=42):
    return json.dumps({"id": job_id, "job_definition_id": definition_id, "job_definition_name": "daily load",
                       "status": st}, separators=(",", ":"))


def pipeline_body(job_id, st, definition_id=42):
    return json.dumps({"id": job_id, "pipeline_definition_id": definition_id, "name": "nightly", "status": st},
                      separators=(",", ":"))


def client_seeds():
    seeds = {
        "run_and_wait_succeeded": client_seed("run_and_wait_job", [("job", "queued"), ("job", "executing"),
                                                                   ("job", "succeeded")]),
        "run_and_wait_deferred_failed": client_seed("run_and_wait_job", [("job", "queued"), ("job", "error")],
                                                    deferred=True),
        "workflow_error_then_retry": client_seed("run_and_wait_workflow",
                                                 [("job", "queued"), ("job", "error"), ("job", "retry_waiting"),
                                                  ("job", "queued"), ("job", "succeeded")]),
        "workflow_error_confirmed": client_seed("wait_workflow_job", [("job", "error"), ("job", "error"),
                                                                      ("job", "error")], deferred=True),
        "wait_not_found": client_seed("wait_job", [("http", 404, [], '{"message":"Not found"}')]),
        "run_and_wait_404_grace": client_seed("run_and_wait_job",
                                              [("job", "queued"), ("http", 404, [], '{"message":"Not found"}'),
                                               ("job", "succeeded")]),
        "get_503_retry_after": client_seed("get_job", [("http", 503, [("Retry-After", ("seconds", 1))], ""),
                                                       ("http", 200, [], job_body(7, "succeeded"))]),
        "get_500_burst": client_seed("get_job", [("http", 500, [], ""), ("http", 502, [], "<html>bad gateway</html>"),
                                                 ("http", 504, [], ""), ("http", 200, [], job_body(7, "executing"))]),
        "run_transport_failure": client_seed("run_job", [("error", "transport_failure", False),
                                                         ("job", "queued")]),
        "run_connect_failed_then_429": client_seed(
            "run_job", [("error", "connect_failed", True),
                        ("http", 429, [("Retry-After", ("date", 2026, 1, 1, 0, 0, 30))], '{"message":"rate limited"}'),
                        ("http", 429, [("X-Rate-Limit-Reset", ("reset", 20))], ""), ("job", "queued")]),
        "run_unreadable_answer": client_seed("run_workflow", [("http", 200, [], '{"id":1,"status":')]),
        "run_refused": client_seed("run_job", [("http", 422, [], json.dumps(
            {"message": "invalid", "errors": [{"attribute": "context_time", "message": "is invalid"}]}))]),
        "run_echoes_key": client_seed("run_job", [("http", 401, [], json.dumps(
            {"error": "bad key tra_FUZZ_k3y_9f8e7d6c5b4a"}))]),
        "wait_timeout": client_seed("wait_job", [("job", "queued")] * 4, wait={"timeout": 12000}),
        "wait_stopped": client_seed("wait_job", [("job", "queued"), ("job", "executing"), ("job", "succeeded")],
                                    deferred=True, stop=3),
        "wait_unknown_status": client_seed("wait_job", [("http", 200, [], job_body(7, "paused")),
                                                        ("http", 200, [], job_body(7, "canceled"))]),
        "workflow_skipped": client_seed("wait_workflow_job", [("http", 200, [], pipeline_body(7, "skipped"))]),
        "get_retries_exhausted": client_seed("get_job", [("error", "transport_failure", False)] * 3,
                                             retry={"max_attempts": 3, "initial_backoff": 100, "multiplier10": 20,
                                                    "max_backoff": 1000}),
        "transport_invalid_argument": client_seed("get_job", [("error", "invalid_argument", False)]),
        # Reproducers of bugs fixed on main (6a115ae): kept as regression inputs.
        "fixed-confirm-on-404": client_seed("run_and_wait_workflow",
                                      [("job", "queued"), ("job", "error"), ("http", 404, [], '{"message":"Not found"}'),
                                       ("http", 404, [], '{"message":"Not found"}'), ("job", "retry_waiting")]),
        "fixed-delay-overflow": client_seed("run_job", [("http", 429, [("Retry-After", ("text", "360287970191367680"))],
                                                         "")]),
        "fixed-foreign-job": client_seed("get_job", [("http", 200, [], job_body(9999, "succeeded"))]),
        "fixed-foreign-job-wait": client_seed("wait_job", [("http", 200, [], job_body(9999, "succeeded"))]),
        "fixed-huge-sleep-deadline": client_seed("wait_job",
                                                 [("http", 503, [("Retry-After", ("date", 3056, 1, 24, 5, 11, 10))],
                                                               ""), ("job", "succeeded")],
                                           retry={"max_attempts": 6, "initial_backoff": 1000, "multiplier10": 20,
                                                  "max_backoff": 30000, "max_server_wait": "max"}),
    }
    return seeds


def client_regressions():
    """Reproducers of reported bugs, named after the TROCCO_FUZZ_KNOWN name that steps over them."""
    return {
        "scripted-wall-clock": client_seed("get_job", [("http", 503, [("Retry-After", ("date", 3056, 1, 24, 5, 11, 10))], ""),
                                              ("job", "succeeded")],
                                  retry={"max_attempts": 6, "initial_backoff": 1000, "multiplier10": 20,
                                         "max_backoff": 30000, "max_server_wait": "max"}),
        "foreign-errc": client_seed("wait_job", [("job", "queued"), ("error", "job_failed", False)]),
    }


# --- fuzz_headers (fuzz_headers.cpp) -----------------------------------------------------------------------------

def headers_seed(items, code, wall_delta=0, kind_trigger=False, attempts=1):
    p = Provider()
    p.int_in_range(0, 3, 0).int_in_range(-2000000000, 2000000000, wall_delta)
    headers(p, items, 5)
    p.int_in_range(0, 3, 1)  # an HTTP answer
    status(p, code)
    p.boolean(True)  # the default policy
    p.boolean(kind_trigger).int_in_range(1, 12, attempts).integral(1 << 63, 8, False)
    return p.data()


def headers_seeds():
    return {
        "retry_after_seconds": headers_seed([("Retry-After", ("seconds", 7))], 503),
        "retry_after_date": headers_seed([("Retry-After", ("date", 2026, 1, 1, 0, 1, 0))], 429, kind_trigger=True),
        "retry_after_past": headers_seed([("retry-after", ("date", 1994, 11, 6, 8, 49, 37))], 503),
        "retry_after_garbage": headers_seed([("Retry-After", ("text", "-5"))], 503, attempts=2),
        "rate_limit_reset": headers_seed([("X-Rate-Limit-Limit", ("seconds", 3500)),
                                          ("X-Rate-Limit-Remaining", ("seconds", 0)),
                                          ("X-Rate-Limit-Reset", ("reset", 30))], 429, kind_trigger=True),
        "rate_limit_reset_past": headers_seed([("x-rate-limit-reset", ("reset", -30))], 429),
        "fixed-delay-overflow": headers_seed([("Retry-After", ("text", "360287970191367680"))], 429),
        "rate_limit_spaces": headers_seed([("X-Rate-Limit-Limit", ("text", " 42 ")),
                                           ("X-Rate-Limit-Reset", ("text", "\t1767225600\t"))], 200),
    }


# --- the plain ones ----------------------------------------------------------------------------------------------

def response_seed(code, body):
    return (code & 0xFFFF).to_bytes(2, "big") + body.encode()


def response_seeds():
    example_a = ('{ "id": 987654, "job_definition_id": 123, "job_definition_name": "mysql_to_bigquery_orders", '
                 '"status": "queued" }')
    example_b = ('{ "id": 987654, "job_definition_id": 123, "job_definition_name": "mysql_to_bigquery_orders", '
                 '"status": "succeeded", "created_at": "2023-08-23T03:00:00.000+09:00", '
                 '"started_at": "2023-08-23T03:00:05.000+09:00", "finished_at": "2023-08-23T03:10:00.000+09:00" }')
    example_c = ('{ "id": 123, "pipeline_definition_id": 321, "name": "sample-pipeline-definition-name", '
                 '"status": "queued", "context_time": "2023-05-19 00:00:00" }')
    return {
        "job_queued": response_seed(200, example_a),
        "job_succeeded_times": response_seed(200, example_b),
        "workflow_queued": response_seed(201, example_c),
        "workflow_canceled": response_seed(200, '{"id":1,"pipeline_definition_id":2,"status":"canceled",'
                                                '"finished_at":"2025-05-31T15:00:00-09:00"}'),
        "job_nulls": response_seed(200, '{"id":1,"job_definition_id":2,"job_definition_name":null,"status":"queued",'
                                        '"created_at":null,"started_at":null,"finished_at":null}'),
        "job_max_ids": response_seed(200, '{"id":9223372036854775807,"job_definition_id":9223372036854775807,'
                                          '"status":"queued"}'),
        "job_japanese": response_seed(200, '{"id":1,"job_definition_id":2,"job_definition_name":"注文データ転送",'
                                           '"status":"queued"}'),
        "job_truncated": response_seed(200, '{"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"que'),
        "job_bad_time": response_seed(200, '{"id":1,"job_definition_id":2,"status":"queued",'
                                           '"created_at":"2025-02-30T00:00:00Z"}'),
        "error_message": response_seed(404, '{"message":"Not found"}'),
        "error_error": response_seed(401, '{"error":"You are not authorized"}'),
        "error_details": response_seed(422, json.dumps({"message": "invalid", "errors": [
            {"attribute": "context_time", "message": "is invalid"}, {"attribute": "time_zone", "message": "bad"}]})),
        "error_html": response_seed(502, "<html><body>Bad Gateway</body></html>"),
        "error_in_200": response_seed(200, '{"error":"You are not authorized"}'),
        "negative_status": response_seed(-1, "{}"),
    }


def list_seeds():
    job = {"id": 987654, "job_definition_id": 123, "job_definition_name": "orders", "status": "succeeded",
           "created_at": "2023-08-23T03:00:00.000+09:00", "finished_at": "2023-08-23T03:10:00.000+09:00"}
    definitions = {"items": [{"id": 1, "name": "orders", "description": None, "created_at": "2024-01-01T00:00:00Z",
                              "labels": ["daily", {"name": "prod"}]}, {"id": 2, "name": "users"}],
                   "next_cursor": "abc"}
    return {
        "history": response_seed(200, json.dumps({"items": [job, dict(job, id=987655, status="error")],
                                                   "next_cursor": "c2"})),
        "history_last": response_seed(200, json.dumps({"items": [], "next_cursor": None})),
        "history_bad_item": response_seed(200, json.dumps({"items": [{"id": 1}], "next_cursor": ""})),
        "definitions_transfer": response_seed(200, json.dumps(definitions)),
        "definitions_workflow": response_seed(201, json.dumps(definitions)),
        "definitions_datamart": response_seed(202, json.dumps({"items": [{"id": 5, "name": "mart"}]})),
        "datamart_job": response_seed(200, json.dumps({"id": 3, "datamart_definition_id": 9, "status": "queued",
                                                        "context_time": "2024-01-01 00:00:00"})),
        "list_error": response_seed(403, '{"message":"Forbidden"}'),
    }


def timestamp_seeds():
    texts = ["2023-08-23T03:00:00.000+09:00", "2026-05-19T18:00:00+00:00", "2024-02-29t23:59:59.999999z",
             "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999-23:59", "2019-11-18 00:00:00",
             "2019-02-30 00:00:00", "2025-06-01T24:00:00Z", "2025-06-01T09:00:00.Z", "1970-01-01T00:00:00Z"]
    return {"t%02d" % i: t.encode() for i, t in enumerate(texts)}


def url_seeds():
    texts = ["https://trocco.io\ntra_0123456789abcdef", "http://localhost:8080/api\nkey", "https://in.trocco.io/",
             "http://[::1]:8080/x\nk", "https://[2001:db8::1]/api\n k", "HTTPS://Trocco.IO:443//double/\nkey\n",
             "https://trocco.io?x=1\nk", "https://user@trocco.io\nk", "http://h:00080/\nあ",
             "https://trocco.io#frag", "ftp://trocco.io\nk", "http://h:65536"]
    return {"u%02d" % i: t.encode() for i, t in enumerate(texts)}


def write(target, seeds, kind="corpus"):
    folder = os.path.join(HERE, kind, target)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        if old.startswith("seed-") or kind == "regressions":
            os.remove(os.path.join(folder, old))
    for name, data in seeds.items():
        with open(os.path.join(folder, ("seed-" if kind == "corpus" else "") + name), "wb") as f:
            f.write(data)
    total = sum(len(d) for d in seeds.values())
    print("%-12s %-22s %2d inputs, %5d bytes" % (kind, target, len(seeds), total))


def main():
    write("fuzz_client", client_seeds())
    write("fuzz_list_parsers", list_seeds())
    write("fuzz_headers", headers_seeds())
    write("fuzz_response_parsers", response_seeds())
    write("fuzz_timestamps", timestamp_seeds())
    write("fuzz_url", url_seeds())
    write("fuzz_client", client_regressions(), "regressions")
    write("fuzz_timestamps", {"format-extreme-instant": (-2**63 + 1).to_bytes(8, "little", signed=True)},
          "regressions")
    write("fuzz_url", {"url-bracket-host": b"http://[[~]/"}, "regressions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
