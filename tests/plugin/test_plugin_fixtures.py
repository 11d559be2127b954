"""The plugin's fixtures, helpers and marker, used from a user's test file against the embedded mock.

Each test writes the test file a client team would write, runs it with ``pytester`` and checks the
outcomes and what pytest prints. Runs are in-process (fast) except the xdist one.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

SEED = """
SEED = {
    "documents": [{"docType": "Invoice", "objectIds": [
        "402880de8ce7edc3018ce7f18404315a", "402880de8ce7edc3018ce7f18e0b3804"]}],
    "fileName": "all-invoices-posted-jan-2024",
    "name": "BulkPDFGenerationJobV1",
    "indexFileFormat": "JSON",
    "generateMissingPDF": True,
    "ignoreArchivedFiles": True,
}
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_MAX_EXAMPLES", "BULKPDF_HYPOTHESIS_PROFILE",
                 "BULKPDF_JOB_TIMEOUT", "BULKPDF_CLIENT_ID", "BULKPDF_CLIENT_SECRET", "BULKPDF_DOCUMENTS"):
        monkeypatch.delenv(name, raising=False)


def test_spec_server_and_client_fixtures(pytester):
    pytester.makepyfile(SEED + """
import json
import zipfile

import pytest

from bulkpdf_contract.client import BulkPdfError

def test_spec(bulkpdf_spec):
    assert bulkpdf_spec.documents_per_zip == 1000
    assert "/v1/operations/bulk-pdf" in bulkpdf_spec.spec["paths"]

def test_server_is_the_embedded_mock(bulkpdf_server):
    assert bulkpdf_server.embedded
    assert bulkpdf_server.url.startswith("http://127.0.0.1:")
    assert bulkpdf_server.token == "bulkpdf-test-token"
    assert bulkpdf_server.data_dir.is_dir()

def test_export_of_the_seed_request(bulkpdf_client):
    export = bulkpdf_client.export(SEED)
    assert export.status == "Completed"
    assert export.job["fileUrls"][0].split("?")[0].endswith("/all-invoices-posted-jan-2024_1.zip")
    (archive,) = export.zips
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 2
    assert all(archive.read(n).startswith(b"%PDF-") for n in pdfs)

def test_submit_wait_and_open_step_by_step(bulkpdf_client):
    job_id = bulkpdf_client.submit(SEED)
    job = bulkpdf_client.wait(job_id, timeout=30)
    assert job["jobId"] == job_id and job["status"] == "Completed"
    assert [type(z) for z in bulkpdf_client.open_zips(job)] == [zipfile.ZipFile]

def test_client_sends_auth_and_raw_calls_work(bulkpdf_client):
    response = bulkpdf_client.get_job("0" * 32)
    assert response.status_code == 404
    assert bulkpdf_client.headers["Authorization"] == "Bearer bulkpdf-test-token"

def test_rejected_submit_says_why(bulkpdf_client):
    with pytest.raises(BulkPdfError) as rejected:
        bulkpdf_client.submit({**SEED, "fileName": "x" * 33})
    message = str(rejected.value)
    assert "the job was not accepted: POST /v1/operations/bulk-pdf -> 400" in message
    assert "fileName" in message
""")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=6)


