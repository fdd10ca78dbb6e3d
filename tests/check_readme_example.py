#!/usr/bin/env python3
"""README.md shows examples/readme_example.cpp verbatim (the code block after the marker line); fail if not."""
import sys

readme_path, example_path = sys.argv[1], sys.argv[2]
readme = open(readme_path, encoding='utf-8').read()
example = open(example_path, encoding='utf-8').read()
marker = '<!-- examples/readme_example.cpp -->'
if marker not in readme:
    sys.exit(f'{readme_path}: marker {marker!r} not found')
after = readme.split(marker, 1)[1]
start = after.index('```cpp\n') + len('```cpp\n')
block = after[start:after.index('```\n', start)]
if block != example:
    import difflib
    sys.stdout.writelines(difflib.unified_diff(block.splitlines(True), example.splitlines(True), 'README.md', example_path))
    sys.exit('the README example differs from examples/readme_example.cpp')
print('README example is examples/readme_example.cpp')
