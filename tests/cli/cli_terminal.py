"""End-to-end tests of the `trocco` tool's progress on a terminal: stderr on a pseudo-terminal shows one live line
redrawn in place whose elapsed time advances between polls; TERM=dumb, --progress plain and a pipe give plain
lines without control characters; --quiet gives nothing."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import cli_harness
from cli_harness import API_KEY, check, environment, eq, record, Run

LIVE = re.compile(r"\r(job \d+  \S+  (\d+)s[^\r\x1b]*)\x1b\[K")


def run_on_pty(args, server, term="xterm", timeout=30, columns=0):
    """Runs the tool with stderr on a pseudo-terminal (stdout a pipe), `columns` wide (0: no size set); returns
    (Run, what the terminal received)."""
    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    full = ["--base-url", server.base_url] + list(args)
    env = environment(API_KEY)
    env["TERM"] = term
    started = time.monotonic()
    p = subprocess.Popen([cli_harness.TROCCO] + full, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    seen = b""
    while time.monotonic() - started < timeout:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side closed: the process is gone
                break
            if not chunk:
                break
            seen += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    out, _ = p.communicate(timeout=10)
    # The terminal's line discipline turns each "\n" into "\r\n" (onlcr): undone, to see what the tool wrote.
    terminal = seen.decode("utf-8", "replace").replace("\r\n", "\n")
    return record(Run(full, p.returncode, out.decode("utf-8"), terminal, time.monotonic() - started),
                  on_terminal=True), terminal


def test_live_line_on_a_terminal(ctx):
    slow = ctx["slow"]  # the job stays queued: a wait that lasts until --wait-timeout
    r = cli_harness.trocco(["job", "run", "42"], slow)
    job_id = r.out.strip()
    run, terminal = run_on_pty(["job", "wait", job_id, "--poll-interval", "10s", "--wait-timeout", "3500ms"], slow)
    eq(run.code, 7, "the wait timed out as asked", run)
    live = LIVE.findall(terminal)
    check(len(live) >= 3, f"the live line was redrawn in place (\\r ... ESC[K) at least 3 times: {terminal!r}", run)
    elapsed = [int(seconds) for (_, seconds) in live]
    eq(elapsed, sorted(elapsed), "the elapsed time never goes back", run)
    check(elapsed[-1] - elapsed[0] >= 2, f"the elapsed time advances between polls (no event meanwhile): {elapsed}",
          run)
    check(any(f"job {job_id}  queued" in text for (text, _) in live), "the live line has the id and status", run)
    check(any("next check in" in text for (text, _) in live), "the live line says when the next poll is", run)
    check(f"job {job_id} queued\n" in terminal, "a permanent line for the status", run)
    check(terminal.split("trocco: error:")[0].endswith("\r\x1b[K"), "the live line is erased before the final report",
          run)
    check(re.search(r"\d{4}-\d\d-\d\dT", terminal) is None, "no timestamps in live mode", run)


def test_plain_lines_without_a_terminal(ctx):
    server = ctx["fast"]
    for args, term in ((["--progress", "plain"], "xterm"), ([], "dumb")):
        run, terminal = run_on_pty(["job", "run", "42", "--wait", "--poll-interval", "50ms"] + args, server, term)
        eq(run.code, 0, f"exit code ({args}, TERM={term})", run)
        body = terminal
        check("\x1b" not in body and "\r" not in body, "no escape sequences or carriage returns", run)
        check(re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z job \d+ succeeded$", body, re.M),
              "timestamped status lines", run)
    run, terminal = run_on_pty(["job", "run", "42", "--wait", "--poll-interval", "50ms", "-q"], server)
    eq((run.code, terminal), (0, ""), "--quiet shows nothing on the terminal", run)
    run, terminal = run_on_pty(["job", "run", "42", "--wait", "--poll-interval", "50ms", "--progress", "tty"], server,
                               "dumb")
    check("\x1b[K" in terminal, "--progress tty forces the live line", run)
    # A pipe (every other test): checked by cli_harness.progress_lines for every run, no control characters.
    r = cli_harness.trocco(["job", "run", "42", "--wait", "--poll-interval", "50ms", "--progress", "tty"], server)
    check("\x1b[K" in r.err, "--progress tty forces the live line on a pipe too", r)
    r = cli_harness.trocco(["job", "run", "42", "--wait", "--poll-interval", "50ms"], server)
    check(cli_harness.status_lines(r), "plain lines on a pipe", r)


def test_live_line_fits_a_narrow_terminal(ctx):
    server = ctx["fast"]
    run, terminal = run_on_pty(["job", "run", "42", "--wait", "--poll-interval", "1s"], server, columns=24)
    eq(run.code, 0, "exit code", run)
    live = re.findall(r"\r([^\r\x1b\n]*)\x1b\[K", terminal)
    check(live and all(len(text) <= 23 for text in live), f"every live line fits in 23 columns: {live}", run)
    check(any(text.startswith("job ") for text in live), "the live line was drawn", run)

