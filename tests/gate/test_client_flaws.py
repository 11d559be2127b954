"""The proof of ``bulkpdf check-client``: the example client passes every scenario in both auth
modes, and each deliberately flawed variant of it is caught by the scenario meant for it, by
the judgements that name its flaw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bulkpdf_contract.cli import main
from bulkpdf_contract.gate.client_cli import check_client
from bulkpdf_contract.gate.client_scenarios import applicable, scenario

from client_flaws import CAREFUL, FLAWS


def run_scenario(name: str, command: list[str], auth: str = "token"):
    (result,) = check_client((scenario(name),), command, auth=auth, timeout=60, progress=lambda line: None)
    return result


@pytest.mark.parametrize("flaw", FLAWS.values(), ids=list(FLAWS))
def test_each_flaw_is_caught_by_its_scenario(flaw, tmp_path):
    result = run_scenario(flaw.scenario, flaw.script(tmp_path))
    assert result.failed, result.detail
    caught = set(result.detail.removeprefix("caught: ").split(", "))
    assert flaw.caught_by <= caught, (result.detail, result.notes)
    assert all(note.split(":")[0] in caught for note in result.notes)


@pytest.mark.parametrize("auth", ["token", "oauth"])
def test_the_example_client_passes_every_scenario(auth, tmp_path, capsys):
    report = tmp_path / "client.xml"
    code = main(["check-client", "--auth", auth, "--junit-xml", str(report), "--", *CAREFUL])
    out, err = capsys.readouterr()
    assert code == 0, out
    names = [s.name for s in applicable(auth)]
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite.get("name") == "bulkpdf-check-client" and suite.get("failures") == "0"
    assert [case.get("name") for case in suite.iter("testcase")] == names
    assert all(f"] {name}:" in err for name in names) and "PASSED" in out
    assert ("token-expiry" in names) == (auth == "oauth")
