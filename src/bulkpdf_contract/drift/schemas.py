"""Schema against schema, constraint by constraint.

Every kind is said from the fragment's side: ``stricter`` means the fragment accepts fewer
values than Zuora's file (a bound it adds or tightens, an enum value it leaves out, a field it
requires), ``looser`` the reverse. Values of ``enum`` and names in ``required`` are compared one
by one, so a decision can cover exactly the value or field it is about.
"""

from __future__ import annotations

import json
from typing import Any

from .document import Node, escape
from .model import Comparison
from .schema_view import OPAQUE, SchemaView, view

MAX_DEPTH = 32
UPPER = {"maxLength": "at most {} character", "maxItems": "at most {} item",
         "maxProperties": "at most {} field", "maximum": "at most {}", "exclusiveMaximum": "below {}"}
LOWER = {"minLength": "at least {} character", "minItems": "at least {} item",
         "minProperties": "at least {} field", "minimum": "at least {}", "exclusiveMinimum": "above {}"}
#: Keywords whose presence narrows what is accepted; compared for equality.
NARROWING = ("pattern", "format", "multipleOf")
HERE, THERE = "here", "in Zuora's file"


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f"`{value}`"


def compare_schemas(cmp: Comparison, ours: Node | None, theirs: Node | None, label: str,
                    depth: int = 0) -> None:
    """Compare two schema nodes (``$ref`` followed here) and record every difference."""
    ours, theirs = cmp.ours.deref(ours), cmp.theirs.deref(theirs)
    if ours is None or theirs is None or depth > MAX_DEPTH:
        return
    if not cmp.first_visit("schema", ours.pointer, theirs.pointer):
        return
    mine, other = view(cmp.ours, ours), view(cmp.theirs, theirs)
    _bounds(cmp, mine, other, label)
    _narrowing(cmp, mine, other, label)
    _type(cmp, mine, other, label)
    _enum(cmp, mine, other, label)
    _annotations(cmp, mine, other, label)
    _required(cmp, mine, other, label)
    _additional(cmp, mine, other, label, depth)
    _properties(cmp, mine, other, label, depth)
    _items(cmp, mine, other, label, depth)


def _at(mine: SchemaView, name: str) -> str:
    return mine.keywords[name][1] if name in mine.keywords else f"{mine.pointer}/{name}"


def _theirs_at(other: SchemaView, name: str) -> str:
    return other.keywords[name][1] if name in other.keywords else other.pointer