DOCUMENTS = SEED + """
import pytest

ARCHIVED = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
NO_PDF = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"

def body(*ids, **flags):
    return {**SEED, "documents": [{"docType": "Invoice", "objectIds": list(ids)}], **flags}

def test_seeded_archived_document_fails_the_job(bulkpdf_client, bulkpdf_documents):
    seeded = bulkpdf_documents({"docType": "Invoice", "id": ARCHIVED, "archived": True})
    assert seeded[0]["id"] == ARCHIVED
    job = bulkpdf_client.wait(bulkpdf_client.submit(body(ARCHIVED, ignoreArchivedFiles=False)))
    assert job["status"] == "Error"

def test_the_seeding_was_undone(bulkpdf_client, bulkpdf_server):
    job = bulkpdf_client.wait(bulkpdf_client.submit(body(ARCHIVED, ignoreArchivedFiles=False)))
    assert job["status"] == "Completed"
    listed = bulkpdf_client.get("/_mock/documents").json()
    assert ARCHIVED not in json.dumps(listed)

def test_context_manager_nests_and_restores(bulkpdf_client, bulkpdf_server):
    with bulkpdf_server.documents({"id": NO_PDF, "hasPdf": False}):
        with bulkpdf_server.documents([{"id": NO_PDF, "hasPdf": True, "pdfFileName": "inner.pdf"}]):
            export = bulkpdf_client.export(body(NO_PDF, generateMissingPDF=False))
            assert "inner.pdf" in export.names()
        response = bulkpdf_client.create_job(body(NO_PDF, "b" * 32, generateMissingPDF=False))
        assert NO_PDF in response.json()["invalidIds"]
    assert NO_PDF not in json.dumps(bulkpdf_client.get("/_mock/documents").json())

def test_documents_must_be_mappings(bulkpdf_server):
    with pytest.raises(TypeError, match="a document is a mapping, got str"):
        with bulkpdf_server.documents("aaaa"):
            pass
"""


def test_documents_are_seeded_for_one_test_and_undone(pytester):
    pytester.makepyfile(test_documents="import json\n" + DOCUMENTS)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=4)


VALIDATION = SEED + """
import gzip
import json

import httpx
import requests

from bulkpdf_contract.pytest_plugin import assert_valid_request, assert_valid_response

def test_httpx_objects_from_the_mock_are_valid(bulkpdf_client, bulkpdf_validator):
    response = bulkpdf_client.create_job(SEED, headers={"Zuora-Track-Id": "run-1"})
    assert bulkpdf_validator.request(response.request) == []
    assert bulkpdf_validator.response(response) == []
    assert_valid_request(response.request)
    assert_valid_response(response)
    poll = bulkpdf_client.get_job(response.json()["jobId"])
    assert_valid_request(poll.request)
    assert_valid_response(poll)

def test_requests_objects_from_the_mock_are_valid(bulkpdf_server, bulkpdf_validator):
    data = gzip.compress(json.dumps(SEED).encode())
    response = requests.post(
        bulkpdf_server.url + "/v1/operations/bulk-pdf", data=data,
        headers={**bulkpdf_server.headers, "Content-Type": "application/json",
                 "Content-Encoding": "gzip", "Accept-Encoding": "gzip"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert bulkpdf_validator.request(response.request) == []
    assert bulkpdf_validator.response(response) == []
    unprepared = requests.Request("GET", "http://x/v1/operations/bulk-pdf/1",
                                  headers={"Idempotency-Key": "k-1"})
    assert [f.rule for f in bulkpdf_validator.request(unprepared)] == ["idempotency-key.method"]

def test_dicts_and_statuses(bulkpdf_validator):
    findings = bulkpdf_validator.request({**SEED, "fileName": "x" * 33})
    assert [(f.rule, f.pointer) for f in findings] == [("schema.maxLength", "/fileName")]
    findings = bulkpdf_validator.response(
        200, {"jobId": "j", "status": "Done", "success": True},
        {"Zuora-Request-Id": "0" * 36}, method="GET")
    assert [(f.rule, f.pointer) for f in findings] == [("schema.enum", "/status")]
    not_json = httpx.Request("POST", "http://x/v1/operations/bulk-pdf", content=b"{oops")
    assert [f.rule for f in bulkpdf_validator.request(not_json)] == ["request.not-json"]

def test_a_bad_request_lists_every_finding():
    assert_valid_request(
        {**SEED, "fileName": "x" * 33, "indexFileFormat": "json"},
        {"Zuora-Track-Id": "a:b"},
    )

def test_a_bad_response_lists_every_finding():
    request = httpx.Request("POST", "http://x/v1/operations/bulk-pdf",
                            headers={"Zuora-Track-Id": "sent"})
    assert_valid_response(httpx.Response(200, json={"success": True}, request=request))
"""


