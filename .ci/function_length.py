#!/usr/bin/env python3
"""Tidy: no function outside tests is longer than a screen (house style §12, issue 21 item 6).

Reads rustfmt-formatted Rust: a function's body ends at the first later line that is a lone `}`
at the indentation of its `fn` line. Items marked `#[cfg(test)]` are skipped whole (a `mod tests`
block or a test-only function). Generated tables are `const` or `static` items, not functions,
so they are not measured.

Usage: function_length.py [--list] DIR...
Exits 1 and names each function over FUNCTION_LINES_MAX unless its file is allow-listed, and
each allow-listed file that no longer needs its line; `--list` prints every function over the limit, allow-listed or not, longest first.
"""

import pathlib
import re
import sys

# Lines from the `fn` line to its closing brace, both included. The style asks for about 100.
FUNCTION_LINES_MAX = 120

# Files whose long functions are not split yet. Empty since issue 21 split the last ones; a new
# long function is split, not listed here.
ALLOWED_FILES: set = set()

FN_LINE = re.compile(
    r"^(?P<indent>\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?"
    r"(?:extern\s+\"[^\"]*\"\s+)?fn\s+(?P<name>\w+)"
)
CFG_TEST = re.compile(r"^(?P<indent>\s*)#\[cfg\(test\)\]\s*$")


def block_end(lines, start, indent):
    """Index of the line closing the item that starts at `start`, or of its last line if it has
    no body (`fn f();`, `mod tests;`) or is a one-line item."""
    closing = indent + "}"
    index = start
    # The signature: up to the first line that opens the body or ends the item.
    while index < len(lines):
        text = lines[index].split("//")[0].rstrip()
        if text.endswith(";") or (text.endswith("}") and "{" in text):
            return index
        if text.endswith("{"):
            break
        index += 1
    for body in range(index + 1, len(lines)):
        if lines[body].rstrip() in (closing, closing + ";"):
            return body
    return start


def long_functions(path):
    """Yields (lines, name, line number) for every non-test function in `path` over the limit."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        cfg_test = CFG_TEST.match(lines[index])
        if cfg_test:
            item = index + 1
            while item < len(lines) and lines[item].lstrip().startswith("#["):
                item += 1
            index = block_end(lines, item, cfg_test.group("indent")) + 1
            continue
        function = FN_LINE.match(lines[index])
        if function:
            end = block_end(lines, index, function.group("indent"))
            length = end - index + 1
            if length > FUNCTION_LINES_MAX:
                yield length, function.group("name"), index + 1
        index += 1


def main(arguments):
    list_all = "--list" in arguments
    roots = [argument for argument in arguments if argument != "--list"]
    found = []
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.rs")):
            for length, name, line in long_functions(path):
                found.append((length, path.as_posix(), line, name))
    status = 0
    for length, path, line, name in sorted(found, reverse=True):
        allowed = path in ALLOWED_FILES
        if list_all or not allowed:
            note = " (allow-listed)" if allowed else ""
            print(f"tidy: {path}:{line}: fn {name} is {length} lines (max {FUNCTION_LINES_MAX}){note}")
        if not allowed:
            status = 1
    still_long = {path for _, path, _, _ in found}
    for path in sorted(ALLOWED_FILES - still_long):
        if any(path.startswith(pathlib.Path(root).as_posix() + "/") for root in roots):
            print(f"tidy: {path} has no function over the limit: delete its line in {__file__}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
