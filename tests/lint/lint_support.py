"""What the ``bulkpdf lint`` tests share: payloads, running the command in-process, writing files."""

from __future__ import annotations

import json
from pathlib import Path

from bulkpdf_contract.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "payloads"
ID_A = "402880de8ce7edc3018ce7f18404315a"
ID_B = "402880de8ce7edc3018ce7f18e0b3804"
VALID = {
    "documents": [{"docType": "Invoice", "objectIds": [ID_A, ID_B]}],
    "fileName": "all-invoices-posted-jan-2024",
    "indexFileFormat": "JSON",
}


def run_lint(capsys, *argv) -> tuple[int, str, str]:
    """``bulkpdf lint ARGV`` in-process: exit code, stdout, stderr (never a traceback)."""
    code = main(["lint", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def lint_json(capsys, *argv) -> tuple[int, list[dict]]:
    code, out, _ = run_lint(capsys, "--format", "json", *argv)
    return code, json.loads(out)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def where(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f["pointer"], f["line"], f["column"]) for f in findings}


def assert_one_finding(tmp_path: Path, capsys, name: str, case: tuple) -> None:
    """A file that cannot be linted as a request: exit 1 and exactly one finding, placed.

    ``case`` is ``(content, rule, line, column, words of the message)``.
    """
    content, rule, line, column, text = case
    path = write(tmp_path, name, content)
    code, findings = lint_json(capsys, path)
    assert code == 1
    assert len(findings) == 1, findings
    found = findings[0]
    assert (found["rule"], found["line"], found["column"]) == (rule, line, column), found
    assert text in found["message"]
    assert found["path"] == str(path)
