"""Findings -> what ``bulkpdf lint`` prints: ``path:line:col: rule: message`` lines, or a JSON list.

Findings go to stdout (the part tools parse); the one-line summary of the text format goes to
stderr, so ``bulkpdf lint ... > findings.txt`` keeps only findings.
"""

from __future__ import annotations

from typing import TextIO

import orjson

from .findings import FileFinding

FORMATS = ("text", "json")


def as_text(findings: list[FileFinding]) -> str:
    """One line per finding (messages on one line), in the given order."""
    return "".join(f"{f}\n" for f in findings)


def as_json(findings: list[FileFinding]) -> str:
    """A JSON list of ``{path, line, column, pointer, rule, message}``, indented, newline-ended."""
    return orjson.dumps([f.to_dict() for f in findings], option=orjson.OPT_INDENT_2).decode() + "\n"


def summary(findings: list[FileFinding]) -> str:
    if not findings:
        return "bulkpdf lint: no findings"
    files = len({f.path for f in findings})
    return f"bulkpdf lint: {len(findings)} finding(s) in {files} file(s)"


def write(findings: list[FileFinding], fmt: str, out: TextIO, err: TextIO) -> None:
    """Print ``findings`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        out.write(as_json(findings))
        return
    out.write(as_text(findings))
    print(summary(findings), file=err)
