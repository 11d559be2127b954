"""Tests of the example client, written only with the bulkpdf-contract pytest plugin.

By default they run against the plugin's embedded mock. Against a Zuora sandbox:

    BULKPDF_EXAMPLE_INVOICE_IDS=<id>,<id> pytest examples/client \\
        --bulkpdf-url https://rest.apisandbox.zuora.com --bulkpdf-token "$ZUORA_TOKEN"

There the tests that need seeded documents or the mock's open document world skip themselves.
Every API call the client makes in a test is checked against the contract at teardown.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from bulk_pdf_export import API_PATH, BulkPdfExporter, ExportFailed, ExportRejected
from hypothesis import given, settings
from pypdf import PdfReader

from bulkpdf_contract.pytest_plugin import (
    assert_valid_request,
    assert_valid_response,
    labelled_edge_cases,
    valid_bodies,
)

API_CALL = re.compile(re.escape(API_PATH) + r"(/[^/]+)?")


@pytest.fixture
def traffic():
    """Every response the client received during the test (requests' response hook)."""
    return []


@pytest.fixture
def exporter(bulkpdf_server, traffic):
    session = requests.Session()
    session.hooks["response"].append(lambda response, *args, **kwargs: traffic.append(response))
    yield BulkPdfExporter(
        bulkpdf_server.url, bulkpdf_server.token, session=session,
        poll_interval=0.02, max_poll_interval=1.0, timeout=bulkpdf_server.job_timeout,
        retry_wait=0.05,
    )
    for response in traffic:
        if API_CALL.fullmatch(urlsplit(response.url).path):
            assert_valid_request(response.request)
            assert_valid_response(response)


@pytest.fixture
def invoice_ids(bulkpdf_server):
    """Invoice IDs that exist: any well-formed ID in the mock's open world, real ones on a sandbox."""
    if bulkpdf_server.supports_seeding():
        return [secrets.token_hex(16) for _ in range(3)]
    ids = [i.strip() for i in os.environ.get("BULKPDF_EXAMPLE_INVOICE_IDS", "").split(",") if i.strip()]
    if not ids:
        pytest.skip("set BULKPDF_EXAMPLE_INVOICE_IDS to invoice IDs of the sandbox tenant")
    return ids


def new_id() -> str:
    return secrets.token_hex(16)


@pytest.mark.parametrize("index_format", ["JSON", "CSV"])
def test_export_downloads_readable_pdfs_and_the_index(exporter, invoice_ids, tmp_path, index_format):
    result = exporter.export(
        {"Invoice": invoice_ids}, "invoices-jan", tmp_path,
        index_format=index_format, generate_missing=True, ignore_archived=True,
        track_id="example-client-run",
    )
    assert result.job.status == "Completed"
    assert [p.name for p in result.zips] == ["invoices-jan_1.zip"]
    assert len(result.pdfs) == len(invoice_ids)
    for pdf in result.pdfs:
        assert len(PdfReader(pdf).pages) >= 1
    (index,) = result.indexes
    if index_format == "JSON":
        rows = json.loads(index.read_text())["_metadata"]
    else:
        rows = list(csv.DictReader(index.read_text().splitlines(), skipinitialspace=True))
        assert list(rows[0]) == ["accountNumber", "documentType", "documentNumber",
                                 "documentCreatedOn", "pdfFileName", "pdfFileCreatedOn"]
    assert sorted(row["pdfFileName"] for row in rows) == sorted(p.name for p in result.pdfs)


@pytest.mark.bulkpdf(mock_only=True)
def test_more_than_a_thousand_documents_make_two_zips(exporter, traffic, tmp_path):
    ids = [f"{n:032x}" for n in range(1, 1002)]
    result = exporter.export({"Invoice": ids}, "big", tmp_path, persist_index=False)
    assert [p.name for p in result.zips] == ["big_1.zip", "big_2.zip"]
    assert len(result.pdfs) == 1001 and result.indexes == []
    assert len(list((tmp_path / "big_2").iterdir())) == 1
    # the 36 kB body went out gzipped, and the contract check at teardown inflates it
    assert traffic[0].request.headers["Content-Encoding"] == "gzip"


def test_archived_document_fails_the_job(exporter, bulkpdf_documents, tmp_path):
    archived = new_id()
    bulkpdf_documents({"docType": "Invoice", "id": archived, "archived": True})
    with pytest.raises(ExportFailed, match="ended Error") as failure:
        exporter.export({"Invoice": [archived, new_id()]}, "with-archived", tmp_path)
    assert failure.value.job.status == "Error"


def test_archived_document_is_skipped_when_asked(exporter, bulkpdf_documents, tmp_path):
    archived, kept = new_id(), new_id()
    bulkpdf_documents({"id": archived, "archived": True}, {"id": kept, "pdfFileName": "kept.pdf"})
    result = exporter.export({"Invoice": [archived, kept]}, "skip", tmp_path, ignore_archived=True)
    assert result.job.skipped == {"Invoice": [archived]}
    assert [p.name for p in result.pdfs] == ["kept.pdf"]


def test_document_without_pdf_is_reported_or_generated(exporter, bulkpdf_documents, tmp_path):
    missing, present = new_id(), new_id()
    bulkpdf_documents({"id": missing, "hasPdf": False, "pdfFileName": "missing.pdf"}, {"id": present})
    result = exporter.export({"Invoice": [missing, present]}, "skip", tmp_path / "a")
    assert result.invalid_ids == [missing]
    assert "missing.pdf" not in [p.name for p in result.pdfs]
    result = exporter.export({"Invoice": [missing, present]}, "gen", tmp_path / "b",
                             generate_missing=True)
    assert "missing.pdf" in [p.name for p in result.pdfs]


def test_a_retried_submit_creates_one_job(exporter, invoice_ids):
    body = exporter.build_body({"Invoice": invoice_ids}, "retry")
    key = str(uuid.uuid4())
    first = exporter.submit(body, idempotency_key=key)
    again = exporter.submit(body, idempotency_key=key)
    assert again.job_id == first.job_id


def test_a_wrong_token_is_rejected_with_zuoras_reasons(bulkpdf_server, invoice_ids):
    client = BulkPdfExporter(bulkpdf_server.url, "not-the-token", retries=0)
    with pytest.raises(ExportRejected, match="answered 401") as rejected:
        client.submit(client.build_body({"Invoice": invoice_ids}, "nope"))
    assert rejected.value.status == 401 and rejected.value.reasons
    assert rejected.value.request_id


@given(body=valid_bodies())
def test_every_valid_body_goes_out_as_a_valid_request(body):
    """Offline: whatever the caller asks for, the client's wire format keeps the contract."""
    client = BulkPdfExporter("https://rest.example", "token", compress_over=2048)
    prepared = client.prepare(body, idempotency_key=str(uuid.uuid4()), track_id="prop")
    assert_valid_request(prepared)


def documents_named(body, file_names) -> list[dict]:
    """Seed documents giving each ID of ``file_names`` its PDF name, under its group's docType."""
    return [
        {"id": object_id, "docType": group["docType"], "pdfFileName": file_names[object_id]}
        for group in body["documents"] for object_id in group["objectIds"]
        if object_id in file_names
    ] if file_names else []


def sendable(case) -> bool:
    """Cases the client can express: a POST whose broken part is its body or one of its headers."""
    request = case.request
    headers_ok = all(str(v).isascii() and str(v).isprintable() for v in request.headers.values())
    pointer = case.expected_pointer
    by_client = not pointer.startswith("/headers/") or pointer in (
        "/headers/Idempotency-Key", "/headers/Zuora-Track-Id")
    return request.method == "POST" and headers_ok and by_client


@pytest.mark.bulkpdf(mock_only=True)
@settings(deadline=None, max_examples=30)  # one HTTP round trip each: a fixed budget for the suite
@given(case=labelled_edge_cases().filter(sendable))
def test_invalid_requests_are_rejected_naming_the_field(bulkpdf_server, case):
    """The mock refuses each labelled invalid request; the client's error names the field."""
    headers = case.request.headers
    client = BulkPdfExporter(bulkpdf_server.url, bulkpdf_server.token, retries=0)
    # a duplicate-file-name case names the PDFs its IDs have: make the mock's world agree
    with bulkpdf_server.documents(documents_named(case.request.body, case.file_names or {})):
        with pytest.raises(ExportRejected) as rejected:
            client.submit(
                case.request.body,
                idempotency_key=headers.get("Idempotency-Key", str(uuid.uuid4())),
                track_id=headers.get("Zuora-Track-Id"),
            )
    assert 400 <= rejected.value.status < 500
    names = [part for part in case.expected_pointer.split("/") if part and not part.isdigit()]
    if names:
        assert names[-1] in str(rejected.value)


def test_a_broken_download_is_resumed_where_it_stopped(exporter, bulkpdf_faults, bulkpdf_journal, tmp_path):
    bulkpdf_faults.add({"method": "GET", "path": "/_mock/files/*", "nth": 1, "per": "path",
                        "action": "truncate", "bytes": 16384})
    result = exporter.export({"Invoice": [new_id() for _ in range(40)]}, "resumed", tmp_path)
    assert len(result.pdfs) == 40
    first, second = bulkpdf_journal.downloads()
    assert first.outcome == "truncated" and second.header("range") == "bytes=16384-" and second.status == 206


def test_a_429_is_retried_after_its_retry_after_with_the_same_key(exporter, bulkpdf_faults, bulkpdf_journal):
    bulkpdf_faults.add({"method": "POST", "path": API_PATH, "nth": 1, "action": "respond", "status": 429,
                        "retryAfter": 1})
    exporter.submit(exporter.build_body({"Invoice": [new_id()]}, "patient"))
    refused, accepted = bulkpdf_journal.posts()
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.received - refused.answered >= 1
    assert refused.header("idempotency-key") == accepted.header("idempotency-key")


def test_the_program_says_which_settings_are_missing(capsys):
    import export_job

    assert export_job.main([], env={"BULKPDF_URL": "http://127.0.0.1:9"}) == 2
    err = capsys.readouterr().err
    assert "BULKPDF_REQUEST" in err and "BULKPDF_OUTPUT" in err and "BULKPDF_TOKEN" in err
