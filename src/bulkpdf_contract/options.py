"""Option defaults and parsers that ``bulkpdf`` commands and the pytest plugin share.

``DEFAULT_TOKEN`` is the bearer token the embedded mock accepts unless told otherwise, and so
the default of ``bulkpdf serve --token``, ``bulkpdf check --token`` and ``--bulkpdf-token``.
OAuth client credentials (``--client-id``/``--client-secret``, ``--bulkpdf-client-id``/
``--bulkpdf-client-secret``, ``BULKPDF_CLIENT_ID``/``BULKPDF_CLIENT_SECRET``) come as a pair:
:func:`client_credentials`.
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
import os
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


def existing_file(text: str) -> str:
    """A path to a readable file (a documents file)."""
    raw = str(text).strip()
    if not raw or not os.path.isfile(raw) or not os.access(raw, os.R_OK):
        raise BadValue(f"expected a readable file, got {text!r}")
    return raw


def client_credentials(client_id: str | None, client_secret: str | None) -> tuple[str, str] | None:
    """The OAuth client ``(id, secret)``, None when neither is given; one without the other is refused."""
    client_id = (client_id or "").strip() or None
    client_secret = client_secret or None
    if client_id is None and client_secret is None:
        return None
    if client_id is None or client_secret is None:
        missing = "client ID" if client_id is None else "client secret"
        raise BadValue(f"OAuth client credentials come as a pair: the {missing} is missing")
    return client_id, client_secret
