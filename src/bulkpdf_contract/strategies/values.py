"""Realistic values for single fields, each kept inside the rules its schema states.

Word lists give plausible data (Zuora-like object IDs, file and job names a billing team would
choose); arbitrary text drawn from the schema's own charset reaches the corners the word lists
miss. Header values never start or end with whitespace, because HTTP trims it on the wire.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from hypothesis import strategies as st

from .limits import CONTROL_CHARACTERS, PRINTABLE_ASCII, charset, fixed_shape, matches

# First eight hex digits of real Zuora IDs (tenant / pod prefixes seen in Zuora's samples).
ZUORA_ID_PREFIXES = ("402880de", "8a90a04d", "2c92c0f8", "2c92a0fd", "2c92c8fb", "8ad09be4")
FILE_NAME_WORDS = (
    "all", "invoices", "credit-memos", "debit-memos", "posted", "jan", "feb", "dec", "2024",
    "2025", "q1", "q4", "month-end", "eu", "us", "export", "batch", "März", "facturas",
    "請求書", "счета",
)
JOB_NAMES = (
    "BulkPDFGenerationJobV1", "Month-end invoices", "Nightly export", "Q1 credit memos",
    "Rechnungen März 2024", "audit-2024-12", "請求書エクスポート", "re-run #3",
)
TRACK_IDS = ("order-sync-2024-01-15", "billing/run#4812", "ci job 77", "erp-export-7f3a")
ACCEPT_ENCODINGS = ("gzip", "gzip, deflate", "gzip, deflate, br", "identity", "br", "*")
NON_ASCII_SAMPLES = "\u00e9\u00fc\u00df\u00a0\u2014\u2019\u65e5\U0001F600"
# Odd, 128-bit, bits spread like the golden ratio: ``(seed + i) * stride`` looks random and (made
# coprime with the alphabet size) permutes the IDs of a fixed shape.
_STRIDE = 0x9E3779B97F4A7C15F39CC0605CEDC835
# The range of seeds for id_sequence.
ID_SEEDS = 2**32
# One in LARGE_ODDS valid bodies lists more IDs than fit in one ZIP file.
LARGE_ODDS = 12


def _bounds(schema: dict[str, Any], default_max: int = 40) -> tuple[int, int]:
    low = schema.get("minLength", 0)
    return low, schema.get("maxLength", max(low, default_max))


def _fits(schema: dict[str, Any], value: str) -> bool:
    low, high = _bounds(schema, default_max=10**9)
    cs = charset(schema)
    return (
        low <= len(value) <= high
        and (cs is None or all(cs.allows(c) for c in value))
        and matches(schema, value)
        and value in schema.get("enum", [value])
    )


def _clip(schema: dict[str, Any], strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Cut realistic values to the schema's maxLength (a modified spec may be stricter)."""
    _, high = _bounds(schema, default_max=10**9)
    return strategy.map(lambda v: v[:high].strip()).filter(lambda v: _fits(schema, v))


def characters(schema: dict[str, Any], ascii_only: bool = False) -> st.SearchStrategy[str]:
    """Single characters the schema's charset allows (any non-surrogate one without a charset)."""
    cs = charset(schema)
    if cs is None:
        return st.characters(codec="ascii", min_codepoint=0x20, max_codepoint=0x7E) if ascii_only \
            else st.characters(exclude_categories=("Cs",))
    if ascii_only or not cs.non_ascii:
        return st.characters(codec="ascii", exclude_characters=CONTROL_CHARACTERS + cs.forbidden)
    wide = st.characters(exclude_categories=("Cs",), exclude_characters=cs.forbidden + cs.control)
    return wide if cs.all_non_ascii else wide.filter(cs.allows)


