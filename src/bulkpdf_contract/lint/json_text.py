"""JSON text -> data as orjson reads it, without importing orjson for the first few small files.

Importing orjson costs ~7 ms (it imports ``uuid``, ``platform``, ``dataclasses`` and ``inspect``),
more than a pre-commit hook's whole check of one file; parsing a 1 KB file with the standard
library's ``json`` costs ~4 µs more than with orjson. So the first :data:`STDLIB_FILES` texts
of up to :data:`STDLIB_BYTES` are read by ``json``, and orjson is imported after them (a CI run
of thousands of files pays its import once, as before).

The result is orjson's either way. ``json`` is used only where it gives the same data: texts
with what the two read differently (``NaN``/``Infinity``, integers past 64 bits, which orjson
reads as floats, floats past the double range, lone surrogates, nesting orjson refuses) go to
orjson, and so does every text ``json`` fails on, so each error message is orjson's.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing stays unimported at run time (see bulkpdf_contract's docstring)
if TYPE_CHECKING:
    from typing import Any

STDLIB_FILES = 16
STDLIB_BYTES = 64 * 1024
MAX_OPENINGS = 1000
"""``[`` and ``{`` a text may hold and still go to ``json`` (orjson refuses nesting past 1024)."""
_left = {"files": STDLIB_FILES}


def loads(text: str) -> Any:
    """``orjson.loads(text)``: the same data, or the same ``orjson.JSONDecodeError``."""
    if _left["files"] > 0 and len(text) <= STDLIB_BYTES:
        _left["files"] -= 1
        try:
            return stdlib_loads(text)
        except (ValueError, RecursionError):
            pass  # orjson decides, and words the error
    import orjson  # see the module docstring

    return orjson.loads(text)


def stdlib_loads(text: str) -> Any:
    """``json.loads(text)`` where it reads ``text`` as orjson does; ValueError where it might not."""
    if "\\ud" in text or "\\uD" in text or text.count("[") + text.count("{") > MAX_OPENINGS:
        raise ValueError("a possible surrogate escape or deep nesting")
    if not text.isascii():
        text.encode("utf-8")  # a lone surrogate in the text itself: UnicodeEncodeError, a ValueError
    return json.loads(text, parse_constant=_refuse, parse_int=_int64, parse_float=_double)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _int64(digits: str) -> int:
    value = int(digits)
    if not -(2**63) <= value < 2**64:
        raise ValueError("past 64 bits")  # orjson reads it as a float
    return value


def _double(digits: str) -> float:
    value = float(digits)
    if value in (float("inf"), float("-inf")):
        raise ValueError("past the double range")  # orjson refuses it
    return value
