"""Edge families of single fields: lengths, charsets, types, presence, enums, patterns, empties.

Each family walks the value slots the spec defines (:func:`~.limits.slots`) and derives the
finding a change must cause from the slot's schema keywords, so a modified spec changes both
the values and their labels.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Union

from hypothesis import strategies as st

from ..spec import Contract, load_contract
from .bound import composite
from .limits import PRINTABLE_ASCII, Slot, charset, fixed_shape, matches, slots
from .model import Labelled, Request
from .placement import MISSING, base_for, base_request, place, verdict
from .values import NON_ASCII_SAMPLES, characters, header_text, multibyte_characters

Fields = Optional[Iterable[str]]
Edges = st.SearchStrategy[Union[Request, Labelled]]

BOUNDARY = "boundary-length"
CHARSET = "charset"
WRONG_TYPE = "wrong-type"
MISSING_FIELD = "missing-field"
UNKNOWN_FIELD = "unknown-field"
ENUM = "enum"
PATTERN = "pattern"
EMPTY = "empty"

# Values of every JSON type; a slot gets the ones its schema's type refuses.
_ANY_JSON = (0, 32, 1.5, True, False, None, "true", "32", [], ["x"], {}, {"value": "x"})
_UNKNOWN_ENUM_VALUES = ("XML", "PDF", "ZIP", "xlsx", "Quote", "Payment", "Invoices", "br", "deflate", "none")
_EXTRA_FIELDS = ("callbackUrl", "zipFileName", "documentIds", "format", "priority")
_PATTERN_MISTAKES = ("2024-1-5", "2024/01/05", "v2", "211", "211.1", "latest", "20240105", "2024-01-05T00:00:00Z")


def _slots(contract: Contract, keep, fields: Fields = None) -> list[Slot]:
    """The slots ``keep`` accepts, limited to ``fields`` (body, group or header names) if given."""
    every = slots(contract)
    if fields is not None:
        fields = set(fields)
        unknown = fields - {s.name for s in every}
        if unknown:
            raise ValueError(f"no field or header {sorted(unknown)} in the spec; "
                             f"known: {', '.join(sorted({s.name for s in every}))}")
    return [s for s in every if keep(s) and (fields is None or s.name in fields)]


def _one_of(options: list[st.SearchStrategy]) -> st.SearchStrategy:
    return st.one_of(options) if options else st.nothing()


def _bounds(slot: Slot) -> tuple[int, int]:
    low = slot.schema.get("minLength", 0)
    return low, slot.schema.get("maxLength", max(low, 24))


# -- boundary lengths ----------------------------------------------------------------------------
def _text_of_size(slot: Slot, size: int) -> st.SearchStrategy[str]:
    """Exactly ``size`` characters the slot allows: ASCII, or (in a body) mixed with multibyte."""
    if slot.where == "header":
        return header_text(slot.schema, size, size)
    ascii_text = st.text(characters(slot.schema, ascii_only=True), min_size=size, max_size=size)
    cs = charset(slot.schema)
    if size == 0 or (cs is not None and not cs.non_ascii):
        return ascii_text

    @st.composite
    def mixed(draw) -> str:
        wide = draw(st.integers(1, size))
        chars = draw(st.lists(multibyte_characters(slot.schema), min_size=wide, max_size=wide))
        chars += draw(st.text(characters(slot.schema, ascii_only=True), min_size=size - wide, max_size=size - wide))
        return "".join(draw(st.permutations(chars)))

    return st.one_of(ascii_text, mixed())


def _length_case(contract: Contract, slot: Slot, size: int, rule: str | None) -> st.SearchStrategy:
    return _replaced(contract, slot, _text_of_size(slot, size), rule, BOUNDARY)


def boundary_lengths(contract: Contract | None = None, fields: Fields = None) -> Edges:
    """Every ``maxLength`` at the limit (valid) and one over (``schema.maxLength``); likewise
    ``minLength`` above 1 (an empty value is :func:`empty_values`' business)."""
    contract = contract or load_contract()
    options = []
    plain = lambda s: "string" in s.types and "enum" not in s.schema and (  # noqa: E731
        "pattern" not in s.schema or charset(s.schema) is not None)
    for slot in _slots(contract, plain, fields):
        low = slot.schema.get("minLength", 0)
        if "maxLength" in slot.schema:
            high = slot.schema["maxLength"]
            options += [_length_case(contract, slot, high, None),
                        _length_case(contract, slot, high + 1, "schema.maxLength")]
        if low > 0:
            options.append(_length_case(contract, slot, low, None))
        if low > 1:
            options.append(_length_case(contract, slot, low - 1, "schema.minLength"))
    return _one_of(options)


# -- charsets -------------------------------------------------------------------------------------
def _bad_character(contract: Contract, slot: Slot, bad: st.SearchStrategy[str]) -> st.SearchStrategy[Labelled]:
    low, high = _bounds(slot)
    low, high = max(low, 2), max(low, 2, high - 1)
    if slot.where == "header":
        texts = header_text(slot.schema, low, high)
    else:
        texts = st.text(characters(slot.schema), min_size=low, max_size=high)
    return _with_bad_character(contract, slot, texts, bad)


@composite
def _with_bad_character(draw, contract: Contract, slot: Slot, texts: st.SearchStrategy[str],
                        bad: st.SearchStrategy[str]) -> Labelled:
    text = draw(texts)
    inside = slot.where == "header"  # HTTP trims the ends of a header value: put it inside
    at = draw(st.integers(1 if inside else 0, len(text) - 1 if inside else len(text)))
    char = draw(bad)
    request, pointer = place(draw, base_for(draw, contract, slot), slot, text[:at] + char + text[at:])
    return Labelled(request, charset(slot.schema).rule_for(char), pointer, family=CHARSET)


def charset_violations(contract: Contract | None = None, fields: Fields = None) -> st.SearchStrategy[Labelled]:
    """One refused character in an otherwise valid value: a forbidden one (``: ; " '`` in the
    track ID), a control character, or a non-ASCII one where only ASCII is allowed."""
    contract = contract or load_contract()
    options = []
    with_charset = lambda s: charset(s.schema) is not None and s.schema.get("maxLength", 3) >= 3  # noqa: E731
    for slot in _slots(contract, with_charset, fields):
        cs = charset(slot.schema)
        if cs.forbidden:
            options.append(_bad_character(contract, slot, st.sampled_from(cs.forbidden)))
        if cs.control:
            options.append(_bad_character(contract, slot, st.sampled_from(cs.control)))
        if not cs.non_ascii:
            wide = st.one_of(st.sampled_from(NON_ASCII_SAMPLES), multibyte_characters({}))
            options.append(_bad_character(contract, slot, wide))
    return _one_of(options)


# -- types ------------------------------------------------------------------------------------------
def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _refused(types: tuple[str, ...], value: Any) -> bool:
    kind = _json_type(value)
    return kind not in types and not (kind == "integer" and "number" in types)


def _mistakes(old: Any) -> list[Any]:
    """Type mistakes people make with ``old``: wrapped in a list, unwrapped, stringified."""
    if isinstance(old, list):
        return old[:1]
    if isinstance(old, bool):
        return [str(old).lower(), int(old)]
    if isinstance(old, str):
        return [[old]] + ([int(old)] if old.isdigit() else [])
    return []


def _pick(draw, options: list[Any]) -> Any:
    """One of ``options``, drawn without building a strategy per call (lists are not cacheable)."""
    return options[draw(st.integers(0, len(options) - 1))]


def _wrong_value(draw, types: tuple[str, ...]):
    def change(old: Any) -> Any:
        return _pick(draw, [v for v in _mistakes(old) + list(_ANY_JSON) if _refused(types, v)])
    return change


@composite
def _wrong_type(draw, contract: Contract, slot: Slot) -> Labelled:
    request, pointer = place(draw, base_for(draw, contract, slot), slot, _wrong_value(draw, slot.types))
    return Labelled(request, "schema.type", pointer, family=WRONG_TYPE)


@composite
def _wrong_container(draw, contract: Contract, group: bool) -> Labelled:
    """The whole body, or one ``documents`` item, of a type other than object."""
    request = base_request(draw, contract)
    body = dict(request.body)
    if group:
        docs = list(body["documents"])
        g = draw(st.integers(0, len(docs) - 1))
        docs[g] = _wrong_value(draw, ("object",))(docs[g])
        body["documents"] = docs
        return Labelled(Request(request.method, request.headers, body, request.path),
                        "schema.type", f"/documents/{g}", family=WRONG_TYPE)
    wrong = _pick(draw, [[body], body["documents"], "", 0])
    return Labelled(Request(request.method, request.headers, wrong, request.path), "schema.type", "", family=WRONG_TYPE)


def wrong_types(contract: Contract | None = None, fields: Fields = None) -> st.SearchStrategy[Labelled]:
    """A value of another JSON type (``schema.type``) wherever the type is the only rule that can
    refuse it: fields with an ``enum`` or ``const`` are left out, as any value there breaks two."""
    contract = contract or load_contract()
    def typed_only(slot: Slot) -> bool:
        return slot.where != "header" and bool(slot.types) and not {"enum", "const"} & set(slot.schema)

    options = [_wrong_type(contract, slot) for slot in _slots(contract, typed_only, fields)]
    if fields is None and contract.request_schema().get("type") == "object":
        options.append(_wrong_container(contract, group=False))
    if fields is None and contract.property_schema("documents", "items").get("type") == "object":
        options.append(_wrong_container(contract, group=True))
    return _one_of(options)


# -- presence ---------------------------------------------------------------------------------------
@composite
def _missing(draw, contract: Contract, slot: Slot) -> Labelled:
    request, pointer = place(draw, base_for(draw, contract, slot), slot, MISSING)
    return Labelled(request, "schema.required", pointer, family=MISSING_FIELD)


def missing_fields(contract: Contract | None = None, fields: Fields = None) -> st.SearchStrategy[Labelled]:
    """Each required field (and required header) left out: ``schema.required`` at the member."""
    contract = contract or load_contract()
    return _one_of([_missing(contract, s) for s in _slots(contract, lambda s: s.required, fields)])


def _misspellings(names: list[str]) -> list[str]:
    out = []
    for name in names:
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        out += [name.lower(), snake, name + "s", name[:1].upper() + name[1:], name.replace("PDF", "Pdf")]
    return sorted(set(out + list(_EXTRA_FIELDS)) - set(names))


_UNKNOWN_VALUES = st.one_of(st.booleans(), st.sampled_from(["JSON", "invoices-2024", "1"]))


@composite
def _unknown_field(draw, contract: Contract, where: str, keys: st.SearchStrategy[str]) -> Labelled:
    key, value = draw(keys), draw(_UNKNOWN_VALUES)
    slot = Slot(where, key, {})
    request, pointer = place(draw, base_for(draw, contract, slot), slot, value)
    return Labelled(request, "schema.additionalProperties", pointer, family=UNKNOWN_FIELD)


def unknown_fields(contract: Contract | None = None) -> st.SearchStrategy[Labelled]:
    """A misspelt or invented field next to the real ones, where the spec closes the object."""
    contract = contract or load_contract()
    options = [
        _unknown_field(contract, where, st.sampled_from(_misspellings(list(schema["properties"]))))
        for where, schema in (("body", contract.request_schema()),
                              ("group", contract.property_schema("documents", "items")))
        if schema.get("additionalProperties") is False
    ]
    return _one_of(options)


# -- enums and patterns -----------------------------------------------------------------------------
def _wrong_case(value: str) -> set[str]:
    return {value.lower(), value.upper(), value.swapcase(), value.title(), value[:1].lower() + value[1:]}


def _enum_values(slot: Slot) -> st.SearchStrategy[str]:
    allowed = [v for v in slot.schema["enum"] if isinstance(v, str)]
    cased = sorted(set().union(*map(_wrong_case, allowed)) - set(allowed) - {""})
    unknown = [v for v in _UNKNOWN_ENUM_VALUES if v not in allowed]
    text = header_text({}, 1, 16) if slot.where == "header" else st.text(min_size=1, max_size=16)
    options = [st.sampled_from(cased)] if cased else []
    options += [st.sampled_from(unknown), text.filter(lambda v: v not in allowed)]
    return st.one_of(options)


@composite
def _replaced(draw, contract: Contract, slot: Slot, values: st.SearchStrategy, rule: str, family: str):
    """``slot`` set to a drawn value (or to a drawn function of its old value)."""
    request, pointer = place(draw, base_for(draw, contract, slot), slot, draw(values))
    return verdict(request, rule, pointer, family)


def enum_violations(contract: Contract | None = None, fields: Fields = None) -> st.SearchStrategy[Labelled]:
    """Enum values in the wrong case (``json``, ``INVOICE``) and unknown ones: ``schema.enum``."""
    contract = contract or load_contract()
    string_enums = _slots(contract, lambda s: any(isinstance(v, str) for v in s.schema.get("enum", ())), fields)
    return _one_of([_replaced(contract, s, _enum_values(s), "schema.enum", ENUM) for s in string_enums])


def _shape_mistakes(slot: Slot) -> list[tuple[st.SearchStrategy, str | None]]:
    """Changes to a real object ID: one character short or long, a foreign character, UUID
    dashes, and (a valid edge) upper case. Each is a function of the ID it replaces."""
    shape = fixed_shape(slot.schema)
    foreign = [c for c in PRINTABLE_ASCII if c not in shape.alphabet]
    cases: list[tuple[st.SearchStrategy, str | None]] = [
        (st.just(lambda old: old[:-1]), "schema.pattern"),
        (st.sampled_from(shape.alphabet).map(lambda c: lambda old: old + c), "schema.pattern"),
        (st.tuples(st.sampled_from(foreign), st.integers(0, shape.length - 1))
         .map(lambda t: lambda old: old[: t[1]] + t[0] + old[t[1] + 1:]), "schema.pattern"),
    ]
    if shape.length == 32:
        cases.append((st.just(lambda v: f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"), "schema.pattern"))
    if set("ABCDEF") <= set(shape.alphabet):
        cases.append((st.just(str.upper), None))
    return cases


def pattern_violations(contract: Contract | None = None, fields: Fields = None) -> Edges:
    """Values that break a non-charset ``pattern`` (``schema.pattern``): malformed object IDs and
    ``Zuora-Version`` values; upper-case object IDs are a valid edge."""
    contract = contract or load_contract()
    options = []
    for slot in _slots(contract, lambda s: "pattern" in s.schema and charset(s.schema) is None, fields):
        if fixed_shape(slot.schema) is not None:
            options += [_replaced(contract, slot, values, rule, PATTERN) for values, rule in _shape_mistakes(slot)]
            continue
        known = [v for v in _PATTERN_MISTAKES if not matches(slot.schema, v)]
        text = header_text({}, 1, 24) if slot.where == "header" else st.text(min_size=1, max_size=24)
        values = st.one_of(st.sampled_from(known), text) if known else text
        options.append(_replaced(contract, slot, values.filter(lambda v, s=slot.schema: not matches(s, v)),
                                 "schema.pattern", PATTERN))
    return _one_of(options)


# -- empty values ---------------------------------------------------------------------------------
def empty_rules(schema: dict[str, Any], value: Any) -> list[str]:
    """The schema keywords an empty string or array breaks."""
    if value == []:
        return ["schema.minItems"] if schema.get("minItems", 0) > 0 else []
    rules = []
    if schema.get("minLength", 0) > 0:
        rules.append("schema.minLength")
    if "enum" in schema and "" not in schema["enum"]:
        rules.append("schema.enum")
    if "pattern" in schema and not matches(schema, ""):
        rules.append("schema.pattern")
    return rules


def empty_values(contract: Contract | None = None, fields: Fields = None) -> Edges:
    """``""`` in every string slot and ``[]`` in every array: labelled with the one keyword it
    breaks, or plain when the spec allows it (an empty job name or track ID). A slot where the
    empty value breaks two keywords (``minLength`` 1 and a ``+`` pattern) is left out, since a
    labelled example names exactly one finding."""
    contract = contract or load_contract()
    options = []
    for slot in _slots(contract, lambda s: True, fields):
        types = slot.types or ("string",)
        for empty, kind in (("", "string"), ([], "array")):
            rules = empty_rules(slot.schema, empty)
            if kind in types and len(rules) <= 1:
                options.append(_replaced(contract, slot, st.just(empty), rules[0] if rules else None, EMPTY))
    return _one_of(options)
