"""A pure-Python "is this instance valid?" for simple schemas, so that a short run never loads
jsonschema-rs.

Importing jsonschema-rs costs ~7 ms (its extension imports ``email.utils`` and ``decimal``): as
much as the rest of ``bulkpdf lint``'s work on one file, which a pre-commit hook does on every
commit. :func:`quick_check` turns a schema into a predicate that is exact where it says True: it
knows the few keywords the fragment's schemas use, and says False ("ask the engine") for what it
cannot decide exactly, such as a float or a value JSON has no type for. A schema with any other
keyword, a value it does not expect or a pattern :func:`is_safe_pattern` refuses gets None (no
quick check). :class:`~.schema.SchemaCheck` asks the engine whenever the answer is not True, so
every finding still comes from the engine.
"""

from __future__ import annotations

import re

from ..spec import JSON_SCHEMA_DIALECT
from .schema import ecma_regex

ANNOTATIONS = frozenset({"description", "title", "default", "examples", "deprecated", "readOnly",
                         "writeOnly", "$comment"})
KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "minItems",
                      "maxItems", "minLength", "maxLength", "pattern", "enum", "const"})
_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null", int: "integer"}
"""JSON kinds by exact Python type; a float (``1.0`` is an integer to JSON Schema) and anything
else is left to the engine."""

_LITERALS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz _-,:;=!@#%&'\"/<>~")
_ESCAPED = frozenset("][\\^$.|?*+(){}/-")
_HEX = frozenset("0123456789abcdefABCDEF")
_CLASS_OPERATORS = ("--", "&&", "~~", "||")  # set operations in Rust's classes, warned of by Python's


class _Unsupported(Exception):
    pass


def quick_check(schema: object):
    """The predicate for ``schema``, or None when it is not one this module decides exactly."""
    try:
        return _compile(schema, root=True)
    except (_Unsupported, re.error, OverflowError):
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
    pattern = schema.get("pattern")
    if pattern is not None and (not isinstance(pattern, str) or not is_safe_pattern(pattern)):
        raise _Unsupported
    search = None if pattern is None else ecma_regex(pattern).search  # re.error: no quick check

    def check(value: str) -> bool:
        if len(value) < low or (high is not None and len(value) > high):
            return False
        return search is None or search(value) is not None

    return check


def is_safe_pattern(pattern: str) -> bool:
    """Whether ECMA-262, jsonschema-rs and Python's ``re`` (through :func:`~.schema.ecma_regex`)
    read ``pattern`` alike: literals, ``\\x`` escapes and escaped punctuation, character classes
    of those, groups, ``|`` and quantifiers; ``^`` only first and ``$`` only last. No ``.``, no
    ``\\d``-style classes (ASCII or Unicode, depending on the reader), no lookaround, no
    back-references. A scan, not a regex: compiling one costs more than the check saves."""
    i, end = (1 if pattern.startswith("^") else 0), len(pattern)
    while i < end:
        char = pattern[i]
        if char == "\\" or char == "[":
            i = _escape_end(pattern, i) if char == "\\" else _class_end(pattern, i)
            if i < 0:
                return False
        elif char == "{":
            close = pattern.find("}", i)
            low, _, high = pattern[i + 1:close].partition(",")
            if close < 0 or not low.isdigit() or not (high == "" or high.isdigit()) or not (low + high).isascii():
                return False
            i = close + 1
        elif char == "$":
            return i == end - 1
        elif char in _LITERALS or char in "|*+?)" or (char == "(" and pattern[i + 1:i + 2] != "?"):
            i += 1
        else:
            return False
    return True


def _escape_end(pattern: str, i: int) -> int:
    """Where the escape at ``i`` ends; -1 for one this module does not take."""
    if pattern[i + 1:i + 2] == "x" and len(pattern[i + 2:i + 4]) == 2 and set(pattern[i + 2:i + 4]) <= _HEX:
        return i + 4
    return i + 2 if pattern[i + 1:i + 2] and pattern[i + 1] in _ESCAPED else -1


def _class_end(pattern: str, i: int) -> int:
    """Where the character class at ``i`` ends; -1 for one read differently by someone."""
    i += 2 if pattern[i + 1:i + 2] == "^" else 1
    if pattern[i:i + 1] == "]":  # "[]" and "[^]": an empty class to ECMA-262, a "]" to Python
        return -1
    while i < len(pattern):
        if pattern[i] == "]":
            return i + 1
        if pattern[i] == "[" or pattern[i:i + 2] in _CLASS_OPERATORS:  # Rust's nested classes, set operations
            return -1
        i = _escape_end(pattern, i) if pattern[i] == "\\" else i + 1
        if i < 0:
            return -1
    return -1
