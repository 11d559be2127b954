"""The two things the strategies produce: a request, and an invalid request with its verdict."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any, Mapping

import orjson

from ..spec import COLLECTION_PATH


@dataclass(frozen=True)
class Request:
    """One HTTP request to the endpoint, before it goes on the wire.

    ``headers`` holds the spec's request headers under their canonical names (no
    ``Authorization`` or ``Content-Type``: :meth:`http_headers` adds those). ``body`` is the
    decoded JSON body, ``None`` when there is none (a GET).
    """

    method: str
    headers: dict[str, str]
    body: Any
    path: str = COLLECTION_PATH

    def content(self) -> bytes | None:
        """The body as sent: JSON, gzipped when ``Content-Encoding`` names gzip (in any case, as a
        client that gzipped its body would; whether the spelling is allowed is the contract's
        business)."""
        if self.body is None:
            return None
        raw = orjson.dumps(self.body)
        if str(self.headers.get("Content-Encoding", "")).strip().lower() == "gzip":
            return gzip.compress(raw, mtime=0)
        return raw

    def http_headers(self, token: str | None = None) -> dict[str, str]:
        """The headers to send: the spec's ones plus ``Content-Type`` and ``Authorization``.

        Values are kept exactly as generated; a non-ASCII edge case must be encoded (UTF-8 bytes)
        by whoever sends it, since HTTP libraries refuse non-ASCII ``str`` header values.
        """
        out = dict(self.headers)
        if self.body is not None:
            out.setdefault("Content-Type", "application/json")
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        return out


@dataclass(frozen=True)
class Labelled:
    """An invalid request and the one finding the validators must report for it.

    ``file_names`` is the objectId -> PDF file name mapping the rule needs (only for
    ``documents.duplicate-pdf-file-name``); ``family`` names the edge family it came from.
    """

    request: Request
    expected_rule: str
    expected_pointer: str
    file_names: Mapping[str, str] | None = None
    family: str = ""
