"""Reading what a job's ZIPs hold, as the checks judge it: file names from URLs, the PDFs, the
index entry and its rows (judged by content, not by the entry's name).
"""

from __future__ import annotations

import csv
import io
import zipfile

import orjson

from ..validators.conversation import url_file_name

file_name = url_file_name
"""The file name a download URL ends in (``<fileName>_<n>.zip``)."""


def pdfs(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if n.lower().endswith(".pdf")]


def index_entries(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if not n.lower().endswith(".pdf") and not n.endswith("/")]


def read_index(
    archive: zipfile.ZipFile, entry: str, columns: tuple[str, ...]
) -> tuple[str, list[dict[str, str]]]:
    """``("JSON"|"CSV"|"unknown", rows)`` of an index entry, judged by its content; a CSV index
    is one whose header row is ``columns`` (the contract's index columns)."""
    raw = archive.read(entry)
    text = raw.decode("utf-8-sig", "replace")
    try:
        data = orjson.loads(raw)
        if isinstance(data, dict) and isinstance(data.get("_metadata"), list):
            return "JSON", [r for r in data["_metadata"] if isinstance(r, dict)]
        return "unknown", []
    except ValueError:
        pass
    rows = list(csv.reader(io.StringIO(text)))
    if rows and tuple(c.strip() for c in rows[0]) == columns:
        return "CSV", [dict(zip(columns, (c.strip() for c in row))) for row in rows[1:] if row]
    return "unknown", []


def zipped_pdfs(zips: list[tuple[str, object, zipfile.ZipFile | None]]) -> list[str]:
    """Every PDF name in a job's readable ZIPs."""
    return [n for _, _, z in zips if z is not None for n in pdfs(z)]
