"""Reading a job's ZIPs: the index is judged by its content, not by its entry's name."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from bulkpdf_contract.gate.archives import file_name, index_entries, pdfs, read_index, zipped_pdfs
from bulkpdf_contract.spec import load_contract

INDEX_COLUMNS = load_contract().index_columns

ROW = dict(zip(INDEX_COLUMNS, ("A1", "Invoice", "INV-1", "2025-01-01", "a.pdf", "2025-01-02")))


def archive(entries: dict[str, bytes]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def csv_index(*rows: dict[str, str]) -> bytes:
    lines = [",".join(INDEX_COLUMNS)] + [",".join(r[c] for c in INDEX_COLUMNS) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize("name, data, expected", [
    ("index.json", json.dumps({"_metadata": [ROW]}).encode(), ("JSON", [ROW])),
    ("index.csv", json.dumps({"_metadata": [ROW]}).encode(), ("JSON", [ROW])),  # the name does not decide
    ("index.csv", csv_index(ROW), ("CSV", [ROW])),
    ("index.json", csv_index(ROW), ("CSV", [ROW])),
    ("index.json", json.dumps([ROW]).encode(), ("unknown", [])),  # JSON, but not Zuora's shape
    ("index.csv", b"pdfFileName\r\na.pdf\r\n", ("unknown", [])),  # CSV without the six columns
])
def test_read_index_judges_the_format_by_content(name, data, expected):
    assert read_index(archive({name: data}), name, INDEX_COLUMNS) == expected


def test_pdfs_and_index_entries_split_an_archive():
    zipped = archive({"a.pdf": b"%PDF-1.4", "B.PDF": b"%PDF-1.4", "index.json": b"{}", "dir/": b""})
    assert pdfs(zipped) == ["a.pdf", "B.PDF"]
    assert index_entries(zipped) == ["index.json"]
    assert zipped_pdfs([("u1", None, zipped), ("u2", None, None)]) == ["a.pdf", "B.PDF"]


def test_file_name_is_the_decoded_last_path_segment():
    assert file_name("https://s3.example/bucket/My%20Export_2.zip?X-Amz-Signature=abc") == "My Export_2.zip"
