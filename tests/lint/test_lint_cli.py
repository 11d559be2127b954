"""``bulkpdf_contract.lint.cli``: options, exit codes, ``--file-names``, and the command as a process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import EXAMPLES, ID_A, ID_B, VALID, lint_json, run_lint, where, write

from bulkpdf_contract.cli import COMMANDS


def test_bulkpdf_lint_is_this_module():
    assert COMMANDS["lint"][0] == "bulkpdf_contract.lint.cli"


def test_shipped_valid_examples_pass(capsys):
    code, out, _ = run_lint(capsys, EXAMPLES / "valid")
    assert (code, out) == (0, "")


@pytest.mark.parametrize("argv", [[], ["--format", "xml", "x.json"], ["--bogus", "x.json"]])
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run_lint(capsys, *argv)
    assert code == 2 and "usage: bulkpdf lint" in err


def test_file_names_map_catches_pdf_name_collisions(tmp_path, capsys):
    payload = write(tmp_path, "p.json", json.dumps(VALID, indent=2))
    for name, text in (("map.json", json.dumps({ID_A: "INV-1.pdf", ID_B: "INV-1.pdf"})),
                       ("map.yaml", f"{ID_A}: INV-1.pdf\n{ID_B}: INV-1.pdf\n")):
        code, findings = lint_json(capsys, "--file-names", write(tmp_path, name, text), payload)
        assert code == 1 and where(findings) == {
            ("documents.duplicate-pdf-file-name", "/documents/0/objectIds/1", 7, 9)}
    distinct = write(tmp_path, "ok.json", json.dumps({ID_A: "INV-1.pdf", ID_B: "INV-2.pdf"}))
    assert lint_json(capsys, "--file-names", distinct, payload) == (0, [])


@pytest.mark.parametrize("content", ["[1, 2]", '{"a": 1}', "{not json", ""])
def test_a_bad_file_names_map_is_a_usage_error(tmp_path, capsys, content):
    path = write(tmp_path, "map.json", content)
    code, out, err = run_lint(capsys, "--file-names", path, write(tmp_path, "p.json", "{}"))
    assert code == 2 and out == "" and f"--file-names: {path}" in err
    code, _, err = run_lint(capsys, "--file-names", tmp_path / "nope.json", tmp_path / "p.json")
    assert code == 2 and "no such file" in err


def _command() -> list[str]:
    script = Path(sys.executable).with_name("bulkpdf")
    found = str(script) if script.exists() else shutil.which("bulkpdf")
    return [found] if found else [sys.executable, "-m", "bulkpdf_contract.cli"]


def test_subprocess_exit_codes_and_output(tmp_path):
    bad = write(tmp_path, "bad.yaml", "fileName: x\n")
    result = subprocess.run([*_command(), "lint", str(EXAMPLES / "valid"), str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{bad}:1:1: schema.required: documents is required but missing",
        f"{bad}:1:1: schema.required: indexFileFormat is required but missing",
    ]
    assert "Traceback" not in result.stderr
    ok = subprocess.run([*_command(), "lint", str(EXAMPLES / "valid")],
                        capture_output=True, text=True, timeout=120)
    assert (ok.returncode, ok.stdout) == (0, "")
    usage = subprocess.run([*_command(), "lint"], capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_lint_does_not_import_the_heavy_modules(tmp_path):
    """A pre-commit hook runs on every commit: it must not pay for schemathesis and friends."""
    code = (
        "import contextlib, io, sys\nfrom bulkpdf_contract.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):  # the invalid examples: positions too\n"
        f"    main(['lint', {str(EXAMPLES / 'valid')!r}, {str(EXAMPLES / 'invalid')!r}])\n"
        "heavy = {'schemathesis', 'hypothesis', 'starlette', 'uvicorn', 'httpx', 'pytest',\n"
        "         'jsonschema', 'requests'}\n"
        "ours = {'bulkpdf_contract.mock', 'bulkpdf_contract.gate', 'bulkpdf_contract.strategies',\n"
        "        'bulkpdf_contract.pytest_plugin', 'bulkpdf_contract.client'}\n"
        "print(sorted((heavy & {m.split('.')[0] for m in sys.modules}) | (ours & set(sys.modules))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
