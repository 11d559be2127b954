"""What the strategies read from the spec: the value slots of a request and their rules.

Nothing here types a limit again: lengths, enums, charsets and the object-ID shape are read
from the schemas of a :class:`~bulkpdf_contract.spec.Contract`, so a modified spec changes what
the strategies generate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..spec import Contract
from ..validators.schema import SINGLE_CLASS, charset_rule, ecma_regex

PRINTABLE_ASCII = "".join(map(chr, range(0x20, 0x7F)))
CONTROL_CHARACTERS = "".join(map(chr, range(0x20))) + "\x7f"
_FIXED_CLASS = re.compile(r"^\^(\[[^\]]+\])\{(\d+)\}\$$")
_NON_ASCII_PROBE = "\u00e9"
# Characters from several planes: a class that takes all of them is taken to allow any non-ASCII.
_WIDE_PROBES = "\u0080\u00e9\u0394\u65e5\ufffd\U0001F600\U0010FFFD"


@dataclass(frozen=True)
class Charset:
    """A ``^[class]*$`` pattern split the way the validators report it.

    ``forbidden`` are the printable ASCII characters the class refuses
    (``charset.forbidden-character``), ``control`` the refused control characters
    (``charset.control-character``); ``non_ascii`` says whether other characters are allowed
    (as the validators decide it) and ``all_non_ascii`` whether every one of them seems to be.
    """

    char_class: re.Pattern
    allowed_ascii: str
    forbidden: str
    control: str
    non_ascii: bool
    all_non_ascii: bool

    def allows(self, char: str) -> bool:
        return self.char_class.fullmatch(char) is not None

    def rule_for(self, char: str) -> str:
        """The rule id the validators give for ``char`` (which the class refuses)."""
        return charset_rule(self.char_class, char)


@functools.lru_cache(maxsize=64)
def _charset(pattern: str) -> Charset | None:
    match = SINGLE_CLASS.match(pattern)
    if match is None:
        return None
    cls = re.compile(match.group(1))
    allowed = "".join(c for c in PRINTABLE_ASCII if cls.fullmatch(c))
    return Charset(
        char_class=cls,
        allowed_ascii=allowed,
        forbidden="".join(c for c in PRINTABLE_ASCII if c not in allowed),
        control="".join(c for c in CONTROL_CHARACTERS if not cls.fullmatch(c)),
        non_ascii=cls.fullmatch(_NON_ASCII_PROBE) is not None,
        all_non_ascii=all(cls.fullmatch(c) for c in _WIDE_PROBES),
    )


def charset(schema: dict[str, Any]) -> Charset | None:
    """The charset of a single-character-class pattern, or None for other patterns."""
    pattern = schema.get("pattern")
    return _charset(pattern) if pattern else None


@dataclass(frozen=True)
class FixedShape:
    """A ``^[class]{n}$`` pattern, such as the 32-hex object ID."""

    alphabet: str
    length: int

    @property
    def is_hex(self) -> bool:
        return set("0123456789abcdef") <= set(self.alphabet)


def fixed_shape(schema: dict[str, Any] | str) -> FixedShape | None:
    """The shape of a ``^[class]{n}$`` pattern (or of the schema holding it), else None."""
    return _fixed_shape(schema if isinstance(schema, str) else schema.get("pattern", ""))


@functools.lru_cache(maxsize=64)
def _fixed_shape(pattern: str) -> FixedShape | None:
    match = _FIXED_CLASS.match(pattern)
    if match is None:
        return None
    cls = re.compile(match.group(1))
    return FixedShape("".join(c for c in PRINTABLE_ASCII if cls.fullmatch(c)), int(match.group(2)))


def matches(schema: dict[str, Any], value: str) -> bool:
    """Whether ``value`` matches the schema's pattern (true when it has none)."""
    pattern = schema.get("pattern")
    return pattern is None or ecma_regex(pattern).search(value) is not None


@dataclass(frozen=True)
class Slot:
    """A place in a request that holds one value, and the schema that governs it.

    ``where`` is ``body`` (a top-level field), ``group`` (a field of a ``documents`` item),
    ``object-id`` (an item of ``objectIds``) or ``header``; ``methods`` are the methods whose
    operation declares it.
    """

    where: str
    name: str
    schema: dict[str, Any]
    required: bool = False
    methods: tuple[str, ...] = ("POST",)

    @property
    def types(self) -> tuple[str, ...]:
        declared = self.schema.get("type", ())
        return (declared,) if isinstance(declared, str) else tuple(declared)


def _schema_slots(where: str, schema: dict[str, Any]) -> list[Slot]:
    required = set(schema.get("required", ()))
    return [
        Slot(where, name, sub, name in required)
        for name, sub in schema.get("properties", {}).items()
    ]


@functools.lru_cache(maxsize=32)
def slots(contract: Contract) -> tuple[Slot, ...]:
    """Every value slot of a request: body fields, group fields, object IDs, headers."""
    out = _schema_slots("body", contract.request_schema())
    out += _schema_slots("group", contract.property_schema("documents", "items"))
    out.append(Slot("object-id", "objectIds", contract.property_schema("documents", "items", "objectIds", "items")))
    methods: dict[str, list[str]] = {}
    params: dict[str, dict[str, Any]] = {}
    for method in ("POST", "GET"):
        for name, param in contract.header_parameters(method).items():
            methods.setdefault(name, []).append(method)
            params[name] = param
    out += [
        Slot("header", name, params[name]["schema"], bool(params[name].get("required")), tuple(ms))
        for name, ms in methods.items()
    ]
    return tuple(out)
