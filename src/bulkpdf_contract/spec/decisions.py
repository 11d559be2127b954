"""Decision records: where the fragment deliberately differs from Zuora's published OpenAPI file.

Each deliberate difference carries a record in an ``x-bulkpdf-decisions`` list on the node that
holds the constraint, so that tools (``bulkpdf drift``, the README's generated list) read the
decisions instead of parsing prose::

    x-bulkpdf-decisions:
      - id: object-id-shape           # stable, lower-case words joined by '-'
        covers: [pattern]             # pointers relative to this node ('' is the node itself)
        zuora: what Zuora's file says
        contract: what the contract does instead
        why: the reason

One node holds the full record; other nodes may name the same id with their own ``covers`` and no
text (``{id: object-id-shape, covers: [...]}``), so a decision covering several places has one
home. A ``covers`` token inside a list of strings (``required``, ``enum``, ``type``) may name the
value instead of its index (``required/jobId``). A pointer that names something the fragment
does not have (a field Zuora has and the contract leaves out) is allowed when its parent exists.
An empty ``covers`` marks a decision about behaviour that no schema keyword expresses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from .pointers import is_index, pointer_of, split_pointer

EXTENSION = "x-bulkpdf-decisions"
TEXT_FIELDS = ("zuora", "contract", "why")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DecisionError(ValueError):
    """A malformed decision record in the fragment."""


@dataclass(frozen=True)
class Decision:
    """One decision: its texts, the node holding them, and every fragment pointer it covers."""

    id: str
    zuora: str
    contract: str
    why: str
    site: str
    covers: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "covers": list(self.covers)}


def _records(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, dict]]:
    """Every record with the path of the node that carries it (shared YAML anchors: once per path)."""
    if isinstance(node, dict):
        entries = node.get(EXTENSION)
        if entries is not None:
            if not isinstance(entries, list):
                raise DecisionError(f"{pointer_of(path)}: {EXTENSION} must be a list")
            for entry in entries:
                yield path, node, entry
        for key, value in node.items():
            if key != EXTENSION:
                yield from _records(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _records(value, path + (str(index),))


def _resolve_cover(node: Any, path: tuple[str, ...], cover: str, where: str) -> str:
    """The absolute pointer of ``cover`` relative to ``node`` (value tokens become indexes)."""
    tokens = split_pointer("/" + cover) if cover else ()
    out = list(path)
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and is_index(token) and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, list) and token in node:
            token = str(node.index(token))
            node = node[int(token)]
        elif last and (isinstance(node, dict) or (isinstance(node, list) and not all(
                isinstance(item, str) for item in node))):
            node = None  # something the fragment deliberately lacks
        else:
            raise DecisionError(f"{where}: covers {cover!r}, which is not in the fragment")
        out.append(token)
    return pointer_of(out)


def collect_decisions(spec: dict[str, Any]) -> tuple[Decision, ...]:
    """Every decision of ``spec`` in the order of first appearance; raises :class:`DecisionError`."""
    texts: dict[str, tuple[dict, str]] = {}
    covers: dict[str, list[str]] = {}
    for path, node, entry in _records(spec):
        site = pointer_of(path)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise DecisionError(f"{site}: a decision record needs an id")
        ident = entry["id"]
        if not _ID.match(ident):
            raise DecisionError(f"{site}: decision id {ident!r} is not lower-case words joined by '-'")
        unknown = set(entry) - {"id", "covers", *TEXT_FIELDS}
        if unknown:
            raise DecisionError(f"{site}: decision {ident!r} has unknown fields {sorted(unknown)}")
        given = [name for name in TEXT_FIELDS if name in entry]
        if given:
            if len(given) != len(TEXT_FIELDS) or not all(
                    isinstance(entry[n], str) and entry[n].strip() for n in TEXT_FIELDS):
                raise DecisionError(f"{site}: decision {ident!r} needs all of {', '.join(TEXT_FIELDS)}")
            if ident in texts and texts[ident][0] is not entry:
                raise DecisionError(f"{site}: decision {ident!r} is written out twice")
            texts.setdefault(ident, (entry, site))
        raw = entry.get("covers", [])
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise DecisionError(f"{site}: covers of {ident!r} must be a list of pointers")
        where = f"{site} ({ident})"
        found = covers.setdefault(ident, [])
        found.extend(p for p in (_resolve_cover(node, path, c, where) for c in raw) if p not in found)
    missing = sorted(set(covers) - set(texts))
    if missing:
        raise DecisionError(f"decisions named but never written out: {', '.join(missing)}")
    claimed: dict[str, str] = {}
    for ident, pointers in covers.items():
        for pointer in pointers:
            if claimed.setdefault(pointer, ident) != ident:
                raise DecisionError(f"{pointer} is covered by both {claimed[pointer]!r} and {ident!r}")
    return tuple(
        Decision(ident, *(texts[ident][0][n].strip() for n in TEXT_FIELDS), texts[ident][1],
                 tuple(covers[ident]))
        for ident in covers
    )


def decisions_markdown(decisions: tuple[Decision, ...]) -> str:
    """The README's list of decisions (``bulkpdf drift --decisions``)."""
    lines = []
    for decision in decisions:
        text = f"Zuora: {decision.zuora} Contract: {decision.contract} Why: {decision.why}"
        lines.append(f"- **`{decision.id}`**: {' '.join(text.split())}")
    return "\n".join(lines) + "\n"


__all__ = ["EXTENSION", "Decision", "DecisionError", "collect_decisions", "decisions_markdown"]
