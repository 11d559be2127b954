"""Acceptance by a client nobody here wrote: Zuora's own Python SDK (``zuora-sdk``, generated from
Zuora's OpenAPI file) against the mock over real HTTP, used exactly as its README shows.

What the SDK revealed (README, "Zuora's Python SDK against the mock") is asserted here: it fetches
its token from ``POST {base}/oauth/token`` with a form and sends ``Zuora-Version: 2025-08-12`` and
its previous bearer token along when it refreshes; ``initialize()`` and ``refresh_token()``
swallow a refused token request (they print and go on); statuses come back as plain strings that
must be members of its enums; a 400 is ``BadRequestException`` with Zuora's ``CommonResponse``
parsed, a 404 ``NotFoundException`` with the raw body only, a 401 ``UnauthorizedException`` read
as ``ProxyUnauthorizedResponse`` (a top-level ``message``).

The mock's clock is frozen: each job pauses before each step (``job_delay``) until the test
advances the clock, so every status and step is seen; an hour of token lifetime passes in a call.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
import zipfile

import pytest

zuora_sdk = pytest.importorskip(
    "zuora_sdk", reason="Zuora's SDK is the optional extra 'sdk': pip install -e '.[test,sdk]'")

from zuora_sdk import (  # noqa: E402
    BulkPdfGenerationJobRequest,
    BulkPDFGenerationJobStatus,
    BulkPDFGenerationStepStatus,
    DocumentIdList,
    IndexFileFormat,
)
from zuora_sdk.exceptions import BadRequestException, NotFoundException, UnauthorizedException  # noqa: E402
from zuora_sdk.zuora_client import ZuoraClient, ZuoraEnvironment  # noqa: E402

from bulkpdf_contract.mock import Clock, run_server  # noqa: E402
from bulkpdf_contract.spec import load_contract  # noqa: E402

from mock_support import FROZEN_AT  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:zuora_sdk.*")  # its pydantic use

CLIENT_ID = "2f1b6b42-0d3e-4c4b-9a57-6f1f3a7c9e10"
SECRET = "sdk-acceptance-secret"
TOKEN_TTL = 900
STEP = 1.0  # job_delay: seconds of the mock's clock before each step
ARCHIVED, NO_PDF, NO_PDF_FAILS = "a0" * 16, "b0" * 16, "c0" * 16
DOCUMENTS = [
    {"docType": "Invoice", "id": ARCHIVED, "archived": True},
    {"docType": "Invoice", "id": NO_PDF, "hasPdf": False},
    {"docType": "Invoice", "id": NO_PDF_FAILS, "hasPdf": False, "pdfGenerationFails": True},
]
TERMINAL = load_contract().terminal_statuses


def ids(n: int, start: int = 1) -> list[str]:
    return [f"{i:032x}" for i in range(start, start + n)]


@pytest.fixture(scope="module")
def server():
    clock = Clock(frozen_at=FROZEN_AT)
    # Job threads of the server's process (job_process=False) pause on this very clock, so the
    # test sees when a job waits (clock.wait_for_sleepers) before it moves time on.
    with run_server(clients={CLIENT_ID: SECRET}, token=(), token_ttl=TOKEN_TTL, clock=clock, job_delay=STEP,
                    documents=DOCUMENTS, open_world=True, job_process=False) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    """The SDK as its README shows it; ``initialize()`` fetches a token and starts a refresh thread,
    stopped at the end (``stop_auto_auth`` waits up to 5 s for that thread: paid once here)."""
    sdk = ZuoraClient(CLIENT_ID, SECRET, None)
    sdk.set_base_url(server.url)
    sdk.set_retry_config(1, 1)  # a refused token request is not retried after 1 s and 2 s
    sdk.initialize()
    yield sdk
    sdk.stop_auto_auth()


@pytest.fixture
def ops(client):
    return client.operations_api()


def request(object_ids, **fields) -> BulkPdfGenerationJobRequest:
    return BulkPdfGenerationJobRequest(
        documents=[DocumentIdList(doc_type="Invoice", object_ids=object_ids)],
        file_name=fields.pop("file_name", "sdk-acceptance"), index_file_format=fields.pop("index", IndexFileFormat.JSON),
        **fields)


def run_to_end(ops, server, job_id: str) -> tuple[list[tuple[str, str]], object]:
    """Poll with the SDK, moving the job one step at a time: once it pauses on the mock's clock,
    advance the clock by one step and poll until the job has moved. Returns every
    ``(status, stepStatus)`` seen, then the final poll's answer."""
    clock = server.state.clock
    job = ops.get_bulk_pdfto_zip_generation(job_id)
    seen = [(job.status, job.step_status)]
    while job.status not in TERMINAL:
        assert clock.wait_for_sleepers(1), f"job {job_id} never paused at {seen[-1]}"
        clock.advance(STEP)
        deadline = time.monotonic() + 30
        while (job := ops.get_bulk_pdfto_zip_generation(job_id)) and (job.status, job.step_status) == seen[-1]:
            assert time.monotonic() < deadline, f"job {job_id} did not move on from {seen[-1]}"
            time.sleep(0.01)
        seen.append((job.status, job.step_status))
    for status, step in seen:
        # Plain strings, not enum members: the SDK does not validate what it parses, so a value
        # outside its enums would pass unnoticed; each must be one of them.
        BulkPDFGenerationJobStatus(status), BulkPDFGenerationStepStatus(step)
    return seen, job


