"""Content codings within limits: a gzip body inflated to at most a given number of bytes.

The mock (request bodies), the validating proxy and ``bulkpdf lint --har`` (both directions) all
read gzip bodies they did not write; one bounded inflate serves them all, so a gzip bomb stops
one byte past the limit everywhere.
"""

from __future__ import annotations

import zlib


class InflateError(ValueError):
    """A gzip body that cannot be used: ``too_large`` when it inflates past the limit, otherwise
    not gzip data (or truncated); the message says which."""

    def __init__(self, message: str, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def inflate(data: bytes, limit: int) -> bytes:
    """Decompress a (possibly multi-member) gzip body, never producing more than ``limit + 1`` bytes."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise InflateError(f"the body is not valid gzip data ({exc})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise InflateError(f"the gzip body inflates to more than {limit} bytes", too_large=True)
        if not inflater.eof:
            raise InflateError("the gzip body is truncated")
        data = inflater.unused_data
        if not data.strip(b"\x00"):
            return bytes(out)


def is_gzip(content_encoding: str | None) -> bool:
    """Whether a ``Content-Encoding`` value names gzip (``x-gzip`` is its old alias)."""
    return content_encoding is not None and content_encoding.strip().lower() in ("gzip", "x-gzip")
