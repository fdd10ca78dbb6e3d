"""End-to-end tests of the `trocco` tool's datamart runs and lists: `datamart run`, `job list` (every page of the
history), `definitions list` (job, workflow, datamart), their JSON forms and their failures."""

import json

from cli_harness import check, eq, single_json, trocco

DATAMART_FIELDS = ["id", "datamart_definition_id", "status", "created_at", "context_time"]


def test_datamart_run(ctx):
    server = ctx["fast"]
    server.clear()
    r = trocco(["datamart", "run", "5", "--var", "$day$=2026-05-19", "--var", "$q$=a=b", "--memo", "バックフィル",
                "--context-time", "2026-05-19 00:00:00", "--time-zone", "Etc/UTC"], server)
    eq(r.code, 0, "exit code of an accepted datamart run", r)
    job_id = server.call(cmd="datamart_job_ids")["ids"][-1]
    check(r.out.startswith(f"datamart job {job_id} ") and ": definition 5" in r.out, "the started job's summary", r)
    eq(r.err, "", "nothing on stderr", r)
    params = server.call(cmd="datamart_params", job_id=job_id)["params"]
    eq(params["memo"], "バックフィル", "the memo as trocco saw it")
    eq([(v["name"], v["value"]) for v in params["custom_variables"]], [("$day$", "2026-05-19"), ("$q$", "a=b")],
       "custom variables as trocco saw them")
    eq((params["context_time"], params["time_zone"]), ("2026-05-19 00:00:00", "Etc/UTC"), "context time and zone")
    posts = [q for q in server.requests() if q["method"] == "POST"]
    eq(len(posts), 1, "one POST")
    check(posts[0]["target"].startswith("/api/datamart_jobs"), "to the datamart endpoint")

    r = trocco(["datamart", "run", "5", "--json"], server)
    eq(r.code, 0, "exit code with --json", r)
    job = single_json(r)
    eq(list(job.keys()), DATAMART_FIELDS, "JSON fields of a datamart job", r)
    eq((job["id"], job["datamart_definition_id"]), (server.call(cmd="datamart_job_ids")["ids"][-1], 5), "ids", r)

    server.clear()
    server.fault(kind="close_after_read", method="POST", path_prefix="/api/datamart_jobs")
    r = trocco(["datamart", "run", "5"], server)
    eq(r.code, 8, "exit code of a datamart run whose outcome is unknown", r)
    check("do not blindly rerun" in r.err and "datamart definition 5" in r.err, "the message", r)
    eq(sum(1 for q in server.requests() if q["method"] == "POST"), 1, "the run was sent once")
    server.clear()


def seed(server, definition, count, status="succeeded", age=3600):
    ids = []
    for i in range(count):
        created = age - i * 10
        ids.append(server.call(cmd="seed_job", definition=definition, status=status, created_at=f"now-{created}",
                               started_at=f"now-{created - 1}", finished_at=f"now-{created - 5}")["id"])
    return ids


