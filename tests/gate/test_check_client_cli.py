"""``bulkpdf check-client`` as a command: usage errors, a command that cannot start, what the
client is given (its environment and files), exit codes, the timeout, the table and JUnit."""

from __future__ import annotations

import json
import os
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bulkpdf_contract.cli import main
from bulkpdf_contract.gate.client_judgements import JUDGEMENTS
from bulkpdf_contract.gate.client_run import client_environment
from bulkpdf_contract.gate.client_scenarios import SCENARIOS, scenario

PYTHON = sys.executable


def test_help_lists_every_scenario_and_judgement(capsys):
    assert main(["check-client", "--help"]) == 0
    out = capsys.readouterr().out
    assert "-- COMMAND [ARG ...]" in out
    for name in [s.name for s in SCENARIOS] + [j.name for j in JUDGEMENTS]:
        assert f"  {name} " in out
    assert main(["--help"]) == 0 and "check-client" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    ([], "give the client to check after --"),
    (["--"], "give the client to check after --"),
    (["--scenarios", "happy,nope", "--", PYTHON], "unknown scenario(s): nope; choose from: happy, rate-limited"),
    (["--scenarios", "token-expiry", "--", PYTHON], "token-expiry needs --auth oauth"),
    (["--auth", "basic", "--", PYTHON], "invalid choice: 'basic'"),
    (["--timeout", "0", "--", PYTHON], "expected a positive number of seconds"),
    (["--", "/no/such/client"], "cannot start '/no/such/client'"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    assert main(["check-client", *argv]) == 2
    assert message in capsys.readouterr().err


def dump_environment(tmp_path, exit_code: int = 0) -> list[str]:
    """A 'client' that writes what it was given to a file and exits ``exit_code``."""
    script = tmp_path / "dump.py"
    script.write_text(
        "import json, os, sys, pathlib\n"
        "env = {k: v for k, v in os.environ.items() if k.startswith('BULKPDF_')}\n"
        "out = pathlib.Path(env['BULKPDF_OUTPUT'])\n"
        "given = {'env': env, 'request': json.loads(pathlib.Path(env['BULKPDF_REQUEST']).read_text()),\n"
        "         'output': [p.name for p in out.iterdir()], 'output_is_dir': out.is_dir(), 'cwd': os.getcwd()}\n"
        f"pathlib.Path(sys.argv[1]).write_text(json.dumps(given))\nsys.exit({exit_code})\n"
    )
    return [PYTHON, str(script), str(tmp_path / "given.json")]


@pytest.mark.parametrize("auth", ["token", "oauth"])
def test_the_client_gets_the_mock_its_request_and_an_empty_output(tmp_path, monkeypatch, capsys, auth):
    monkeypatch.setenv("BULKPDF_TOKEN", "leaked-from-the-caller")
    monkeypatch.setenv("BULKPDF_HYPOTHESIS_PROFILE", "dev")
    assert main(["check-client", "-q", "--auth", auth, "--scenarios", "happy", "--", *dump_environment(tmp_path)]) == 1
    given = json.loads((tmp_path / "given.json").read_text())
    env = given["env"]
    assert env["BULKPDF_URL"].startswith("http://127.0.0.1:") and "BULKPDF_HYPOTHESIS_PROFILE" not in env
    if auth == "token":
        assert set(env) == {"BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_REQUEST", "BULKPDF_OUTPUT"}
        assert env["BULKPDF_TOKEN"] != "leaked-from-the-caller"
    else:
        assert set(env) == {"BULKPDF_URL", "BULKPDF_CLIENT_ID", "BULKPDF_CLIENT_SECRET", "BULKPDF_TOKEN_URL",
                            "BULKPDF_REQUEST", "BULKPDF_OUTPUT"}
        assert env["BULKPDF_TOKEN_URL"] == env["BULKPDF_URL"] + "/oauth/token" and len(env["BULKPDF_CLIENT_ID"]) == 36
    assert given["request"] == scenario("happy").request
    assert given["output"] == [] and given["output_is_dir"] and given["cwd"] == os.getcwd()
    assert capsys.readouterr().err == ""  # -q: no progress


def test_a_client_that_does_nothing_fails_and_the_report_says_what_was_caught(tmp_path, capsys):
    report = tmp_path / "out" / "report.xml"
    code = main(["check-client", "--scenarios", "happy", "job-error", "--junit-xml", str(report), "--",
                 *dump_environment(tmp_path, exit_code=0)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "[1/2] happy:" in err and "[2/2] job-error:" in err
    assert "FAILED happy: caught: output, one-job" in out and "FAILED job-error: caught: exit-code, one-job" in out
    assert "    output: no job was created, so there was nothing to download" in out
    assert "    exit-code: the command exited 0 without creating a job" in out
    suite = ET.parse(report).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "2")
    happy = suite.find("testcase[@name='happy']")
    assert happy.get("classname") == "bulkpdf.client/token"
    assert happy.find("failure").get("message") == "caught: output, one-job"
    assert "one-job: no job was created" in happy.find("failure").text


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_the_timeout_kills_the_client_and_what_it_started(tmp_path, capsys):
    pid_file = tmp_path / "grandchild.pid"
    script = tmp_path / "stuck.py"
    script.write_text(
        "import subprocess, sys, time, pathlib\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "time.sleep(300)\n"
    )
    code = main(["check-client", "--timeout", "1", "--scenarios", "happy", "--", PYTHON, str(script)])
    out = capsys.readouterr().out
    assert code == 1 and "exit-code: the command was still running after 1 s and was killed" in out
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 10  # SIGKILL is delivered at once; its reaping may take a moment
    while alive(grandchild):
        assert time.monotonic() < deadline, "the client's own child outlived the timeout"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_inherited_bulkpdf_variables_are_dropped():
    env = client_environment({"PATH": "/bin", "BULKPDF_TOKEN": "x", "BULKPDF_URL": "y"}, {"BULKPDF_URL": "z"})
    assert env == {"PATH": "/bin", "BULKPDF_URL": "z"}
