"""The plugin's harness fixtures in a user's test file: ``bulkpdf_faults`` (rules for one test,
removed after), ``bulkpdf_journal`` (the requests of this test) and ``bulkpdf_clock``; skipped
against a server without the harness."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["pytester"]

TESTS = '''
import httpx
import pytest

BODY = {"documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315a"]}],
        "fileName": "harness", "indexFileFormat": "JSON"}


def test_a_fault_for_this_test(bulkpdf_client, bulkpdf_faults, bulkpdf_journal):
    (name,) = bulkpdf_faults.add({"method": "POST", "path": "/v1/operations/bulk-pdf", "nth": 1,
                                  "action": "respond", "status": 429, "retryAfter": 1})
    assert bulkpdf_client.create_job(BODY).status_code == 429
    job = bulkpdf_client.wait(bulkpdf_client.submit(BODY))
    assert bulkpdf_faults.rule(name)["applied"] == 1
    assert [e.status for e in bulkpdf_journal.posts()] == [429, 200]
    assert bulkpdf_journal.jobs_created() == [job["jobId"]]
    assert bulkpdf_journal.polls(job["jobId"])[-1].job_status == "Completed"
    assert bulkpdf_journal.posts()[0].retry_after == "1"


def test_the_next_test_starts_clean(bulkpdf_client, bulkpdf_faults, bulkpdf_journal):
    assert bulkpdf_faults.rules() == [] and bulkpdf_journal.entries() == []
    assert bulkpdf_client.create_job(BODY).status_code == 200
    assert len(bulkpdf_journal.posts()) == 1


def test_the_clock_expires_the_urls(bulkpdf_client, bulkpdf_clock, bulkpdf_spec):
    job = bulkpdf_client.wait(bulkpdf_client.submit(BODY))
    before = bulkpdf_clock.now()
    assert bulkpdf_clock.advance(bulkpdf_spec.file_url_lifetime_seconds) >= before + 86400
    assert httpx.get(job["fileUrls"][0]).status_code == 403


def test_a_bad_rule_fails_the_test_with_the_reason(bulkpdf_faults):
    from bulkpdf_contract.harness import HarnessError

    with pytest.raises(HarnessError, match="'action' must be one of"):
        bulkpdf_faults.add({"action": "explode"})
'''


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_MAX_EXAMPLES", "BULKPDF_HYPOTHESIS_PROFILE",
                 "BULKPDF_JOB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def test_faults_journal_and_clock_against_the_embedded_mock(pytester):
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_without_a_harness_the_fixtures_skip(pytester):
    with socket.socket() as sock:  # a port nothing listens on: no mock, so no harness
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pytester.makepyfile('''
def test_faults(bulkpdf_faults):
    bulkpdf_faults.add({"action": "disconnect"})

def test_journal(bulkpdf_journal):
    pass

def test_clock(bulkpdf_clock):
    bulkpdf_clock.now()
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", f"--bulkpdf-url=http://127.0.0.1:{port}",
                                "--bulkpdf-token=t")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*need a bulkpdf mock server*"])


def test_the_fixtures_mark_their_tests(pytester):
    pytester.makepyfile('''
def test_uses_the_journal(bulkpdf_journal):
    pass

def test_offline():
    pass
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-m", "not bulkpdf")
    result.assert_outcomes(passed=1, deselected=1)
