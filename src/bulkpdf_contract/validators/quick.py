"""A pure-Python "is this instance valid?" for simple schemas, so that a short run never loads
jsonschema-rs.

Importing jsonschema-rs costs ~7 ms (its extension imports ``email.utils`` and ``decimal``): as
much as the rest of ``bulkpdf lint``'s work on one file, which a pre-commit hook does on every
commit. :func:`quick_check` turns a schema into a predicate that is exact where it says True: it
knows the few keywords the fragment's schemas use, and says False ("ask the engine") for what it
cannot decide exactly, such as a float or a value JSON has no type for. A schema with any other
keyword, a value it does not expect or a pattern outside :data:`SAFE_PATTERN` gets None (no
quick check). :class:`~.schema.SchemaCheck` asks the engine whenever the answer is not True, so
every finding still comes from the engine.
"""

from __future__ import annotations

import re

from ..spec import JSON_SCHEMA_DIALECT

ANNOTATIONS = frozenset({"description", "title", "default", "examples", "deprecated", "readOnly",
                         "writeOnly", "$comment"})
KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "minItems",
                      "maxItems", "minLength", "maxLength", "pattern", "enum", "const"})
_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null", int: "integer"}
"""JSON kinds by exact Python type; a float (``1.0`` is an integer to JSON Schema) and anything
else is left to the engine."""

_ESCAPE = r"\\x[0-9a-fA-F]{2}|\\[][\\^$.|?*+(){}/-]"
_CLASS = rf"\[\^?(?:[^\\\[\]]|{_ESCAPE})+\]"
SAFE_PATTERN = re.compile(
    rf"\^?(?:{_CLASS}|{_ESCAPE}|[0-9A-Za-z _\-,:;=!@#%&'\"/<>~]|\((?!\?)|\)|\|"
    r"|[*+?]|\{\d+(?:,\d*)?\})*\$?"
)
"""Patterns ECMA-262, jsonschema-rs and Python's ``re`` (through :func:`~.schema.ecma_regex`)
read alike: literals, ``\\x`` escapes and escaped punctuation, character classes of those,
groups, ``|`` and quantifiers; ``^`` only first and ``$`` only last. No ``.``, no ``\\d``-style
classes (ASCII or Unicode, depending on who reads them), no lookaround or back-references."""
_CLASS_OPERATORS = ("--", "&&", "~~", "||")  # set operations in Rust's classes, warned of by Python's


class _Unsupported(Exception):
    pass


def quick_check(schema: object):
    """The predicate for ``schema``, or None when it is not one this module decides exactly."""
    try:
        return _compile(schema, root=True)
    except (_Unsupported, re.error):
        return None


def _anything(value: object) -> bool:
    return True


def _nothing(value: object) -> bool:
    return False


def _compile(schema: object, root: bool = False):
    if isinstance(schema, bool):
        return _anything if schema else _nothing
    if not isinstance(schema, dict):
        raise _Unsupported
    for key in schema:
        if key not in KEYWORDS and key not in ANNOTATIONS and not key.startswith("x-"):
            if not (root and key == "$schema" and schema[key] == JSON_SCHEMA_DIALECT):
                raise _Unsupported
    if not schema.keys() & KEYWORDS:
        return _anything
    kinds = _types(schema)
    values = _values(schema)
    by_kind = {"object": _object_check(schema), "array": _array_check(schema), "string": _string_check(schema)}

    def check(value: object) -> bool:
        kind = _KINDS.get(type(value))
        if kind is None or (kinds is not None and kind not in kinds):
            return False
        if values is not None and (kind != "string" or value not in values):
            return False
        specific = by_kind.get(kind)
        return specific is None or specific(value)

    return check


def _types(schema: dict) -> frozenset | None:
    if "type" not in schema:
        return None
    names = schema["type"]
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(n in ("object", "array", "string", "boolean", "null",
                                                    "integer", "number") for n in names):
        raise _Unsupported
    return frozenset(names) | ({"integer"} if "number" in names else set())


def _values(schema: dict) -> frozenset | None:
    """``enum`` and ``const`` when every value is a string (other values compare as JSON, not as
    Python, does: ``true`` is not ``1``)."""
    allowed = None
    if "enum" in schema:
        if not isinstance(schema["enum"], list) or not all(type(v) is str for v in schema["enum"]):
            raise _Unsupported
        allowed = frozenset(schema["enum"])
    if "const" in schema:
        if type(schema["const"]) is not str:
            raise _Unsupported
        allowed = frozenset({schema["const"]}) & (allowed if allowed is not None else {schema["const"]})
    return allowed


def _count(schema: dict, keyword: str, default: int | None) -> int | None:
    if keyword not in schema:
        return default
    value = schema[keyword]
    if type(value) is not int or value < 0:
        raise _Unsupported
    return value


def _object_check(schema: dict):
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if not isinstance(required, list) or not all(type(n) is str for n in required) or not isinstance(properties, dict):
        raise _Unsupported
    required = frozenset(required)
    checks = {name: _compile(sub) for name, sub in properties.items()}
    extra = schema.get("additionalProperties", True)
    known = frozenset(properties) if extra is False else None
    extra = None if extra is True or extra is False else _compile(extra)

    def check(value: dict) -> bool:
        keys = value.keys()
        if not keys >= required or (known is not None and not keys <= known):
            return False
        for name, item in value.items():
            if type(name) is not str:  # YAML's ``1: x``; JSON objects have string keys only
                return False
            sub = checks.get(name, extra)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _array_check(schema: dict):
    low, high = _count(schema, "minItems", 0), _count(schema, "maxItems", None)
    items = _compile(schema["items"]) if "items" in schema else None

    def check(value: list) -> bool:
        if len(value) < low or (high is not None and len(value) > high):
            return False
        return items is None or all(map(items, value))

    return check


def _string_check(schema: dict):
    low, high = _count(schema, "minLength", 0), _count(schema, "maxLength", None)
    search = _pattern(schema["pattern"]) if "pattern" in schema else None

    def check(value: str) -> bool:
        if len(value) < low or (high is not None and len(value) > high):
            return False
        return search is None or search(value) is not None

    return check


def _pattern(pattern: object):
    if not isinstance(pattern, str) or not SAFE_PATTERN.fullmatch(pattern):
        raise _Unsupported
    if any(op in part for part in re.findall(_CLASS, pattern) for op in _CLASS_OPERATORS):
        raise _Unsupported
    from .schema import ecma_regex  # here, not above: schema.py imports this module

    return ecma_regex(pattern).search
