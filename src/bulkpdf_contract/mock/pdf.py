"""Tiny, valid one-page PDFs written by hand.

A PDF needs only five objects and a cross-reference table with exact byte offsets; writing them
here is a dozen lines, faster than any PDF library (a 10,000-document job makes 10,000 of them)
and adds no dependency. Objects 1-4 are the same in every file, so only the page's content stream
and the offsets after it are computed per document.
"""

from __future__ import annotations

import functools
import re

_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
_FIXED = (
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
)


def _prefix() -> tuple[bytes, list[int]]:
    out = bytearray(_HEADER)
    offsets = []
    for number, body in enumerate(_FIXED, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    return bytes(out), offsets


_PREFIX, _OFFSETS = _prefix()


_PLAIN = re.compile(r"[ -'*-\[\]-~]*")  # printable ASCII without ( ) \\


def pdf_text(value: str) -> bytes:
    """A PDF literal string body: Latin-1 where possible, ``?`` otherwise, ``\\ ( )`` escaped."""
    if _PLAIN.fullmatch(value):
        return value.encode("ascii")
    raw = value.encode("latin-1", "replace")
    raw = bytes(b if 32 <= b != 127 else 63 for b in raw)
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


_LINE = b"BT /F1 %d Tf 72 %d Td (%s) Tj ET\n"
_XREF_HEAD = b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in _OFFSETS)


@functools.lru_cache(maxsize=8)
def _text_template(count: int) -> bytes:
    """Content-stream text for ``count`` lines with ``%s`` slots: a title row, then smaller rows."""
    return b"".join(
        _LINE.replace(b"%s", b"%%s") % (20 if i == 0 else 12, 720 - 24 * i) for i in range(count)
    )


@functools.lru_cache(maxsize=8)
def _plain_template(count: int) -> str:
    """:func:`_text_template` as text, for lines that are plain ASCII (formatted, then encoded once)."""
    return _text_template(count).decode("ascii")


# The whole file as one format: stream length, stream text, its offset, the xref's offset.
_FILE = (
    _PREFIX.replace(b"%", b"%%") + b"5 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n" + _XREF_HEAD
    + b"%010d 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
)
_STREAM_AT = len(_PREFIX)
_OBJ5_FRAME = len(b"5 0 obj\n<< /Length  >>\nstream\nendstream\nendobj\n")  # object 5 without its numbers


def make_pdf(*lines: str) -> bytes:
    """A one-page PDF showing ``lines`` (e.g. document type, number, account), one per row."""
    if _PLAIN.fullmatch("".join(lines)):  # the open world's documents: one format, one encode
        text = (_plain_template(len(lines)) % lines).encode("ascii")
    else:
        text = _text_template(len(lines)) % tuple(map(pdf_text, lines))
    size = len(text)
    return _FILE % (size, text, _STREAM_AT, _STREAM_AT + _OBJ5_FRAME + len(str(size)) + size)
