#!/usr/bin/env python3
"""README.md shows each example verbatim: every marker line `<!-- examples/NAME.cpp -->` is followed by a code block
that must equal that file. Fails when a block differs, a marked file is missing, or no marker is found.

    check_readme_example.py README.md EXAMPLES_DIR
"""
import difflib
import os
import re
import sys

readme_path, examples_dir = sys.argv[1], sys.argv[2]
readme = open(readme_path, encoding='utf-8').read()
markers = re.findall(r'<!-- examples/([A-Za-z0-9_]+\.cpp) -->', readme)
if not markers:
    sys.exit(f'{readme_path}: no example markers found')
failed = False
for name in markers:
    after = readme.split(f'<!-- examples/{name} -->', 1)[1]
    start = after.index('```cpp\n') + len('```cpp\n')
    block = after[start:after.index('```\n', start)]
    path = os.path.join(examples_dir, name)
    if not os.path.exists(path):
        print(f'{readme_path}: the marked example {path} does not exist')
        failed = True
        continue
    example = open(path, encoding='utf-8').read()
    if block != example:
        sys.stdout.writelines(difflib.unified_diff(block.splitlines(True), example.splitlines(True), 'README.md', path))
        failed = True
if failed:
    sys.exit('the README examples differ from the files')
print(f'README shows {len(markers)} examples verbatim: {", ".join(markers)}')
