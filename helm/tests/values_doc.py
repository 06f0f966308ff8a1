#!/usr/bin/env python3
"""Writes the values table of helm/specdoc/README.md from the `# --` comments in values.yaml.

A stand-in for helm-docs (not installable here), following its conventions: a `# -- text`
comment (continued by plain `# text` lines) documents the key on the next line; `# -- (type) text`
overrides the type shown. The table goes between the README's `values:begin` and `values:end`
markers; the rest of the README is written by hand.

    values_doc.py           rewrite the table
    values_doc.py --check   exit 1 when the README is not current (`just helm-lint` runs this)
"""

import json
import re
import sys
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parent.parent / "specdoc"
BEGIN, END = "<!-- values:begin -->", "<!-- values:end -->"
KEY = re.compile(r"^(\s*)([A-Za-z0-9_]+):")
DOC = re.compile(r"^\s*# -- (?:\((?P<type>[^)]+)\) )?(?P<text>.*)$")
MORE = re.compile(r"^\s*# (?!--)(.*)$")


def documented(lines):
    """Yields (dotted key, type or None, description) for each documented key, in file order."""
    stack = []  # (indent, key) of the enclosing mappings
    pending = None  # [type, text] of a `# --` comment waiting for its key
    for line in lines:
        if m := DOC.match(line):
            pending = [m["type"], m["text"]]
        elif pending and (m := MORE.match(line)):
            pending[1] += " " + m[1]
        elif m := KEY.match(line):
            indent = len(m[1])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, m[2]))
            if pending:
                yield ".".join(k for _, k in stack), pending[0], pending[1].strip()
            pending = None
        else:
            pending = None


def type_of(value):
    return {bool: "bool", int: "int", float: "float", str: "string", list: "list", dict: "object"}.get(
        type(value), "null"
    )


def table():
    text = (CHART / "values.yaml").read_text()
    values = yaml.safe_load(text)
    rows = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    for key, typ, desc in documented(text.splitlines()):
        value = values
        for part in key.split("."):
            value = value[part]
        default = json.dumps(value, separators=(", ", ": ")).replace("|", "\\|")
        desc = desc.replace("|", "\\|")
        rows.append(f"| `{key}` | {typ or type_of(value)} | `{default}` | {desc} |")
    return "\n".join(rows)


def main():
    readme = CHART / "README.md"
    current = readme.read_text()
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    wanted = f"{head}{BEGIN}\n{table()}\n{END}{tail}"
    if "--check" in sys.argv[1:]:
        if current != wanted:
            print("helm/specdoc/README.md is out of date with values.yaml: run `just helm-docs`", file=sys.stderr)
            return 1
        return 0
    readme.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
