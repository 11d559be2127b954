"""``bulkpdf spec``: the fragment, its path, and standalone JSON Schemas other tools can use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from bulkpdf_contract.cli import main
from bulkpdf_contract.spec import load_contract, spec_path

REPO = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_request_schema_is_standalone_draft_2020_12(capsys):
    code, out, err = run_cli(capsys, "spec", "--export-schema", "request")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$ref" not in out
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    seed = load_contract().request_examples()["seed"]
    assert list(validator.iter_errors(seed)) == []
    assert not validator.is_valid({**seed, "fileName": "x" * 33})
    assert not validator.is_valid({**seed, "indexFileFormat": "json"})
    assert schema == load_contract().request_schema()


@pytest.mark.parametrize("which, method", [("headers", "POST"), ("get-headers", "GET")])
def test_export_header_schemas(capsys, which, method):
    code, out, _ = run_cli(capsys, "spec", "--export-schema", which)
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == load_contract().headers_schema(method)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"Zuora-Track-Id": "abc", "Zuora-Version": "2025-08-12"})
    assert not validator.is_valid({"Zuora-Track-Id": "x" * 65})
    assert ("Idempotency-Key" in schema["properties"]) is (method == "POST")


def test_path_and_the_fragment_itself(capsys):
    code, out, _ = run_cli(capsys, "spec", "--path")
    assert code == 0 and Path(out.strip()) == spec_path()
    code, out, _ = run_cli(capsys, "spec")
    assert code == 0
    assert yaml.safe_load(out) == load_contract().spec


@pytest.mark.parametrize("argv", [
    ["spec", "--export-schema", "bogus"],
    ["spec", "--export-schema"],
    ["spec", "--path", "--export-schema", "request"],
    ["spec", "--no-such-option"],
    ["no-such-command"],
    [],
])
def test_usage_errors_exit_2_with_a_message(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert "usage:" in err
    assert "Traceback" not in out + err


def test_help_exits_0(capsys):
    code, out, _ = run_cli(capsys, "spec", "--help")
    assert code == 0 and "--export-schema" in out


def test_console_script_runs_as_a_process():
    """The installed entry point, as other tools would call it (one subprocess, ~0.3 s)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-m", "bulkpdf_contract.cli", "spec", "--export-schema", "request"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == load_contract().request_schema()


# -- the console script's exit ------------------------------------------------------------------
def _console(*argv: str) -> subprocess.CompletedProcess:
    """``console()`` as the installed script runs it, with an ``atexit`` handler that says
    whether the interpreter's own exit ran."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('teardown ran\\n'))\n"
        f"sys.argv = ['bulkpdf', *{list(argv)!r}]\n"
        "from bulkpdf_contract.cli import console\n"
        "sys.exit(console())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as by default
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)


def test_lint_leaves_at_once_and_loses_none_of_a_large_report(tmp_path):
    """Past a pipe's 64 KiB buffer and within stdout's own: every line and the whole JSON arrive
    before ``os._exit``."""
    for i in range(600):
        (tmp_path / f"p{i:03}.json").write_text('{"fileName": 5}')
    text = _console("lint", str(tmp_path))
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert len(text.stdout) > 128 * 1024 and len(lines) == 1800
    assert lines[-1].startswith(f"{tmp_path / 'p599.json'}:1:")
    assert text.stderr == "bulkpdf lint: 1800 finding(s) in 600 file(s)\n"  # no "teardown ran"
    as_json = _console("lint", "--format", "json", str(tmp_path))
    assert as_json.returncode == 1 and len(json.loads(as_json.stdout)) == 1800
    small = _console("lint", str(tmp_path / "p000.json"))  # a few lines: still in the buffer at exit
    assert small.returncode == 1 and len(small.stdout.splitlines()) == 3
    clean = _console("lint", str(REPO / "examples" / "payloads" / "valid"))
    assert (clean.returncode, clean.stdout) == (0, "")


def test_other_commands_exit_as_usual(tmp_path):
    proc = _console("spec", "--path")
    assert proc.returncode == 0 and Path(proc.stdout.strip()) == spec_path()
    assert proc.stderr == "teardown ran\n"
    usage = _console("nonsense")
    assert usage.returncode == 2 and usage.stderr.endswith("teardown ran\n")
