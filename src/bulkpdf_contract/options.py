"""Option defaults and parsers that ``bulkpdf`` commands and the pytest plugin share.

``DEFAULT_TOKEN`` is the bearer token the embedded mock accepts unless told otherwise, and so
the default of ``bulkpdf serve --token``, ``bulkpdf check --token`` and ``--bulkpdf-token``.
This module imports nothing of the project and nothing heavy: the plugin loads it in every
pytest run.

One parser per kind of value, so ``--max-examples 0`` is refused with the same words on the
command line and in ``pytest --bulkpdf-max-examples 0``. The error type is both argparse's and
a ``ValueError``: argparse then prints the message itself, and the plugin catches a ValueError.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TOKEN = "bulkpdf-test-token"


class BadValue(argparse.ArgumentTypeError, ValueError):
    """An option value that cannot be used; the message says what was expected."""


def positive_int(text: str) -> int:
    raw = str(text).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise BadValue(f"expected a positive integer, got {text!r}")
    return int(raw)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise BadValue(f"expected a positive number of seconds, got {text!r}")
    return value


def http_url(text: str) -> str:
    """An ``http://`` or ``https://`` base URL, without a trailing slash."""
    raw = str(text).strip()
    if not raw.startswith(("http://", "https://")) or raw.endswith("://"):
        raise BadValue(f"expected an http:// or https:// base URL, got {text!r}")
    return raw.rstrip("/")


def from_keywords(cls: type[T], caller: str, keywords: dict[str, Any]) -> T:
    """A settings dataclass from ``**keywords``; a TypeError naming ``caller`` for an unknown one
    (``create_app(job_dely=1)`` says which settings there are)."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(keywords) - known)
    if unknown:
        raise TypeError(
            f"{caller}() got an unexpected keyword argument {unknown[0]!r} "
            f"(its settings are: {', '.join(sorted(known))})"
        )
    return cls(**keywords)
