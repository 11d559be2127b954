"""The four output formats of ``bulkpdf drift``: text, json, markdown, github."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from ..lint.positions import yaml_position
from ..spec.pointers import split_pointer
from ..spec import spec_path
from .model import Difference

FORMATS = ("text", "json", "markdown", "github")


def summary(differences: list[Difference]) -> str:
    undecided = sum(1 for d in differences if d.decision is None)
    stale = sum(1 for d in differences if d.kind == "stale")
    covered = sum(1 for d in differences if d.covered)
    parts = [f"{covered} covered by a decision"]
    if undecided:
        parts.append(f"{undecided} without a decision")
    if stale:
        parts.append(f"{stale} stale decision record{'s' if stale != 1 else ''}")
    return f"{len(differences) - stale} differences from Zuora's file: " + ", ".join(parts)


def _tag(d: Difference) -> str:
    if d.kind == "stale":
        return f"[STALE {d.decision}]"
    return f"[{d.decision}]" if d.decision else "[NO DECISION]"


def _ordered(differences: list[Difference]) -> list[Difference]:
    """Undecided first, then stale records, then decided ones (each in the order found)."""
    return sorted(differences, key=lambda d: 2 if d.covered else 1 if d.kind == "stale" else 0)


def as_text(differences: list[Difference]) -> str:
    lines = [f"{_tag(d)} {d.kind}: {d.message} (fragment {d.where or '-'}; Zuora {d.theirs or '-'})"
             for d in _ordered(differences)]
    return "".join(line + "\n" for line in lines)


def as_json(differences: list[Difference]) -> str:
    return json.dumps([d.to_dict() for d in differences], indent=2, ensure_ascii=False) + "\n"


def _cell(text: str | None) -> str:
    return f"`{text}`" if text else "—"


def as_markdown(differences: list[Difference]) -> str:
    """A table for a pull request: what needs a decision in full, decided ones folded away."""
    def row(d: Difference) -> str:
        mark = ":warning:" if d.kind == "stale" else ":white_check_mark:" if d.covered else ":x:"
        message = d.message.replace("|", "\\|")
        return f"| {mark} | {d.kind} | {_cell(d.where)} | {_cell(d.theirs)} | {_cell(d.decision)} | {message} |"
    head = ["| | kind | fragment | Zuora's file | decision | difference |", "|---|---|---|---|---|---|"]
    open_rows = [row(d) for d in _ordered(differences) if not d.covered]
    done_rows = [row(d) for d in differences if d.covered]
    out = ["### Drift from Zuora's published OpenAPI file", "", summary(differences) + ".", ""]
    if open_rows:
        out += [*head, *open_rows, ""]
    if done_rows:
        out += ["<details><summary>Differences covered by a decision</summary>", "", *head, *done_rows,
                "", "</details>", ""]
    return "\n".join(out)


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def as_github(differences: list[Difference], fragment: Path | None = None) -> str:
    """Workflow commands: an error per undecided difference and a warning per stale record, on
    the fragment's line for the pointer; a notice with the summary."""
    fragment = fragment or spec_path()
    text = fragment.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    try:
        shown = os.path.relpath(fragment)
    except ValueError:  # another drive on Windows
        shown = str(fragment)
    lines = []
    for d in _ordered(differences):
        if d.covered:
            continue
        level = "warning" if d.kind == "stale" else "error"
        line = yaml_position(root, split_pointer(d.where))[0] if d.where else 1
        title = _escape(f"drift: {d.kind}" + (f" ({d.decision})" if d.decision else ""), prop=True)
        lines.append(f"::{level} file={_escape(shown, True)},line={line},title={title}::{_escape(d.message)}")
    lines.append(f"::notice title=bulkpdf drift::{_escape(summary(differences))}")
    return "".join(line + "\n" for line in lines)
