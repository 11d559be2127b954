"""``bulkpdf_contract.validators.assertions``: the validator object, ``format_findings`` and the
``assert_valid_*`` helpers, called directly (the plugin's pytester tests run them as a user would)."""

from __future__ import annotations

import httpx
import pytest

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators.assertions import (
    BulkPdfValidator,
    Finding,
    assert_valid_request,
    assert_valid_response,
    format_findings,
)

URL = "http://x/v1/operations/bulk-pdf"
VALID = {
    "documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315a"]}],
    "fileName": "jan",
    "indexFileFormat": "CSV",
}
REQUEST_ID = {"Zuora-Request-Id": "0" * 36}


def test_format_findings_lists_pointer_position_rule_and_message():
    text = format_findings("request", [
        Finding("schema.required", "", "documents is required but missing"),
        Finding("schema.enum", "/indexFileFormat", "bad", line=3, column=22),
    ])
    assert text.splitlines() == [
        "the request breaks the bulk-PDF contract (2 findings):",
        "  /  [schema.required]  documents is required but missing",
        "  /indexFileFormat (line 3, column 22)  [schema.enum]  bad",
    ]
    assert format_findings("response", [Finding("r", "/x", "m")]).startswith(
        "the response breaks the bulk-PDF contract (1 finding):")


def test_assert_valid_request_passes_quietly_or_lists_every_finding():
    assert_valid_request(VALID)
    assert_valid_request(httpx.Request("POST", URL, json=VALID))
    with pytest.raises(AssertionError) as caught:
        assert_valid_request({**VALID, "fileName": "x" * 33, "indexFileFormat": "csv"},
                             {"Zuora-Track-Id": "a;b"})
    lines = str(caught.value).splitlines()
    assert lines[0] == "the request breaks the bulk-PDF contract (3 findings):"
    assert [line.split("  ")[2] for line in lines[1:]] == [
        "[schema.maxLength]", "[charset.forbidden-character]", "[schema.enum]"]


def test_assert_valid_response_takes_objects_or_status_body_headers():
    request = httpx.Request("POST", URL, headers={"Zuora-Track-Id": "sent"})
    echoed = httpx.Response(200, json={"jobId": "j", "success": True},
                            headers={**REQUEST_ID, "Zuora-Track-Id": "sent"}, request=request)
    assert_valid_response(echoed)
    assert_valid_response(200, {"jobId": "j", "status": "Submitted", "success": True}, REQUEST_ID,
                          method="GET")
    with pytest.raises(AssertionError, match=r"/status  \[schema\.enum\]"):
        assert_valid_response(200, {"jobId": "j", "status": "Done", "success": True}, REQUEST_ID,
                              method="GET")
    with pytest.raises(AssertionError, match=r"\[response\.track-id-echo\]"):
        assert_valid_response(httpx.Response(200, json={"jobId": "j", "success": True},
                                             headers=REQUEST_ID, request=request))


def test_a_request_object_s_method_and_headers_are_used_unless_given():
    validator = BulkPdfValidator(load_contract())
    get = httpx.Request("GET", URL + "/1", headers={"Idempotency-Key": "k"})
    assert [f.rule for f in validator.request(get)] == ["idempotency-key.method"]
    assert validator.request(get, headers={}) == []  # given headers replace the object's
    post = httpx.Request("POST", URL, json=VALID, headers={"Idempotency-Key": "k"})
    assert validator.request(post) == []
    assert sorted(f.rule for f in validator.request(post, method="GET")) == [
        "idempotency-key.method", "request.unexpected-body"]
    assert [f.rule for f in validator.request(VALID, method="GET")] == ["request.unexpected-body"]


def test_an_unreadable_body_keeps_only_the_header_findings():
    request = httpx.Request("POST", URL, content=b"{oops", headers={"Zuora-Track-Id": "a:b"})
    findings = BulkPdfValidator().request(request)
    assert [(f.rule, f.pointer) for f in findings] == [
        ("request.not-json", ""), ("charset.forbidden-character", "/headers/Zuora-Track-Id")]


def test_file_names_reach_the_validator():
    ids = ["402880de8ce7edc3018ce7f18404315a", "402880de8ce7edc3018ce7f18e0b3804"]
    body = {**VALID, "documents": [{"docType": "Invoice", "objectIds": ids}]}
    names = dict.fromkeys(ids, "INV-1.pdf")
    assert [f.rule for f in BulkPdfValidator().request(body, file_names=names)] == [
        "documents.duplicate-pdf-file-name"]
    with pytest.raises(AssertionError, match="documents.duplicate-pdf-file-name"):
        assert_valid_request(body, file_names=names, contract=load_contract())
