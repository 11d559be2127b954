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
