"""One schema as the drift check compares it: ``allOf`` merged, OpenAPI 3.0 and 3.1 spellings
made the same, each constraint with its pointer.

Zuora's file (OpenAPI 3.0) wraps object schemas in ``allOf`` (one member, or ``CommonResponse``
plus the operation's own fields) and writes ``nullable`` and boolean ``exclusiveMinimum``; the
fragment (3.1) writes type lists, numeric ``exclusiveMinimum`` and ``const``. Comparing the
meaning, not the spelling, keeps those from showing up as differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .document import Document, DriftError, Node

MAX_ALLOF_DEPTH = 16
#: Keywords compared by value, as they are written.
PLAIN = (
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "pattern", "format", "uniqueItems", "default", "deprecated",
)
#: Combinators the check does not look into; a difference in their presence is reported.
OPAQUE = ("oneOf", "anyOf", "not")


@dataclass
class SchemaView:
    """``keywords`` maps a keyword to ``(value, pointer)``: ``type`` as a frozenset of names,
    ``enum`` as ``[(value, pointer), ...]`` (``const`` becomes a one-value enum)."""

    pointer: str
    keywords: dict[str, tuple[Any, str]] = field(default_factory=dict)
    properties: dict[str, Node] = field(default_factory=dict)
    required: dict[str, str] = field(default_factory=dict)
    items: Node | None = None
    additional: Node | None = None


def view(doc: Document, node: Node) -> SchemaView:
    """The merged, normalised view of the schema at ``node`` (``$ref`` already followed)."""
    out = SchemaView(node.pointer)
    _merge(doc, node, out, 0)
    return out


def _merge(doc: Document, node: Node, out: SchemaView, depth: int) -> None:
    if depth > MAX_ALLOF_DEPTH:
        raise DriftError(f"{doc.label}: {node.pointer}: allOf nested too deeply")
    value = node.value
    if not isinstance(value, dict):
        return
    _keywords(node, out)
    properties = node.child("properties")
    for name, prop in properties.items() if properties is not None else ():
        out.properties.setdefault(name, prop)
    required = node.child("required")
    for element in required.elements() if required is not None else ():
        if isinstance(element.value, str):
            out.required.setdefault(element.value, element.pointer)
    if out.items is None and "items" in value:
        out.items = node.child("items")
    if out.additional is None and "additionalProperties" in value:
        out.additional = node.child("additionalProperties")
    members = node.child("allOf")
    for member in members.elements() if members is not None else ():
        _merge(doc, doc.deref(member), out, depth + 1)


def _keywords(node: Node, out: SchemaView) -> None:
    value, keywords, pointer = node.value, out.keywords, node.pointer
    if "type" in value:
        types = value["type"] if isinstance(value["type"], list) else [value["type"]]
        if value.get("nullable") is True:
            types = [*types, "null"]
        keywords.setdefault("type", (frozenset(map(str, types)), f"{pointer}/type"))
    if "enum" in value and isinstance(value["enum"], list):
        enum = node.child("enum")
        keywords.setdefault("enum", ([(e.value, e.pointer) for e in enum.elements()], enum.pointer))
    elif "const" in value:
        keywords.setdefault("enum", ([(value["const"], f"{pointer}/const")], f"{pointer}/const"))
    for name in PLAIN:
        if name in value:
            keywords.setdefault(name, (value[name], f"{pointer}/{name}"))
    for name, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = keywords.get(name)
        if flag is not None and isinstance(flag[0], bool):  # OpenAPI 3.0: a flag on minimum/maximum
            del keywords[name]
            if flag[0] and bound in keywords:
                keywords[name] = (keywords.pop(bound)[0], flag[1])
    for name in OPAQUE:
        if name in value:
            keywords.setdefault(name, (len(value[name]) if isinstance(value[name], list) else 1,
                                       f"{pointer}/{name}"))
