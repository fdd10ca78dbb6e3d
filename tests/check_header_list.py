#!/usr/bin/env python3
"""Fails when a public header under include/trocco/ (not detail/) is missing from the list meson checks."""
import os
import sys

root, listed = sys.argv[1], set(sys.argv[2:])
present = {name for name in os.listdir(root) if name.endswith('.hpp')}
missing = sorted(present - listed)
stale = sorted(listed - present)
if missing or stale:
    print('headers not in trocco_core_headers (meson.build):', missing)
    print('listed headers that do not exist:', stale)
    sys.exit(1)
print(f'{len(present)} public headers, all checked')
