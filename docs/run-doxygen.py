#!/usr/bin/env python3
"""Runs Doxygen (docs/meson.build's `docs` target) and prints its warnings: Doxygen with WARN_LOGFILE writes them
only to the log, and WARN_AS_ERROR=FAIL_ON_WARNINGS only says that there were some.

    run-doxygen.py DOXYGEN DOXYFILE OUTPUT_DIR
"""
import pathlib
import subprocess
import sys

doxygen, doxyfile, output = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
log = output / "warnings.log"
log.unlink(missing_ok=True)
status = subprocess.run([doxygen, doxyfile]).returncode
warnings = log.read_text() if log.exists() else ""
if warnings.strip():
    sys.stderr.write(warnings)
    count = len([line for line in warnings.splitlines() if "warning:" in line])
    sys.stderr.write(f"docs: {count} Doxygen warnings (the list: {log})\n")
    sys.exit(1)
if status != 0:
    sys.exit(status)
print(f"docs: {output / 'html' / 'index.html'}")