def test_initialize_gets_a_token_from_the_mock(client):
    info = client.get_token_info()
    assert info["access_token"] and not info["is_expired"] and info["auto_auth_active"]
    assert client.api_client.default_headers["Authorization"].startswith("Bearer ")
    assert client.configuration.host != ZuoraEnvironment.SBX.value  # set_base_url won over the default


def test_export_with_idempotency_key_and_track_id_then_download(ops, server):
    body = request(ids(3), name="sdk job", index=IndexFileFormat.CSV)
    created = ops.create_bulk_pdfto_zip_generation_with_http_info(
        body, idempotency_key="sdk-acceptance-key-1", zuora_track_id="sdk-track-1")
    assert created.status_code == 200 and created.data.success is True and created.data.invalid_ids == []
    # ApiResponse.headers is a plain dict of the names as they came (lower-case from the mock,
    # as uvicorn sends them); the exceptions' headers are case-insensitive.
    assert created.headers["zuora-track-id"] == "sdk-track-1" and len(created.headers["zuora-request-id"]) == 36
    replay = ops.create_bulk_pdfto_zip_generation(body, idempotency_key="sdk-acceptance-key-1")
    assert replay.job_id == created.data.job_id
    seen, job = run_to_end(ops, server, created.data.job_id)
    assert seen[0] == ("Submitted", "JobCreated") and ("Executing", "PdfToZip") in seen
    assert job.status == "Completed" and job.job_name == "sdk job" and job.failed_documents == []
    assert [url.rsplit("/", 1)[1] for url in job.file_urls] == ["sdk-acceptance_1.zip"]
    with urllib.request.urlopen(job.file_urls[0]) as answer:  # a pre-signed URL: no token
        archive = zipfile.ZipFile(io.BytesIO(answer.read()))
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 3 and all(archive.read(n).startswith(b"%PDF-") for n in pdfs)
    assert "index.csv" in archive.namelist()


def test_every_status_and_step_the_mock_can_answer_is_in_the_sdks_enums(ops, server):
    contract = load_contract()
    statuses = contract.spec["components"]["schemas"]["JobStatus"]["enum"]
    steps = contract.spec["components"]["schemas"]["StepStatus"]["enum"]
    assert {s.value for s in BulkPDFGenerationJobStatus} == set(statuses)
    assert {s.value for s in BulkPDFGenerationStepStatus} == set(steps)
    partial = ops.create_bulk_pdfto_zip_generation(
        request([*ids(1, 50), NO_PDF, NO_PDF_FAILS], generate_missing_pdf=True))
    seen, job = run_to_end(ops, server, partial.job_id)
    assert list(dict.fromkeys(step for _, step in seen)) == steps  # all five steps, in order
    assert {status for status, _ in seen} == {"Submitted", "Executing", "PartialComplete"}
    assert job.status == "PartialComplete" and job.failed_documents[0].object_ids == [NO_PDF_FAILS]
    failing = ops.create_bulk_pdfto_zip_generation(request([ARCHIVED, *ids(1, 60)]))
    seen, job = run_to_end(ops, server, failing.job_id)
    assert job.status == "Error" and job.file_urls == [] and job.reasons[0].code.startswith("515800")
    skipped = ops.create_bulk_pdfto_zip_generation(request([ARCHIVED, NO_PDF, *ids(1, 70)],
                                                           ignore_archived_files=True))
    assert skipped.invalid_ids == [NO_PDF]  # no PDF and generateMissingPDF false
    _, job = run_to_end(ops, server, skipped.job_id)
    assert job.status == "Completed" and job.skipped_documents[0].object_ids == [ARCHIVED]


