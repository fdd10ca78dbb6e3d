#!/usr/bin/env python3
"""Fails when a public header under a folder (detail/ and impl/ excluded) is missing from the list meson checks.

    check_header_list.py FOLDER HEADER...   (HEADER: a path relative to FOLDER, as tests/headers/meson.build lists it)
"""
import os
import sys

root, listed = sys.argv[1], set(sys.argv[2:])
present = set()
for folder, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if d not in ('detail', 'impl')]
    for name in files:
        if name.endswith('.hpp'):
            present.add(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, '/'))
missing = sorted(present - listed)
stale = sorted(listed - present)
if missing or stale:
    print(f'headers under {root} not in the list of tests/headers/meson.build:', missing)
    print('listed headers that do not exist:', stale)
    sys.exit(1)
print(f'{len(present)} public headers, all checked')
