"""JSON Schema validation that yields :class:`Finding` objects with readable messages.

Two engines give the same findings: ``rs`` (jsonschema-rs, compiled, the default) and
``jsonschema`` (the reference implementation, used by the tests to check ``rs``). Both are fed
the same ``$ref``-free schema, so an error's schema path leads straight to the subschema that
produced it, and messages are written here from that subschema rather than taken from either
library.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sys
from collections.abc import Iterable
from typing import Any

import jsonschema_rs
import orjson

from .findings import Finding, pointer_of

ENGINES = ("rs", "jsonschema")
LARGE_INSTANCE_BYTES = 256 * 1024
SINGLE_CLASS = re.compile(r"^\^(\[.+\])[*+]\$$")
"""A pattern that is one character class repeated: its offenders are named by character."""
_JSON_TYPES = {
    dict: "an object", list: "an array", str: "a string", bool: "a boolean",
    int: "an integer", float: "a number", type(None): "null",
}


@functools.lru_cache(maxsize=64)
def ecma_regex(pattern: str) -> re.Pattern:
    """``pattern`` compiled with ECMA-262's (JSON Schema's) final ``$``: Python's also matches
    before a final newline, ECMA's does not. A ``$`` after an odd number of backslashes is a
    literal dollar and stays. (The one translation validators and strategies share.)"""
    if pattern.endswith("$"):
        backslashes = len(pattern) - 1 - len(pattern[:-1].rstrip("\\"))
        if backslashes % 2 == 0:
            pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


@functools.lru_cache(maxsize=None)
def _reference_validator() -> type:
    """Draft 2020-12 with ECMA-262 ``pattern``; imported on first use, since importing jsonschema
    costs ~0.1 s in every process (``bulkpdf lint`` in a pre-commit hook) that never needs it."""
    import jsonschema

    def ecma_pattern(validator, pattern, instance, schema):
        if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": ecma_pattern})


class SchemaCheck:
    """One compiled schema; ``findings(instance)`` lists every violation."""

    def __init__(
        self,
        schema: dict[str, Any],
        engine: str = "rs",
        prefix: tuple = (),
        label_format: str = "{}",
        root_label: str = "the value",
    ):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
        self.schema = schema
        self.engine = engine
        self.prefix = prefix
        self.label_format = label_format
        self.root_label = root_label
        self._fallback: SchemaCheck | None = None
        self._subschemas: dict[tuple, tuple[dict, Any]] = {}
        self._places: dict[tuple, tuple[str, str]] = {}
        if engine == "rs":
            # Messages are written here, so jsonschema-rs need not render the instance into its
            # own (a mask makes it skip that: ~12% of iter_errors' time).
            self._rs = jsonschema_rs.validator_for(schema, mask="...")
            self.is_valid = self._rs.is_valid
            split = _split_root(schema)
            self._root_keys = split and split[:2]
            self._rs_rest = split and jsonschema_rs.validator_for(split[2], mask="...")
        else:
            self._rs = None
            self._py = _reference_validator()(schema)
            self.is_valid = self._py.is_valid

    def _raw_errors(self, instance: Any, limit: int | None) -> list[tuple[list, list]]:
        """(instance path, schema path) of each error, at most ``limit``."""
        if self._rs is not None:
            raw: list[tuple[list, list]] = []
            if self._root_keys and isinstance(instance, dict):
                required, known = self._root_keys
                if not instance.keys() >= required:
                    raw.append(([], ["required"]))
                if known is not None and not instance.keys() <= known:
                    raw.append(([], ["additionalProperties"]))
                errors = self._rs_rest.iter_errors(instance)
            else:
                errors = self._rs.iter_errors(instance)
            if limit is not None:
                raw = raw[:limit]
                errors = itertools.islice(errors, limit - len(raw))
            raw += [(e.instance_path, e.schema_path) for e in errors]
            return raw
        errors = self._py.iter_errors(instance)
        if limit is not None:
            errors = itertools.islice(errors, limit)
        return [(list(e.absolute_path), list(e.absolute_schema_path)) for e in errors]

    def findings(self, instance: Any, limit: int | None = None) -> list[Finding]:
        """Every violation, or the first ``limit`` errors' findings when ``limit`` is set."""
        try:
            if self.is_valid(instance):
                return []
            if self._rs is not None and _is_large(instance):
                # jsonschema-rs copies the failing instance into every error it reports (the
                # root's key checks are done here without it, but an error below the root still
                # copies its whole subtree: a wrong-shape 14 MB body peaked near 1 GB); the
                # reference only refers to it, and gives the same findings.
                return self._reference().findings(instance, limit)
            raw = self._raw_errors(instance, limit)
        except (ValueError, TypeError, UnicodeError, OverflowError):
            if self._rs is None:
                raise
            # jsonschema-rs refuses what it cannot convert (lone surrogates from json.loads,
            # nesting deeper than 255, non-JSON Python values): the reference decides instead.
            return self._reference().findings(instance, limit)
        except RecursionError:
            return [self._too_deep()]
        out: list[Finding] = []
        try:
            for path, schema_path in raw:
                schema, allowed = self._subschema(schema_path)
                out += self._describe(schema_path[-1], schema, allowed, tuple(path), _walk(instance, path))
        except RecursionError:
            return [self._too_deep()]
        return out

    def _subschema(self, schema_path: list) -> tuple[dict, Any]:
        """The schema object holding the failed keyword and the keyword's :func:`_allowed` text
        (both looked up once per path)."""
        key = tuple(schema_path)
        found = self._subschemas.get(key)
        if found is None:
            schema = _walk(self.schema, key[:-1])
            found = self._subschemas[key] = (schema, _allowed(key[-1], schema))
        return found

    def _reference(self) -> "SchemaCheck":
        if self._fallback is None:
            self._fallback = SchemaCheck(
                self.schema, "jsonschema", self.prefix, self.label_format, self.root_label
            )
        return self._fallback

    def _too_deep(self) -> Finding:
        return Finding(
            "value.too-deep", pointer_of(self.prefix),
            f"{self.root_label} is nested more deeply than the validator can follow "
            f"(about {sys.getrecursionlimit()} levels); a valid one nests only a few levels",
        )

    # -- messages ------------------------------------------------------------------------------
    def _describe(self, keyword: str, schema: dict, allowed: Any, path: tuple, value: Any) -> list[Finding]:
        if keyword == "required":
            present = value if isinstance(value, dict) else {}
            return [
                Finding("schema.required", pointer, f"{label} is required but missing")
                for pointer, label in (self._place(path + (name,))
                                       for name in schema["required"] if name not in present)
            ]
        if keyword == "additionalProperties":
            known = schema.get("properties", {})
            return [
                Finding("schema.additionalProperties", pointer,
                        f"{label} is not a known field; allowed fields: {allowed}")
                for pointer, label in (self._place(path + (name,)) for name in value if name not in known)
            ]
        pointer, label = self._place(path)
        if keyword == "pattern":
            charset = _charset_finding(schema, value, pointer, label)
            if charset is not None:
                return [charset]
            if value == "" and _single_class(schema["pattern"]):
                if schema.get("minLength", 0) < 1:  # else the minLength finding says it already
                    return [Finding("schema.pattern", pointer,
                                    f"{label} is empty; allowed: one or more {_charset(schema)}")]
                return []
        return [Finding(f"schema.{keyword}", pointer, _message(keyword, schema, value, label, allowed))]

    def _place(self, path: tuple) -> tuple[str, str]:
        """The pointer and the label of an instance path, memoised (bounded): the same few fields
        fail in payload after payload, and building both strings costs more than the lookup."""
        place = self._places.get(path)
        if place is None:
            place = (pointer_of(self.prefix + path), self._label(path))
            if len(place[0]) <= 200:  # hostile field names are not kept
                if len(self._places) >= 4096:
                    self._places.clear()
                self._places[path] = place
        return place

    def _label(self, path: tuple) -> str:
        if not path:
            return self.root_label
        text = ""
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return self.label_format.format(text)