def test_job_list(ctx):
    server = ctx["fast"]
    server.clear()
    ids = seed(server, 77, 3) + seed(server, 77, 1, status="error", age=100)
    seed(server, 78, 2)  # another definition's: not listed
    r = trocco(["job", "list", "77"], server)
    eq(r.code, 0, "exit code", r)
    lines = r.out.splitlines()
    eq([int(line.split()[0]) for line in lines], ids, "one line per job, in trocco's order", r)
    check(lines[0].split("  ")[1] == "succeeded" and lines[-1].split("  ")[1] == "error", "the statuses", r)
    check("ran 4s" in lines[0], "the run time", r)

    r = trocco(["job", "list", "77", "--json"], server)
    eq(r.code, 0, "exit code with --json", r)
    check(r.out.count("\n") == 1, "one line", r)
    jobs = json.loads(r.out)
    eq([j["id"] for j in jobs], ids, "one JSON array of every job", r)
    eq(jobs[0]["job_definition_id"], 77, "the API's field names", r)

    r = trocco(["job", "list", "77", "--limit", "2", "--json"], server)
    eq([j["id"] for j in json.loads(r.out)], ids[:2], "--limit", r)

    # Every page: more jobs than one page holds (100), read page after page.
    many = seed(server, 79, 130, age=7200)
    server.call(cmd="clear_requests")
    r = trocco(["job", "list", "79", "--json"], server)
    eq(r.code, 0, "exit code of a long history", r)
    eq([j["id"] for j in json.loads(r.out)], many, "all 130 jobs", r)
    pages = [q for q in server.requests() if q["target"].startswith("/api/job_definitions/79/jobs")]
    eq(len(pages), 2, "two pages read")
    check("cursor=" in pages[1]["target"], "the second page asked with the first's cursor")

    # --since / --until / --time-zone reach trocco.
    server.call(cmd="clear_requests")
    r = trocco(["job", "list", "77", "--since", "2026-01-01 00:00:00", "--until", "2099-01-01 00:00:00",
                "--time-zone", "Etc/UTC"], server)
    eq(r.code, 0, "exit code with filters", r)
    target = server.requests()[0]["target"]
    for part in ("start_time=2026-01-01", "end_time=2099-01-01", "time_zone=Etc"):
        check(part in target, f"{part} in the query ({target})")
    r = trocco(["job", "list", "77", "--since", "2099-01-01 00:00:00", "--time-zone", "Etc/UTC"], server)
    eq((r.code, r.out), (0, ""), "nothing created since then", r)

    # A cursor that comes back (a list that would loop forever) is an error (exit 6), and no partial JSON array is
    # printed. A page that cannot be parsed is retried like any read (here once; one that persists ends with the
    # same protocol_error after the retry policy's backoff, which the library's tests cover).
    server.fault(kind="malformed_page", method="GET", times=-1, defect="cursor_repeats")
    r = trocco(["job", "list", "79", "--json"], server)
    server.call(cmd="clear_faults")
    eq(r.code, 6, "exit code of a repeating cursor", r)
    eq(r.out, "", "no partial output with --json", r)
    check("protocol_error" in r.err and "cursor" in r.err, "the error says what went wrong", r)
    server.fault(kind="malformed_page", method="GET", times=-1, defect="cursor_repeats")
    r = trocco(["job", "list", "79"], server)
    server.call(cmd="clear_faults")
    eq(r.code, 6, "exit code of a repeating cursor without --json", r)
    check(len(r.out.splitlines()) >= 100, "lines are printed as their pages arrive: those read before the error", r)
    server.fault(kind="malformed_page", method="GET", times=1, defect="items_missing")
    r = trocco(["job", "list", "79", "--json"], server)
    eq(r.code, 0, "a malformed page, retried", r)
    eq(len(json.loads(r.out)), 130, "the whole list after the retry", r)
    r = trocco(["job", "list", "999999"], server)
    eq((r.code, r.out), (0, ""), "a definition without jobs lists nothing", r)
    server.clear()


def test_definitions_list(ctx):
    server = ctx["fast"]
    server.clear()
    server.call(cmd="definition", kind="job", id=501, name="nightly load", description="loads everything",
                labels=[{"id": 1, "name": "prod"}])
    server.call(cmd="definition", kind="job", id=502, name="hourly sync")
    server.call(cmd="definition", kind="workflow", id=601, name="daily workflow")
    server.call(cmd="definition", kind="datamart", id=701, name="nightly mart")
    r = trocco(["definitions", "list", "job"], server)
    eq(r.code, 0, "exit code", r)
    lines = r.out.splitlines()
    check("501  nightly load  [prod]  loads everything" in lines, "a definition's line: id, name, labels, text", r)
    check("502  hourly sync" in lines, "a plain definition's line", r)

    r = trocco(["definitions", "list", "job", "--name", "nightly", "--json"], server)
    eq(r.code, 0, "exit code with --name", r)
    defs = json.loads(r.out)
    eq([d["id"] for d in defs], [501], "--name filters", r)
    eq(defs[0]["labels"], ["prod"], "labels", r)
    eq(list(defs[0].keys()), ["id", "name", "description", "created_at", "updated_at", "labels"], "fields", r)
    check("name=nightly" in server.requests()[-1]["target"], "the name filter is trocco's")

    r = trocco(["definitions", "list", "workflow", "--json"], server)
    check(601 in [d["id"] for d in json.loads(r.out)], "workflow definitions", r)
    r = trocco(["definitions", "list", "datamart", "--limit", "1"], server)
    eq(len(r.out.splitlines()), 1, "--limit", r)
    check(r.out.startswith("701  nightly mart"), "datamart definitions", r)
    server.fault(kind="http_status", method="GET", status=401)
    r = trocco(["definitions", "list", "job", "--json"], server)
    eq((r.code, r.out), (5, ""), "a refused list", r)
    server.clear()
