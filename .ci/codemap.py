#!/usr/bin/env python3
"""Tidy: ARCHITECTURE.md's codemap matches `ls` (issue 21 item 7).

Every Rust module of the three crates' sources is named, in backticks, in its crate's codemap
section: `name`, `name/` or a path ending in it (`documents/import/xlsx_grid`). A module nobody
describes is a room nobody can find; a codemap line for a module that is gone is caught too.

Usage: codemap.py   (from the repository root; exits 1 naming what is missing or stale)
"""

import pathlib
import re
import sys

SECTIONS = {
    "proto-events/src": "### `proto-events/`",
    "projections/src": "### `projections/`",
    "src": "### `src/`",
}
ROOT_FILES = {"lib.rs", "main.rs"}


def section(text, heading):
    start = text.index(heading)
    end = text.find("\n##", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def modules(root):
    """(module name, path relative to root without .rs) of every module file below root."""
    for path in sorted(pathlib.Path(root).rglob("*.rs")):
        relative = path.relative_to(root)
        if str(relative) in ROOT_FILES:
            continue
        if path.name == "mod.rs":
            yield relative.parent.name, str(relative.parent)
        else:
            yield path.stem, str(relative.with_suffix(""))


def named(code_spans, name, relative):
    for span in code_spans:
        span = span.rstrip("/")
        if span.endswith(".rs"):
            span = span[: -len(".rs")]
        if span == name or span == relative or span.endswith("/" + name) or span.endswith("::" + name):
            return True
        # `name` as a module path's first segment (`store::restore`) or a file (`writer.rs`).
        if span.startswith(name + "::") or span == name + ".rs":
            return True
    return False


# A codemap line: a list item that starts with the module's name in backticks (several names
# separated by commas for modules described together).
ITEM = re.compile(r"^\s*- ((?:`[a-z_0-9/]+`(?:, )?)+) —", re.MULTILINE)


def main():
    text = pathlib.Path("ARCHITECTURE.md").read_text(encoding="utf-8")
    status = 0
    for root, heading in SECTIONS.items():
        mapped = section(text, heading)
        spans = re.findall(r"`([^`]+)`", mapped)
        found = list(modules(root))
        for name, relative in found:
            if not named(spans, name, relative):
                print(f"tidy: {root}/{relative} is not named in ARCHITECTURE.md under {heading}")
                status = 1
        existing = {name for name, _ in found}
        for item in ITEM.finditer(mapped):
            for name in re.findall(r"`([^`]+)`", item.group(1)):
                if name.rstrip("/") not in existing:
                    print(f"tidy: ARCHITECTURE.md maps `{name}` under {heading}, but {root} has no such module")
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