def test_validator_and_assert_helpers(pytester):
    pytester.makepyfile(test_validation=VALIDATION)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        ">       assert_valid_request(",
        "E       AssertionError: the request breaks the bulk-PDF contract (3 findings):",
        "E         /fileName  [[]schema.maxLength[]]  fileName is 33 characters long*",
        "E         /headers/Zuora-Track-Id  [[]charset.forbidden-character[]]  *':'*",
        "E         /indexFileFormat  [[]schema.enum[]]  *",
    ])
    result.stdout.fnmatch_lines([
        ">       assert_valid_response(*",
        "E       AssertionError: the response breaks the bulk-PDF contract (3 findings):",
        "E         /headers/Zuora-Request-Id  [[]response.missing-header[]]  *",
        "E         /headers/Zuora-Track-Id  [[]response.track-id-echo[]]  *'sent'*",
        "E         /jobId  [[]schema.required[]]  *",
    ])
    # the helpers hide their own frames: the failure points at the user's line
    assert "_raise_findings" not in result.stdout.str()


MARKERS = """
import pytest

def test_uses_the_client(bulkpdf_client):
    assert bulkpdf_client.get_job("0" * 32).status_code == 404

@pytest.mark.bulkpdf
def test_marked_by_hand():
    pass

def test_offline():
    pass

@pytest.mark.bulkpdf(mock_only=True)
def test_needs_the_mock(bulkpdf_documents):
    bulkpdf_documents({"id": "c" * 32, "archived": True})

def test_seeding_skips_without_a_mock(bulkpdf_documents):
    bulkpdf_documents({"id": "d" * 32})

@pytest.mark.bulkpdf(live=True)
def test_bad_marker():
    pass
"""


def test_marker_is_registered_and_selects_server_tests(pytester):
    pytester.makepyfile(test_markers=MARKERS)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.bulkpdf(mock_only=False): the test talks to*"])

    result = pytester.runpytest("--strict-markers", "-m", "not bulkpdf")
    result.assert_outcomes(passed=1, deselected=5)

    result = pytester.runpytest("--strict-markers", "-m", "bulkpdf", "-rs")
    result.assert_outcomes(passed=4, errors=1, deselected=1)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.bulkpdf takes only mock_only=True/False, got @pytest.mark.bulkpdf(live=True)",
    ])


def test_against_a_server_without_seeding(pytester):
    """A live URL that is not a bulkpdf mock: mock-only and seeding tests skip, with the reason."""
    pytester.makepyfile(test_markers=MARKERS)
    result = pytester.runpytest(
        "--bulkpdf-url", "http://127.0.0.1:9", "--bulkpdf-token", "t",
        "-rs", "-k", "needs_the_mock or seeding_skips",
    )
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([
        "*mock_only: http://127.0.0.1:9 is not a bulkpdf mock server*",
        "*seeding documents needs a bulkpdf mock server; http://127.0.0.1:9 has none*",
    ])


def test_against_a_separately_running_mock(pytester, tmp_path):
    """``--bulkpdf-url`` at a `bulkpdf serve`-style mock: nothing embedded, seeding still works."""
    from bulkpdf_contract.mock import run_server

    pytester.makepyfile(test_documents="import json\n" + DOCUMENTS)
    with run_server(data_dir=tmp_path / "data", token="live-token") as server:
        result = pytester.runpytest(
            "--bulkpdf-url", server.url, "--bulkpdf-token", "live-token",
        )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"bulkpdf: live {server.url.rstrip('/')}"])


def test_mock_options_fixture_configures_the_embedded_mock(pytester):
    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_mock_options():
    return {"job_delay": 0.5}
""")
    pytester.makepyfile(SEED + """
import pytest
from bulkpdf_contract.client import JobTimeout

def test_wait_times_out(bulkpdf_client):
    job_id = bulkpdf_client.submit(SEED)
    with pytest.raises(JobTimeout, match=f"job {job_id} is still .* after 0.1 s"):
        bulkpdf_client.wait(job_id, timeout=0.1)
""")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)

    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_mock_options():
    return {"token": "other", "port": 8080}
""")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*bulkpdf_mock_options may not set port, token: the plugin chooses them*",
    ])


