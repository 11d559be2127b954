"""Reading a request body within limits: size, media type, content coding, JSON.

Every way a body can be unacceptable ends in :class:`~.errors.ApiError` with the HTTP status
and the category of Zuora's error code, never in a traceback or an unbounded allocation: the raw
body is read in chunks up to a limit, and a gzip body is inflated with ``max_length`` so a gzip
bomb stops one byte past the limit.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson

from ..validators.coding import InflateError, inflate as inflate_within
from ..validators.exchanges import content_type_finding
from .errors import ApiError, ErrorCategory


def check_content_type(value: str | None) -> None:
    """415 unless the body is declared as JSON (UTF-8): the validators' media-type rule."""
    finding = content_type_finding(value)
    if finding is not None:
        raise ApiError(415, ErrorCategory.INVALID_VALUE, finding.message)


def content_coding(value: str | None) -> str:
    """``gzip`` or ``identity``; anything else (including several codings) is 415."""
    if value is None:
        return "identity"
    coding = value.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return "gzip"
    if coding == "identity":
        return "identity"
    raise ApiError(415, ErrorCategory.INVALID_VALUE,
                   f"Content-Encoding {value!r} is not supported; use gzip or identity")


async def read_limited(stream: AsyncIterator[bytes], content_length: str | None, limit: int) -> bytes:
    too_large = ApiError(413, ErrorCategory.INVALID_VALUE, f"the request body is larger than {limit} bytes")
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise too_large
    chunks, total = [], 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def inflate(data: bytes, limit: int) -> bytes:
    """:func:`~bulkpdf_contract.validators.coding.inflate` of a request body, its refusals as
    Zuora's errors: 413 past the limit, 400 for data that is not gzip."""
    try:
        return inflate_within(data, limit)
    except InflateError as exc:
        if exc.too_large:
            raise ApiError(413, ErrorCategory.INVALID_VALUE,
                           f"the gzip request body inflates to more than {limit} bytes") from None
        raise ApiError(400, ErrorCategory.MALFORMED_JSON, f"the request body: {exc}") from None


def parse_json(data: bytes) -> Any:
    if not data.strip():
        raise ApiError(400, ErrorCategory.MALFORMED_JSON, "the request body is empty; send the JSON request")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, ErrorCategory.MALFORMED_JSON, f"the request body is not well-formed JSON: {exc}") from None
