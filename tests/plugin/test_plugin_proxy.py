"""``bulkpdf_proxy``: the validating proxy in front of the configured server, from a user's test
file. A test whose traffic breaks the contract fails with the violations listed; one that sends
invalid requests on purpose takes them; the proxy lives for the session."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
BODY = {"documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315a"]}],
        "fileName": "jan", "indexFileFormat": "JSON"}

def test_clean_traffic(bulkpdf_proxy):
    with bulkpdf_proxy.client() as client:
        export = client.export(BODY)
    assert export.status == "Completed"
    assert bulkpdf_proxy.violations() == []

def test_a_bad_request(bulkpdf_proxy):
    client = bulkpdf_proxy.client()
    assert client.create_job({**BODY, "fileName": "x" * 33}).status_code == 400

def test_a_bad_request_taken_on_purpose(bulkpdf_proxy):
    client = bulkpdf_proxy.client()
    assert client.create_job({**BODY, "fileName": ""}).status_code == 400
    assert [v.rule for v in bulkpdf_proxy.take_violations()] == ["schema.minLength"]

def test_a_bad_request_and_a_failing_assert(bulkpdf_proxy):
    bulkpdf_proxy.client().create_job({**BODY, "indexFileFormat": "XML"})
    assert False, "the test's own failure"

def test_the_proxy_fronts_the_server(bulkpdf_proxy, bulkpdf_server):
    assert bulkpdf_proxy.upstream == bulkpdf_server.url and bulkpdf_proxy.url != bulkpdf_server.url
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_JOB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def test_a_test_whose_traffic_breaks_the_contract_fails_with_the_violations(pytester):
    pytester.makepyfile(USER_TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=2)
    failed = {r.nodeid.split("::")[-1] for r in result.reprec.getreports("pytest_runtest_logreport")
              if r.when == "call" and r.failed}
    assert failed == {"test_a_bad_request", "test_a_bad_request_and_a_failing_assert"}
    result.stdout.fnmatch_lines([
        "*the bulkpdf proxy saw 1 contract violation(s) in this test's traffic:*",
        "*POST /v1/operations/bulk-pdf -> 400: request schema.maxLength at /fileName: fileName is 33 characters*",
    ])
    result.stdout.fnmatch_lines(["*the test's own failure*", "*bulkpdf proxy violations*", "*schema.enum*"])


def test_a_server_that_accepts_an_invalid_request_fails_the_test(pytester):
    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_mock_options():
    return {"disabled_rules": ["schema.maxLength"]}  # a lenient server
""")
    pytester.makepyfile("""
def test_lenient(bulkpdf_proxy):
    body = {"documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315a"]}],
            "fileName": "x" * 33, "indexFileFormat": "JSON"}
    assert bulkpdf_proxy.client().create_job(body).status_code == 200
    found = {(v.direction, v.rule) for v in bulkpdf_proxy.take_violations()}
    assert found == {("request", "schema.maxLength"), ("response", "response.accepted-invalid-request")}

def test_lenient_unnoticed(bulkpdf_proxy):
    body = {"documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315b"]}],
            "fileName": "y" * 33, "indexFileFormat": "JSON"}
    assert bulkpdf_proxy.client().create_job(body).status_code == 200
""")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*response response.accepted-invalid-request at /: the server accepted (200)*"])


def test_proxy_options_reach_the_proxy(pytester):
    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_proxy_options(tmp_path_factory):
    return {"enforce": True, "har": tmp_path_factory.mktemp("har") / "session.har"}
""")
    pytester.makepyfile("""
import json

def test_enforced(bulkpdf_proxy):
    answer = bulkpdf_proxy.client().create_job({"fileName": "x"})
    assert answer.status_code == 400 and answer.headers["zuora-request-id"]
    assert {v.status for v in bulkpdf_proxy.take_violations()} == {400}
    assert bulkpdf_proxy.proxy.stats().refused == 1
""")
    pytester.runpytest().assert_outcomes(passed=1)
