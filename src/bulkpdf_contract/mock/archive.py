"""Writing one output ZIP: an index file and the PDFs, in the same order.

Each ZIP is written to ``<name>.zip.part`` and renamed to ``<name>.zip`` only when complete, so a
crash or a full disk never leaves a file that looks finished. PDFs are produced one at a time
from an iterator and written straight into the archive: memory stays flat in the number of
documents.

The index file is called ``index.json`` or ``index.csv`` (Zuora does not document the name) and
comes first in the archive, followed by the PDFs in index order. CSV cells that a spreadsheet
would run as a formula (starting with ``= + - @``, tab or carriage return) get a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

import orjson

INDEX_NAMES = {"JSON": "index.json", "CSV": "index.csv"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:]")


class Stopped(Exception):
    """``should_stop`` said so: the ZIP was abandoned (not an I/O error: the job is not failed)."""


def safe_entry_name(name: str) -> str:
    """A ZIP entry name that cannot leave the extraction directory (no separators, no ``..``)."""
    name = _UNSAFE.sub("_", name).strip()
    if name.strip(".") == "":
        name = "document.pdf"
    return name


def neutralise_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_index(rows: Sequence[dict[str, str]], index_format: str) -> bytes:
    """The index file of one ZIP: ``{"_metadata": [...]}`` or CSV, the columns in the rows' key
    order (:func:`.jobs.index_row` builds them in the contract's order, ``x-bulkpdf-index-columns``)."""
    if index_format == "JSON":
        return orjson.dumps({"_metadata": list(rows)})
    columns = list(rows[0]) if rows else []
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise_cell(str(row[c])) for c in columns] for row in rows)
    return out.getvalue().encode("utf-8")


def write_zip(
    path: Path,
    rows: Sequence[dict[str, str]],
    pdfs: Iterable[bytes],
    index_format: str | None,
    date_time: tuple[int, int, int, int, int, int],
    compresslevel: int | None = None,
    should_stop=lambda: False,
) -> int:
    """Write ``rows`` (index order) and their PDFs to ``path`` atomically; return its size.

    ``index_format`` None leaves the index out. ``should_stop`` is polled between documents so a
    shutting-down server abandons the ZIP (the ``.part`` file is removed) instead of finishing it.
    """
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as fh, zipfile.ZipFile(
            spool := _Spool(fh), "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as zf:
            if index_format is not None:
                zf.writestr(
                    _info(INDEX_NAMES[index_format], date_time), render_index(rows, index_format),
                    compresslevel=compresslevel,
                )
            for row, pdf in zip(rows, pdfs):
                if should_stop():
                    raise Stopped("the server is shutting down")
                zf.writestr(_info(safe_entry_name(row["pdfFileName"]), date_time), pdf, compresslevel=compresslevel)
            zf.close()
            spool.flush()
            size = fh.tell()
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return size


def _info(name: str, date_time) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class _Spool:
    """A write-only file for ``zipfile``: writes land in memory and reach ``fh`` a megabyte at a
    time; a seek within the unwritten tail moves nothing but an offset. Any other seek writes
    the tail out first, so the bytes on disk are what plain writes and seeks would leave."""

    LIMIT = 1 << 20

    def __init__(self, fh):
        self._fh = fh
        self._base = self._pos = fh.tell()  # _buf holds the file's bytes from _base on
        self._buf = bytearray()

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0:
            raise io.UnsupportedOperation("only absolute seeks")
        self._pos = offset
        return offset

    def write(self, data) -> int:
        at, size = self._pos - self._base, len(data)
        if at == len(self._buf):
            self._buf += data
        elif 0 <= at < len(self._buf):
            self._buf[at:at + size] = data
        else:
            self.flush()
            self._base = self._pos
            self._buf += data
        self._pos += size
        if len(self._buf) >= self.LIMIT and self._pos == self._base + len(self._buf):
            self.flush()
        return size

    def flush(self) -> None:
        if self._buf:
            self._fh.seek(self._base)
            self._fh.write(self._buf)
            self._base += len(self._buf)
            self._buf.clear()
