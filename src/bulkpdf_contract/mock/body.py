"""Reading a request body within limits: size, media type, content coding, JSON.

Every way a body can be unacceptable ends in :class:`~.errors.ApiError` with the HTTP status
and the category of Zuora's error code, never in a traceback or an unbounded allocation: the raw
body is read in chunks up to a limit, and a gzip body is inflated with ``max_length`` so a gzip
bomb stops one byte past the limit.
"""

from __future__ import annotations

import zlib
from typing import Any, AsyncIterator

import orjson

from .errors import ApiError, ErrorCategory


def check_content_type(value: str | None) -> None:
    if not value:
        raise ApiError(415, ErrorCategory.INVALID_VALUE,
                       "the Content-Type header is missing; send the JSON request body as application/json")
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset":
            charset = arg.strip().strip('"').lower()
    if media_type.strip().lower() != "application/json" or charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, ErrorCategory.INVALID_VALUE,
                       f"Content-Type {value!r} is not supported; send application/json (UTF-8)")


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
    """Decompress a (possibly multi-member) gzip body, never producing more than ``limit + 1`` bytes."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise ApiError(400, ErrorCategory.MALFORMED_JSON,
                           f"the request body is not valid gzip data ({exc})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise ApiError(413, ErrorCategory.INVALID_VALUE,
                           f"the gzip request body inflates to more than {limit} bytes")
        if not inflater.eof:
            raise ApiError(400, ErrorCategory.MALFORMED_JSON, "the gzip request body is truncated")
        data = inflater.unused_data
        if not data.strip(b"\x00"):
            return bytes(out)


def parse_json(data: bytes) -> Any:
    if not data.strip():
        raise ApiError(400, ErrorCategory.MALFORMED_JSON, "the request body is empty; send the JSON request")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, ErrorCategory.MALFORMED_JSON, f"the request body is not well-formed JSON: {exc}") from None