def multibyte_characters(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Non-ASCII characters the schema allows: common ones (accents, CJK, emoji) and any other."""
    cs = charset(schema)
    allowed = cs.allows if cs else (lambda c: True)
    common = [c for c in NON_ASCII_SAMPLES if allowed(c)]
    wide = st.characters(min_codepoint=0x80, exclude_categories=("Cs",))
    if cs is not None and not cs.all_non_ascii:
        wide = wide.filter(allowed)
    return st.one_of(st.sampled_from(common), wide) if common else wide


def header_text(schema: dict[str, Any], min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Printable ASCII the charset allows, with no space at either end (HTTP would trim it).

    At least two characters when ``max_size`` allows it (first and last are drawn apart)."""
    cs = charset(schema)
    inner = cs.allowed_ascii if cs else PRINTABLE_ASCII
    edge = inner.replace(" ", "")
    if max_size <= 1:
        return st.text(edge, min_size=min_size, max_size=max_size)
    middle = st.text(inner, min_size=max(0, min_size - 2), max_size=max_size - 2)
    return st.tuples(st.sampled_from(edge), middle, st.sampled_from(edge)).map("".join)


def object_id_strategy(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Zuora-like object IDs: lowercase hex of the spec's length, mostly with a real prefix.

    One byte string per ID (its first byte picks the prefix) keeps generation cheap and shrinks
    to a readable ``402880de0000...``.
    """
    shape = fixed_shape(schema)
    if shape is None:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if not shape.is_hex:
        return st.text(shape.alphabet, min_size=shape.length, max_size=shape.length)
    n = shape.length
    size = max((n + 1) // 2, (n - 7) // 2 + 1)
    prefixes = ZUORA_ID_PREFIXES

    def build(raw: bytes) -> str:
        tail = raw[1:].hex()
        if n > 8 and raw[0] % 2 == 0:
            return prefixes[raw[0] // 2 % len(prefixes)] + tail[: n - 8]
        return raw.hex()[:n]

    return st.binary(min_size=size, max_size=size).map(build)


def id_sequence(schema: dict[str, Any], count: int, seed: int) -> list[str]:
    """``count`` distinct IDs of the spec's shape, all derived from one drawn ``seed``.

    Use a seed below :data:`ID_SEEDS`: wider integers cost the shrinker many steps.

    Drawing every ID on its own costs Hypothesis a choice per ID (slow for thousands, and its
    buffer is bounded); here ``seed + i * prime`` modulo the number of possible tails is a
    bijection, so the IDs are distinct by construction. Hex IDs get Zuora-like heads: one
    tenant prefix for the whole request, a mix of prefixes, or random-looking heads.
    """
    shape = fixed_shape(schema)
    if shape is None:
        raise ValueError(f"bulk IDs need a ^[class]{{n}}$ pattern; the spec has {schema.get('pattern')!r}")
    n, base = shape.length, len(shape.alphabet)
    if count > base**n:
        raise ValueError(f"only {base**n} distinct IDs of pattern {schema['pattern']!r} exist")
    stride = _STRIDE
    while math.gcd(stride, base) != 1:
        stride += 2
    start = seed * stride  # a small seed (cheap for Hypothesis to draw and shrink) still looks random
    if not shape.is_hex:
        return [_digits((start + i * stride) % base**n, shape.alphabet, n) for i in range(count)]
    if n <= 8:
        return [format((start + i * stride) % 16**n, f"0{n}x") for i in range(count)]
    span, width = 16 ** (n - 8), n - 8
    style, pick = seed % 3, seed // 3
    prefixes = ZUORA_ID_PREFIXES
    out = []
    for i in range(count):
        tail = (start + i * stride) % span
        if style == 0:
            head = prefixes[pick % len(prefixes)]
        elif style == 1:
            head = prefixes[(pick + tail) % len(prefixes)]
        else:
            head = format(tail * 2654435761 % 2**32, "08x")
        out.append(head + format(tail, f"0{width}x"))
    return out


def _digits(value: int, alphabet: str, length: int) -> str:
    digits = []
    for _ in range(length):
        value, digit = divmod(value, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


def file_names(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Names like ``all-invoices-posted-jan-2024``, arbitrary allowed text, and names at the limit."""
    low, high = _bounds(schema)
    words = [w for w in FILE_NAME_WORDS if _fits({**schema, "minLength": 0}, w)]
    realistic = st.tuples(
        st.lists(st.sampled_from(words), min_size=1, max_size=5),
        st.sampled_from([s for s in "-_ " if _fits({**schema, "minLength": 0}, s)] or [""]),
    ).map(lambda t: t[1].join(t[0]))
    options = [_clip(schema, realistic)] if words else []
    options.append(st.text(characters(schema), min_size=low, max_size=high))
    options.append(st.text(characters(schema), min_size=high, max_size=high))
    return st.one_of(options)


def job_names(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Names like ``Month-end invoices``, arbitrary text (control characters too, since the spec
    allows them), and names at the limit."""
    low, high = _bounds(schema)
    realistic = [n for n in JOB_NAMES if _fits(schema, n)]
    options = [st.sampled_from(realistic)] if realistic else []
    options.append(st.text(characters(schema), min_size=low, max_size=high))
    options.append(st.text(characters(schema), min_size=high, max_size=high))
    return st.one_of(options)


def _header_values(name: str, schema: dict[str, Any]) -> st.SearchStrategy[str] | None:
    low, high = _bounds(schema)
    uuid = st.uuids(version=4).map(str)
    if name == "Idempotency-Key":
        return st.one_of(_clip(schema, uuid), header_text(schema, max(low, 1), high))
    if name == "Zuora-Track-Id":
        return st.one_of(
            _clip(schema, uuid), _clip(schema, st.sampled_from(TRACK_IDS)),
            header_text(schema, max(low, 1), high),
        )
    if name == "Zuora-Entity-Ids":
        return _clip(schema, object_id_strategy({"pattern": "^[0-9a-f]{32}$"}))
    if name == "Zuora-Version":
        dates = st.dates(min_value=datetime.date(2016, 1, 1)).map(lambda d: d.isoformat())
        legacy = st.integers(196, 342).map(lambda n: f"{n}.0")
        return st.one_of(_clip(schema, dates), _clip(schema, legacy))
    if name == "Accept-Encoding":
        return _clip(schema, st.sampled_from(ACCEPT_ENCODINGS))
    return None


def from_schema(schema: dict[str, Any], header: str | None = None) -> st.SearchStrategy[Any]:
    """A value for one field: the realistic generator of a known header, else from its schema."""
    if header is not None:
        known = _header_values(header, schema)
        if known is not None:
            return known
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        low, high = _bounds(schema)
        if schema.get("pattern") and charset(schema) is None:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda v: _fits(schema, v))
        if header is not None:
            return header_text(schema, low, high)
        return st.text(characters(schema), min_size=low, max_size=high)
    raise ValueError(f"no generator for the schema {schema!r}; give the field a type, enum or const")