KEY_KEYWORDS = ("required", "additionalProperties")
"""The root keywords checked here, as set operations on the keys."""


def _split_root(schema: dict) -> tuple[frozenset, frozenset | None, dict] | None:
    """The root object's ``required`` names, its known names when ``additionalProperties`` is
    false (else None), and the schema without those two keywords; None when that split is not exact.

    jsonschema-rs reports each error as a Python exception carrying a copy of the failing
    instance, and for these two keywords that is the whole body: a missing ``fileName`` in a
    1 KB body cost more than validating it. Their verdicts are set operations on the keys, done
    here; the rest of the schema reports the errors below the root, with the same schema paths.
    The union is the full schema's errors as long as no other keyword decides which keys are
    "additional" and the root applies no other subschema to the object itself.
    """
    if schema.get("type") != "object" or not isinstance(schema.get("additionalProperties", True), bool):
        return None
    if {"patternProperties", "unevaluatedProperties", "$ref", "$dynamicRef", "allOf", "anyOf", "oneOf",
            "not", "if", "dependentSchemas"} & schema.keys():
        return None
    if "required" not in schema and schema.get("additionalProperties") is not False:
        return None
    known = frozenset(schema.get("properties", {})) if schema.get("additionalProperties") is False else None
    rest = {k: v for k, v in schema.items() if k not in KEY_KEYWORDS}
    return frozenset(schema.get("required", ())), known, rest


