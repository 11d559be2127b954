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

from .zipwriter import MAX_ENTRIES, ZipWriter

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
    entries = len(rows) + (index_format is not None)
    try:
        with open(part, "wb") as fh:
            writer = (ZipWriter if entries <= MAX_ENTRIES else _Zip64Writer)(fh, date_time, compresslevel)
            if index_format is not None:
                writer.add(INDEX_NAMES[index_format], render_index(rows, index_format))
            for row, pdf in zip(rows, pdfs):
                if should_stop():
                    raise Stopped("the server is shutting down")
                writer.add(safe_entry_name(row["pdfFileName"]), pdf)
            writer.close()
            size = fh.tell()
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return size


class _Zip64Writer:
    """:class:`.zipwriter.ZipWriter`'s interface over ``zipfile``, for an archive of more entries
    than the classic format holds."""

    def __init__(self, fh, date_time, compresslevel: int | None = None):
        self._zf = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED)
        self._date_time, self._level = date_time, compresslevel

    def add(self, name: str, data: bytes) -> None:
        self._zf.writestr(_info(name, self._date_time), data, compresslevel=self._level)

    def close(self) -> None:
        self._zf.close()


def _info(name: str, date_time) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info

