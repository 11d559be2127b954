"""``bulkpdf_contract.lint.reading``: directories, special and unreadable files, the size cap, UTF-8."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lint_support import VALID, assert_one_finding, lint_json, write

from bulkpdf_contract.lint import reading
from bulkpdf_contract.lint.findings import FileProblem

UNDECODABLE = {
    "binary.json": (bytes(range(256)) * 4, "parse", 2, 118, "not UTF-8"),
    "png.json": (b"\x89PNG\r\n\x1a\n\x00\x00", "parse", 1, 1, "not UTF-8"),
    "nul.yaml": (b"fileName: a\x00b\n", "parse", 1, 12, "binary file"),
    "empty.json": (b"", "parse", 1, 1, "empty"),
    "blank.yaml": (b"  \n\t\n", "parse", 1, 1, "empty"),
    "latin1.json": ('{"fileName": "café"}'.encode("latin-1"), "parse", 1, 18, "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(UNDECODABLE))
def test_files_that_are_not_utf8_text_give_one_finding_and_exit_1(tmp_path, capsys, name):
    assert_one_finding(tmp_path, capsys, name, UNDECODABLE[name])


def test_decode_drops_a_byte_order_mark_and_places_what_it_refuses():
    assert reading.decode(b"\xef\xbb\xbf{}") == "{}"
    with pytest.raises(FileProblem, match="not UTF-8 text: byte 0xff") as caught:
        reading.decode(b'{\n  "a": "\xff"}')
    assert (caught.value.rule, caught.value.line, caught.value.column) == ("parse", 2, 9)


def test_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    path = write(tmp_path, "p.json", b"\xef\xbb\xbf" + json.dumps(VALID).encode())
    assert lint_json(capsys, path) == (0, [])


def test_directories_recurse_to_json_and_yaml_only(tmp_path, capsys):
    bad = json.dumps({**VALID, "fileName": ""})
    for name in ("a.json", "sub/b.yaml", "sub/deeper/c.yml", "sub/C.JSON"):
        write(tmp_path, name, bad)
    write(tmp_path, "notes.txt", "not a payload")
    write(tmp_path, ".hidden/d.json", "garbage")
    write(tmp_path, "sub/.e.json", "garbage")
    code, findings = lint_json(capsys, tmp_path)
    assert code == 1
    assert [Path(f["path"]).relative_to(tmp_path).as_posix() for f in findings] == [
        "a.json", "sub/C.JSON", "sub/b.yaml", "sub/deeper/c.yml"]
    assert {f["rule"] for f in findings} == {"schema.minLength"}


def test_collect_keeps_files_as_given_and_reports_empty_directories(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path, "d/x.yml", "a: 1")
    files, problems = reading.collect([str(tmp_path / "named.txt"), str(tmp_path / "d"),
                                       str(tmp_path / "empty")])
    assert files == [str(tmp_path / "named.txt"), os.path.join(str(tmp_path / "d"), "x.yml")]
    assert [(p.path, p.rule) for p in problems] == [(str(tmp_path / "empty"), "read")]


def test_nonexistent_path_and_empty_directory(tmp_path, capsys):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    write(tmp_path, "empty/readme.txt", "x")
    code, findings = lint_json(capsys, tmp_path / "missing.json", tmp_path / "empty")
    assert code == 1
    assert [(Path(f["path"]).name, f["rule"]) for f in findings] == [("empty", "read"), ("missing.json", "read")]
    assert "no such file" in findings[1]["message"]
    assert "no *.json, *.yaml or *.yml files" in findings[0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_not_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # reading it would block forever
    code, findings = lint_json(capsys, fifo)
    assert code == 1 and findings[0]["message"] == "not a regular file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, capsys):
    path = write(tmp_path, "p.json", json.dumps(VALID))
    path.chmod(0)
    code, findings = lint_json(capsys, path)
    assert code == 1 and findings[0]["rule"] == "read" and "ermission" in findings[0]["message"]


def test_files_above_the_size_cap_are_not_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "p.json", json.dumps({**VALID, "name": "x" * 200}))
    code, findings = lint_json(capsys, path)
    assert code == 1 and findings[0]["rule"] == "read" and "at most 100 bytes" in findings[0]["message"]
    size = f"{path.stat().st_size:,} bytes"
    with pytest.raises(FileProblem, match=f"^the file is {size}; bulkpdf lint reads payload files "
                                          "of at most 100 bytes"):
        reading.read_file(str(path))
    assert reading.read_file(str(write(tmp_path, "small.json", "{}"))) == b"{}"