def _bounds(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    for table, tighter in ((UPPER, lambda a, b: a < b), (LOWER, lambda a, b: a > b)):
        for name, phrase in table.items():
            a = mine.keywords.get(name, (None,))[0]
            b = other.keywords.get(name, (None,))[0]
            if a == b or not all(isinstance(v, (int, float)) or v is None for v in (a, b)):
                continue
            kind = "stricter" if b is None or (a is not None and tighter(a, b)) else "looser"
            ours_text, theirs_text = (_count(phrase, v) for v in (a, b))
            cmp.add(_at(mine, name), _theirs_at(other, name), kind,
                    f"{label}: {ours_text} {HERE}, {theirs_text} {THERE} ({name}).")


def _count(phrase: str, value: Any) -> str:
    if value is None:
        return "no such limit"
    text = phrase.format(show(value))
    return text + "s" if text[-1].isalpha() and value != 1 else text


def _narrowing(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    for name in (*NARROWING, "uniqueItems", *OPAQUE):
        a = mine.keywords.get(name, (None,))[0]
        b = other.keywords.get(name, (None,))[0]
        if name == "uniqueItems":
            a, b = a or None, b or None
        if a == b:
            continue
        kind = "stricter" if b is None else "looser" if a is None else "changed"
        ours_text = f"{name} {show(a)}" if a is not None else f"no {name}"
        theirs_text = f"{name} {show(b)}" if b is not None else f"no {name}"
        cmp.add(_at(mine, name), _theirs_at(other, name), kind,
                f"{label}: {ours_text} {HERE}, {theirs_text} {THERE}.")


def _accepts(types: frozenset[str], other: frozenset[str]) -> bool:
    return all(t in types or (t == "integer" and "number" in types) for t in other)


def _type(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    a = mine.keywords.get("type", (None,))[0]
    b = other.keywords.get("type", (None,))[0]
    if a == b:
        return
    if a is None or b is None:
        kind = "looser" if a is None else "stricter"
    else:
        wider, narrower = _accepts(a, b), _accepts(b, a)
        kind = "changed" if wider == narrower else "looser" if wider else "stricter"
    def name(types):
        return " or ".join(sorted(types)) if types else "any type"
    cmp.add(_at(mine, "type"), _theirs_at(other, "type"), kind,
            f"{label}: type {name(a) if a else 'not restricted'} {HERE}, "
            f"{name(b) if b else 'not restricted'} {THERE}.")


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)  # True and 1 stay apart


def _enum(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    a, b = mine.keywords.get("enum"), other.keywords.get("enum")
    if a is None and b is None:
        return
    if a is None or b is None:
        values = ", ".join(show(v) for v, _ in (a or b)[0])
        if a is None:
            cmp.add(_at(mine, "enum"), b[1], "looser",
                    f"{label}: any value {HERE}; only {values} {THERE}.")
        else:
            cmp.add(a[1], other.pointer, "stricter", f"{label}: only {values} {HERE}; any value {THERE}.")
        return
    theirs_values = {_key(v): p for v, p in b[0]}
    ours_values = {_key(v): p for v, p in a[0]}
    for value, pointer in a[0]:
        if _key(value) not in theirs_values:
            cmp.add(pointer, b[1], "looser", f"{label}: {show(value)} is accepted {HERE}, not listed {THERE}.")
    for value, pointer in b[0]:
        if _key(value) not in ours_values:
            cmp.add(a[1], pointer, "stricter", f"{label}: {show(value)} is listed {THERE}, refused {HERE}.")


def _annotations(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    for name in ("default", "deprecated"):
        a, b = mine.keywords.get(name), other.keywords.get(name)
        if name == "deprecated":  # false says the same as no keyword
            a, b = (a if a and a[0] is True else None), (b if b and b[0] is True else None)
        if (a is None and b is None) or (a and b and _key(a[0]) == _key(b[0])):
            continue
        kind = "extra" if b is None else "missing" if a is None else "changed"
        ours_text = f"{name} {show(a[0])}" if a else f"no {name}"
        theirs_text = f"{name} {show(b[0])}" if b else f"no {name}"
        cmp.add(_at(mine, name), b[1] if b else other.pointer, kind,
                f"{label}: {ours_text} {HERE}, {theirs_text} {THERE}.")


def _field(label: str, name: str) -> str:
    """``POST /x request body `a.b``` from ``POST /x request body `a``` and ``b``."""
    return f"{label[:-1]}.{name}`" if label.endswith("`") else f"{label} `{name}`"


def _required(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str) -> None:
    for name, pointer in mine.required.items():
        if name not in other.required:
            cmp.add(pointer, other.pointer, "stricter", f"{_field(label, name)}: required {HERE}, optional {THERE}.")
    for name, pointer in other.required.items():
        if name not in mine.required:
            where = mine.properties[name].pointer if name in mine.properties else f"{mine.pointer}/required"
            cmp.add(where, pointer, "looser", f"{_field(label, name)}: optional {HERE}, required {THERE}.")


def _allows_unknown(node: Node | None) -> bool | None:
    """True/False for a boolean ``additionalProperties`` (absent is True), None for a schema."""
    if node is None:
        return True
    return node.value if isinstance(node.value, bool) else None


def _additional(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str, depth: int) -> None:
    a, b = _allows_unknown(mine.additional), _allows_unknown(other.additional)
    where = mine.additional.pointer if mine.additional else f"{mine.pointer}/additionalProperties"
    there = other.additional.pointer if other.additional else other.pointer
    if a is None and b is None:
        compare_schemas(cmp, mine.additional, other.additional, f"{label} (other fields)", depth + 1)
    elif a != b:
        rank = {False: 0, None: 1, True: 2}  # refused < checked against a schema < allowed
        kind = "stricter" if rank[a] < rank[b] else "looser"
        text = {True: "allowed", False: "refused", None: "checked against a schema"}
        cmp.add(where, there, kind, f"{label}: unknown fields are {text[a]} {HERE}, {text[b]} {THERE}.")


def _properties(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str, depth: int) -> None:
    for name, prop in mine.properties.items():
        if name in other.properties:
            compare_schemas(cmp, prop, other.properties[name], _field(label, name), depth + 1)
        else:
            cmp.add(prop.pointer, other.pointer, "extra", f"{_field(label, name)}: declared {HERE}, not {THERE}.")
    for name, prop in other.properties.items():
        if name not in mine.properties:
            cmp.add(f"{mine.pointer}/properties/{escape(name)}",
                    prop.pointer, "missing", f"{_field(label, name)}: declared {THERE}, not {HERE}.")


def _items(cmp: Comparison, mine: SchemaView, other: SchemaView, label: str, depth: int) -> None:
    item_label = f"{label[:-1]}[]`" if label.endswith("`") else f"{label} items"
    if mine.items is not None and other.items is not None:
        compare_schemas(cmp, mine.items, other.items, item_label, depth + 1)
    elif mine.items is not None:
        cmp.add(mine.items.pointer, other.pointer, "stricter",
                f"{item_label}: the items are constrained {HERE}, not {THERE}.")
    elif other.items is not None:
        cmp.add(f"{mine.pointer}/items", other.items.pointer, "looser",
                f"{item_label}: the items are not constrained {HERE}, they are {THERE}.")
