#!/usr/bin/env python3
"""Fails when a public header under include/trocco/ (detail/ excluded) is missing from the list meson checks."""
import os
import sys

root, listed = sys.argv[1], set(sys.argv[2:])
present = set()
for folder, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if d != 'detail']
    for name in files:
        if name.endswith('.hpp'):
            present.add(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, '/'))
missing = sorted(present - listed)
stale = sorted(listed - present)
if missing or stale:
    print('headers not in trocco_core_headers (meson.build):', missing)
    print('listed headers that do not exist:', stale)
    sys.exit(1)
print(f'{len(present)} public headers, all checked')
