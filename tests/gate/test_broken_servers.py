"""The proof that the gate works: ``bulkpdf check --url`` fails each deliberately broken server
(exit 1, naming a check that covers the broken rule) and passes the correct mock (exit 0).

Every run is the real command in a subprocess against a server on 127.0.0.1, so pytest-xdist
can spread them. To stay within the suite's time budget, a broken server is checked with the
family of checks that covers its rule (``--checks`` with every domain check, or every
schemathesis check); the correct mock gets the whole gate. The ``slow`` variant of the test runs
the whole gate against every broken server.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from gate_variants import VARIANTS

from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.schemathesis_run import SCHEMATHESIS_CHECKS
from bulkpdf_contract.mock import create_app, run_server

TOKEN = "gate-proof-token"
MAX_EXAMPLES = "2"
MAX_JOBS = "100000"  # a mock of our own: every check may create its jobs


def run_check(url: str, junit: str, checks: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "bulkpdf_contract.cli", "check", "--url", url, "--token", TOKEN,
         "--max-examples", MAX_EXAMPLES, "--seed", "1", "--job-timeout", "60", "--junit-xml", junit, "-q",
         "--max-jobs", MAX_JOBS,
         *(["--checks", *checks] if checks else [])],
        capture_output=True, text=True, timeout=300,
    )
    statuses = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        status = "failed" if case.find("failure") is not None else (
            "skipped" if case.find("skipped") is not None else "passed")
        statuses[case.get("name")] = status
    return result, statuses


def family(variant) -> tuple[str, ...]:
    """Every check of the family (domain or schemathesis) that covers the variant's rule."""
    if variant.caught_by & set(SCHEMATHESIS_CHECKS):
        return SCHEMATHESIS_CHECKS
    return tuple(c.name for c in DOMAIN_CHECKS)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_gate_catches_broken_server(variant, tmp_path):
    check_caught(variant, tmp_path, family(variant))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_whole_gate_catches_broken_server(variant, tmp_path):
    check_caught(variant, tmp_path, ())


def check_caught(variant, tmp_path, checks: tuple[str, ...]) -> None:
    with run_server(variant.build(TOKEN)) as server:
        result, statuses = run_check(server.url, str(tmp_path / "junit.xml"), checks)
    failed = {name for name, status in statuses.items() if status == "failed"}
    assert result.returncode == 1, result.stdout + result.stderr
    assert failed & variant.caught_by, f"{variant.name}: failed checks {sorted(failed)}\n{result.stdout}"
    for name in failed & variant.caught_by:
        assert f"FAILED {name}:" in result.stdout
    assert "reproduce with:" in result.stdout


def test_gate_passes_correct_mock(tmp_path):
    with run_server(create_app(token=TOKEN)) as server:
        result, statuses = run_check(server.url, str(tmp_path / "junit.xml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(statuses.values()) == {"passed"}, statuses
