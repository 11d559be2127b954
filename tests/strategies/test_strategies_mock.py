"""The mock server agrees with the strategies: every valid request is accepted, every labelled
one gets a 4xx with Zuora's error body naming the field: in-process (httpx's ASGI transport) and
over real HTTP on 127.0.0.1.

Each example uses a fresh bearer token (the app accepts any token), so it is its own tenant and
Idempotency-Keys that Hypothesis repeats across examples never replay another example's answer.
Jobs are held before their first step (``job_delay``): acceptance is the subject here, the
mock's own tests cover what the jobs produce.
"""

from __future__ import annotations

import functools
import uuid

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, given, settings

from bulkpdf_contract.spec import COLLECTION_PATH, JOB_PATH
from bulkpdf_contract.strategies.limits import CONTROL_CHARACTERS
from bulkpdf_contract.strategies import (
    EDGE_FAMILIES, Labelled, Request, document_counts, duplicate_documents, edge_cases, valid_requests,
)
from bulkpdf_contract.validators import validate_response

mock = pytest.importorskip("bulkpdf_contract.mock")
if not hasattr(mock, "create_app"):
    pytest.skip("bulkpdf_contract.mock.create_app does not exist yet", allow_module_level=True)

# Valid document-count edges start jobs over thousands of IDs; their rejection side is tested below.
LIGHT_FAMILIES = [f for f in EDGE_FAMILIES if f != "document-count"]


class AsgiClient:
    """httpx.AsyncClient over ASGITransport behind a synchronous face (one event loop in a portal)."""

    def __init__(self, app):
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = self._portal.call(self._open, app)

    @staticmethod
    async def _open(app):
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test")

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        return self._portal.call(functools.partial(self._client.request, method, url, **kwargs))

    def close(self):
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


@pytest.fixture(scope="module", params=["asgi", "http"])
def client(request, tmp_path_factory):
    """The mock in-process and over real HTTP on 127.0.0.1; jobs are held before their first step."""
    options = {"data_dir": tmp_path_factory.mktemp("mock"), "token": None, "job_delay": 3600}
    if request.param == "asgi":
        app = mock.create_app(**options)
        client = AsgiClient(app)
        yield client
        client.close()
        app.state.mock.close()
    else:
        server = mock.start_server(**options)
        client = httpx.Client(base_url=server.url, timeout=30)
        client.kind = "http"
        yield client
        client.close()
        server.stop()


def on_the_wire(request: Request, token: str) -> dict[str, str | bytes]:
    """The headers as sent: non-ASCII values as UTF-8 bytes (HTTP libraries refuse non-ASCII str)."""
    return {k: v if str(v).isascii() else str(v).encode("utf-8") for k, v in request.http_headers(token).items()}


def sendable(client, request: Request) -> bool:
    """False for a control character in a header over real HTTP: the client refuses to send it."""
    controls = set(CONTROL_CHARACTERS) - {"\t"}
    return getattr(client, "kind", "asgi") != "http" or not any(
        ch in controls for value in request.headers.values() for ch in str(value))


def send(client, request: Request, token: str) -> httpx.Response:
    return client.request(request.method, request.path, headers=on_the_wire(request, token),
                          content=request.content())


def fresh_token() -> str:
    return f"test-token-{uuid.uuid4().hex}"


def contract_findings(response: httpx.Response, request: Request, echo: bool = True) -> list:
    """What the response breaks; ``echo=False`` skips the Zuora-Track-Id echo rule (a track ID
    the request got wrong cannot be echoed within the response header's own limits)."""
    method = request.method if request.method in ("POST", "GET") else "POST"
    findings = validate_response(response.status_code, response.content, response.headers,
                                 method=method, request_headers=request.headers if echo else None)
    return [(f.rule, f.pointer, f.message) for f in findings]


def field_named_by(pointer: str) -> str | None:
    names = [part for part in pointer.split("/") if part and not part.isdigit() and part != "headers"]
    return names[-1] if names else None


def assert_rejected(response: httpx.Response, example: Labelled) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text, example)
    echo = example.expected_pointer != "/headers/Zuora-Track-Id"
    assert contract_findings(response, example.request, echo) == []  # Zuora's error body and headers
    messages = " ".join(reason["message"] for reason in response.json()["reasons"])
    field = field_named_by(example.expected_pointer)
    if field is not None:
        assert field in messages, (field, messages, example)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(valid_requests(methods=("POST",), large=False), valid_requests(methods=("GET",)))
def test_valid_requests_are_accepted_and_the_job_can_be_polled(client, post, poll):
    token = fresh_token()
    created = send(client, post, token)
    assert created.status_code == 200, (created.text, post)
    assert contract_findings(created, post) == []
    job_id = created.json()["jobId"]
    # The job is visible to the same token and entity that created it.
    headers = {k: v for k, v in poll.headers.items() if k != "Zuora-Entity-Ids"}
    if "Zuora-Entity-Ids" in post.headers:
        headers["Zuora-Entity-Ids"] = post.headers["Zuora-Entity-Ids"]
    poll = Request("GET", headers, None, JOB_PATH.replace("{jobId}", job_id))
    polled = send(client, poll, token)
    assert polled.status_code == 200, (polled.text, poll)
    assert polled.json()["jobId"] == job_id and contract_findings(polled, poll) == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(edge_cases(families=LIGHT_FAMILIES))
def test_edge_cases_get_the_mocks_verdict(client, example):
    if isinstance(example, Labelled) and example.file_names:
        return  # the mock knows PDF names only for seeded documents: see the next test
    request = example.request if isinstance(example, Labelled) else example
    if not sendable(client, request):
        return
    token = fresh_token()
    response = send(client, request, token)
    if isinstance(example, Labelled):
        assert_rejected(response, example)
    elif request.method == "GET":
        assert response.status_code == 404  # a valid poll of a job nobody created
        assert contract_findings(response, request) == []
    else:
        assert response.status_code == 200, (response.text, example)
        assert contract_findings(response, request) == []


@settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(duplicate_documents().filter(lambda e: e.file_names is not None))
def test_ids_with_one_pdf_file_name_are_rejected_once_the_mock_knows_the_names(client, example):
    token = fresh_token()
    auth = {"Authorization": f"Bearer {token}"}
    groups = example.request.body["documents"]
    documents = [{"id": i, "docType": g["docType"], "pdfFileName": example.file_names[i]}
                 for g in groups for i in g["objectIds"]]
    seeded = client.request("POST", "/_mock/documents", json=documents, headers=auth)
    assert seeded.status_code == 200, seeded.text
    try:
        assert_rejected(send(client, example.request, token), example)
    finally:
        client.request("DELETE", "/_mock/documents", json=[d["id"] for d in documents], headers=auth)


@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document_counts().filter(lambda e: isinstance(e, Labelled)))
def test_more_ids_than_allowed_are_rejected(client, example):
    assert example.request.path == COLLECTION_PATH
    assert_rejected(send(client, example.request, fresh_token()), example)