def _is_large(instance: Any) -> bool:
    """Whether ``instance`` is over LARGE_INSTANCE_BYTES as JSON (orjson: ~1 µs for 1 KB)."""
    try:
        return len(orjson.dumps(instance)) > LARGE_INSTANCE_BYTES
    except (TypeError, orjson.JSONEncodeError):
        return False  # not plain JSON: the rs engine refuses it and the reference takes over


def _walk(node: Any, path: Iterable) -> Any:
    for part in path:
        node = node[part]
    return node


def describe_value(value: Any) -> str:
    """``an object``, ``a string``, ``null``...: the JSON kind of a decoded value, for messages."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    """A value as it would appear in the payload (``true``, ``null``), strings quoted, cut at ``limit``."""
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _charset(schema: dict) -> str:
    return schema.get("x-bulkpdf-charset", f"characters matching {SINGLE_CLASS.match(schema['pattern']).group(1)}")


def _allowed(keyword: str, schema: dict) -> Any:
    """What a message about ``keyword`` lists as allowed, built once per schema path: the
    fields for ``additionalProperties``; for ``enum``, the values and their lower-cased forms
    (to tell a value in the wrong case)."""
    if keyword == "additionalProperties":
        return ", ".join(schema.get("properties", {})) or "none"
    if keyword == "enum":
        values = list(map(str, schema["enum"]))
        return ", ".join(values), frozenset(map(str.lower, values))
    return None


def _message(keyword: str, schema: dict, value: Any, label: str, allowed: Any) -> str:
    limit = schema.get(keyword)
    if keyword == "maxLength":
        return f"{label} is {len(value)} characters long; at most {limit} are allowed"
    if keyword == "minLength":
        return (f"{label} is empty; at least {limit} character is required" if not value
                else f"{label} is {len(value)} characters long; at least {limit} are required")
    if keyword == "maxItems":
        return f"{label} has {len(value)} items; at most {limit} are allowed"
    if keyword == "minItems":
        return (f"{label} is empty; at least {limit} item is required" if not value
                else f"{label} has {len(value)} items; at least {limit} are required")
    if keyword == "enum":
        values, lowered = allowed
        hint = " (values are case-sensitive)" if isinstance(value, str) and value.lower() in lowered else ""
        return f"{label} is {_short(value)}; allowed values: {values}{hint}"
    if keyword == "const":
        return f"{label} is {_short(value)}; it must be {_short(limit)}"
    if keyword == "type":
        expected = " or ".join(limit) if isinstance(limit, list) else limit
        return f"{label} is {describe_value(value)}; expected {expected}"
    if keyword == "pattern":
        return f"{label} {_short(value)} does not match the pattern {limit}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{label} is {value}; {keyword} is {limit}"
    return f"{label} violates {keyword}: {_short(limit)}"


def charset_rule(allowed_char: re.Pattern, char: str) -> str:
    """The rule id for ``char``, which the character class ``allowed_char`` refuses (the
    strategies label their examples with it, so both sides classify alike)."""
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return "charset.control-character"
    if code > 0x7F and not allowed_char.fullmatch("\u00e9"):
        return "charset.non-ascii"
    return "charset.forbidden-character"


_DESCRIBE_CHAR = {
    "charset.control-character": "the control character U+{code:04X}",
    "charset.non-ascii": "the non-ASCII character {char!r} (U+{code:04X})",
    "charset.forbidden-character": "{char!r} (U+{code:04X})",
}


def _charset_finding(schema: dict, value: Any, pointer: str, label: str) -> Finding | None:
    """For a ``^[class]*$`` pattern, name the first offending character instead of the regex."""
    single = _single_class(schema["pattern"]) if isinstance(value, str) else None
    if single is None:
        return None
    allowed_char, allowed_run = single
    position = allowed_run.match(value).end()
    if position == len(value):
        return None
    char = value[position]
    rule = charset_rule(allowed_char, char)
    what = _DESCRIBE_CHAR[rule].format(char=char, code=ord(char))
    return Finding(rule, pointer,
                   f"{label} contains {what} at position {position + 1}; allowed: {_charset(schema)}")


@functools.lru_cache(maxsize=64)
def _single_class(pattern: str) -> tuple[re.Pattern, re.Pattern] | None:
    """For a pattern that is one character class repeated: the class, and a matcher of the
    longest run of allowed characters (the first refused one ends it)."""
    match = SINGLE_CLASS.match(pattern)
    if match is None:
        return None
    return re.compile(match.group(1)), re.compile(match.group(1) + "*")