def test_a_400_is_bad_request_with_zuoras_body(ops):
    too_long = request(ids(1), file_name="f" * 33)  # the SDK sends what it is given, unvalidated
    with pytest.raises(BadRequestException) as raised:
        ops.create_bulk_pdfto_zip_generation(too_long)
    error = raised.value
    assert error.status == 400 and error.data.success is False
    assert error.data.request_id == error.headers["Zuora-Request-Id"]
    assert [r.code for r in error.data.reasons] == ["51580020"] and "fileName" in error.data.reasons[0].message
    with pytest.raises(BadRequestException) as unusable:  # Zuora's "no usable document" answer
        ops.create_bulk_pdfto_zip_generation(request([NO_PDF]))
    assert unusable.value.data.reasons[0].message.startswith("All Document IDs provided in this request")


def test_gzip_when_the_sdk_asks_for_it(client, ops):
    client.set_accept_encoding("gzip")
    try:
        groups = [DocumentIdList(doc_type=f"Bad{i}", object_ids=ids(1, i + 1)) for i in range(40)]
        with pytest.raises(BadRequestException) as raised:
            ops.create_bulk_pdfto_zip_generation(BulkPdfGenerationJobRequest(
                documents=groups, file_name="gz", index_file_format=IndexFileFormat.JSON))
    finally:
        client.set_accept_encoding("identity")  # the SDK's own default (urllib3's)
    assert raised.value.headers["Content-Encoding"] == "gzip"
    assert sorted(r.message.split()[0] for r in raised.value.data.reasons) == sorted(
        f"documents[{i}].docType" for i in range(40))  # inflated and parsed


def test_an_unknown_job_is_not_found(ops):
    with pytest.raises(NotFoundException) as raised:
        ops.get_bulk_pdfto_zip_generation("0" * 32)
    assert raised.value.status == 404 and raised.value.data is None  # the SDK maps no 404 body
    assert json.loads(raised.value.body)["reasons"][0]["code"] == "51580040"


def test_an_expired_token_is_unauthorized_until_refresh_token(client, ops, server):
    job_id = ops.create_bulk_pdfto_zip_generation(request(ids(1, 80))).job_id
    before = client.api_client.default_headers["Authorization"]
    server.state.clock.advance(TOKEN_TTL)
    with pytest.raises(UnauthorizedException) as raised:
        ops.get_bulk_pdfto_zip_generation(job_id)
    error = raised.value
    assert error.status == 401 and error.data.message == "Authentication error"
    assert "expired" in error.data.additional_properties["reasons"][0]["message"]
    assert not client.is_token_expired()  # the SDK counts expiry on its own clock, not the server's
    client.refresh_token()
    assert client.api_client.default_headers["Authorization"] != before
    _, job = run_to_end(ops, server, job_id)  # the same tenant, with the new token
    assert job.status == "Completed"


def test_a_refused_token_request_is_swallowed_by_the_sdk(server, capsys):
    wrong = ZuoraClient(CLIENT_ID, "not-the-secret", None)
    wrong.set_base_url(server.url)
    wrong.set_retry_config(1, 1)
    wrong.refresh_token()  # what initialize() does first, without its refresh thread
    assert "Authentication attempt 1 failed: (401)" in capsys.readouterr().out
    assert wrong.get_token_info()["access_token"] is None
    with pytest.raises(UnauthorizedException):
        wrong.operations_api().get_bulk_pdfto_zip_generation("0" * 32)
    short = ZuoraClient("too-short", SECRET, None)
    short.set_base_url(server.url)
    short.set_retry_config(1, 1)
    short.refresh_token()  # refused by the SDK itself: client_id must be 36 characters
    assert "at least 36 characters" in capsys.readouterr().out
