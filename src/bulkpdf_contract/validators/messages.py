"""What the validators need from one request or response object, whatever library made it.

Reads ``httpx`` and ``requests`` requests and responses (and a generated
:class:`~bulkpdf_contract.strategies.Request`) into :class:`MessageParts`: method, headers, the
JSON body decoded (gzip inflated when the headers say so), status. Duck-typed, so neither
library is imported here. A body that cannot be read as JSON becomes a ``request.not-json``
finding rather than an exception, so a test sees it among the other findings.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

from .findings import Finding
from .request import header_items


@dataclass(frozen=True)
class MessageParts:
    """The parts of one request or response the validators read; ``findings`` says why a body
    could not be read."""

    method: str | None = None
    headers: Any = None
    body: Any = None
    status: int | None = None
    request_headers: Any = None
    findings: tuple = ()


def is_message(obj: Any) -> bool:
    """An ``httpx``/``requests`` request or response (or a generated request), not a decoded body."""
    return hasattr(obj, "headers") and (hasattr(obj, "method") or hasattr(obj, "status_code"))


def decode_body(raw: Any, headers: Any, where: str) -> tuple[Any, tuple]:
    """A raw body as JSON, with ``<where>.not-json`` findings when it cannot be."""
    if raw is None or raw == b"" or raw == "":
        return None, ()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray)):
        return None, (Finding(f"{where}.not-json", "", f"the body is a stream ({type(raw).__name__}), "
                              "not JSON bytes; read it first"),)
    encodings = {str(v).strip().lower() for k, v in header_items(headers)
                 if str(k).lower() == "content-encoding"}
    if "gzip" in encodings and raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            return None, (Finding(f"{where}.not-json", "", f"the gzip body does not inflate: {exc}"),)
    try:
        return json.loads(raw), ()
    except ValueError as exc:
        return None, (Finding(f"{where}.not-json", "", f"the body is not JSON: {exc}"),)


def request_parts(obj: Any) -> MessageParts:
    """Method, headers and decoded JSON body of an ``httpx.Request``, a ``requests`` request or a
    generated :class:`~bulkpdf_contract.strategies.Request`."""
    if hasattr(obj, "prepare") and not hasattr(obj, "body"):
        obj = obj.prepare()  # requests.Request
    if callable(getattr(obj, "http_headers", None)):  # a generated Request: body already decoded
        body, findings = obj.body, ()
    elif hasattr(obj, "read") and hasattr(obj, "stream"):  # httpx.Request
        body, findings = decode_body(obj.read(), obj.headers, "request")
    else:  # requests.PreparedRequest
        body, findings = decode_body(getattr(obj, "body", None), obj.headers, "request")
    return MessageParts(method=str(obj.method).upper(), headers=obj.headers, body=body,
                        findings=findings)


def response_parts(obj: Any) -> MessageParts:
    """Status, headers, JSON body, method and request headers of an httpx/requests response."""
    try:
        request = obj.request
    except RuntimeError:  # httpx.Response built by hand has no request
        request = None
    return MessageParts(
        method=str(request.method).upper() if request is not None else None,
        headers=obj.headers,
        body=obj.content,
        status=int(obj.status_code),
        request_headers=request.headers if request is not None else None,
    )