XDIST = SEED + """
import json
import os

import pytest

@pytest.mark.parametrize("n", range(6))
def test_each_worker_has_its_own_mock(bulkpdf_server, bulkpdf_client, bulkpdf_documents, n):
    doc_id = f"{n:032x}"
    bulkpdf_documents({"id": doc_id, "archived": n % 2 == 0})
    body = {**SEED, "documents": [{"docType": "Invoice", "objectIds": [doc_id]}],
            "ignoreArchivedFiles": False}
    job = bulkpdf_client.wait(bulkpdf_client.submit(body))
    assert job["status"] == ("Error" if n % 2 == 0 else "Completed")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"server-{worker}.json", "w") as out:
        json.dump({"url": bulkpdf_server.url, "data_dir": str(bulkpdf_server.data_dir)}, out)
"""


def test_xdist_gives_each_worker_its_own_server(pytester):
    pytester.makepyfile(test_parallel=XDIST)
    # schemathesis' pytest plugin has no part here and doubles each process's start-up time
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-p", "no:schemathesis")
    result.assert_outcomes(passed=6)
    seen = [json.loads(p.read_text()) for p in sorted(pytester.path.glob("server-gw*.json"))]
    assert len(seen) == 2
    assert seen[0]["url"] != seen[1]["url"]
    assert seen[0]["data_dir"] != seen[1]["data_dir"]


STRATEGIES = """
import pytest
from hypothesis import given

from bulkpdf_contract.pytest_plugin import (
    Labelled, assert_valid_request, edge_cases, labelled_edge_cases, valid_bodies, valid_headers,
    valid_requests,
)

@given(valid_requests())
def test_generated_requests_keep_the_contract(req):
    assert_valid_request(req)

@given(valid_bodies(), valid_headers())
def test_generated_bodies_and_headers_keep_the_contract(body, headers):
    assert_valid_request(body, headers, "POST")

@given(edge_cases())
def test_edge_cases_break_the_rule_they_name(bulkpdf_validator, case):
    if isinstance(case, Labelled):
        findings = bulkpdf_validator.request(case.request, file_names=case.file_names)
        expected = [(case.expected_rule, case.expected_pointer)]
    else:  # a boundary value that is still valid
        findings, expected = bulkpdf_validator.request(case), []
    assert [(f.rule, f.pointer) for f in findings] == expected

@given(labelled_edge_cases())
def test_labelled_cases_are_refused_by_the_helper(case):
    with pytest.raises(AssertionError) as refused:
        assert_valid_request(case.request, file_names=case.file_names)
    assert f"{case.expected_pointer or '/'}  [{case.expected_rule}]" in str(refused.value)
"""


def test_strategies_are_re_exported_for_given(pytester):
    pytester.makepyfile(test_user_strategies=STRATEGIES)  # not test_strategies: this suite has one
    result = pytester.runpytest("--bulkpdf-max-examples", "15", "-W", "ignore")
    result.assert_outcomes(passed=4)


def test_mock_options_give_the_embedded_mock_oauth_clients_and_limits(pytester):
    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_mock_options():
    return {"clients": {"c" * 36: "plugin-secret"}, "token_ttl": 120, "rate_limit": 500}
""")
    pytester.makepyfile(SEED + """
import httpx

from bulkpdf_contract.client import BulkPdfClient

def test_a_token_from_the_embedded_mock(bulkpdf_server, bulkpdf_client):
    answer = httpx.post(bulkpdf_server.url + "/oauth/token", data={
        "client_id": "c" * 36, "client_secret": "plugin-secret", "grant_type": "client_credentials"})
    assert answer.status_code == 200 and answer.json()["expires_in"] == 120
    with BulkPdfClient(bulkpdf_server.url, answer.json()["access_token"]) as client:
        job = client.wait(client.submit(SEED))
        assert job["status"] == "Completed"
        assert client.get_job(job["jobId"]).headers["RateLimit-Limit"] == "500"
    # the plugin's own (static) token is another tenant
    assert bulkpdf_client.get_job(job["jobId"]).status_code == 404
""")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
