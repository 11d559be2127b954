"""Responses: documented statuses, bodies, headers and the Zuora-Track-Id echo.
"""

from __future__ import annotations

import json

import pytest

from bulkpdf_contract.validators import Finding, validate_request, validate_response

from validators_support import ERROR, GET_OK, POST_OK, REQUEST_ID, respond, rules


@pytest.mark.parametrize("method, status, payload", [
    ("POST", 200, POST_OK), ("POST", 400, ERROR), ("POST", 401, ERROR), ("POST", 429, ERROR),
    ("POST", 500, {"reasons": [{"code": "SystemError", "message": "internal server error"}]}),
    ("GET", 200, GET_OK), ("GET", 404, ERROR), ("GET", 500, ERROR),
])
def test_documented_responses_pass(method, status, payload):
    assert respond(status, payload, method=method) == []


@pytest.mark.parametrize("method, status", [("POST", 201), ("POST", 302), ("GET", 204), ("POST", 99), ("GET", 600), ("PUT", 200)])
def test_undocumented_status(method, status):
    findings = respond(status, {}, method=method)
    assert rules(findings) == [("response.undocumented-status", "")]
    assert str(status) in findings[0].message and method in findings[0].message


@pytest.mark.parametrize("status", [200, 400, 404, 500])
def test_missing_request_id(status):
    payload = POST_OK if status == 200 else ERROR
    findings = respond(status, payload, {})
    assert rules(findings) == [("response.missing-header", "/headers/Zuora-Request-Id")]


def test_request_id_is_matched_case_insensitively_and_must_be_a_uuid_long():
    assert respond(200, POST_OK, {"zuora-request-id": REQUEST_ID["Zuora-Request-Id"]}) == []
    findings = respond(200, POST_OK, {"Zuora-Request-Id": "abc"})
    assert rules(findings) == [("schema.minLength", "/headers/Zuora-Request-Id")]
    assert "at least 36" in findings[0].message


def test_rate_limit_header_pointer_keeps_the_spec_spelling():
    findings = respond(200, POST_OK, {**REQUEST_ID, "ratelimit-remaining": "many"})
    assert rules(findings) == [("charset.forbidden-character", "/headers/RateLimit-Remaining")]


def test_wrong_types_in_200_bodies():
    assert rules(respond(200, {"jobId": 7, "success": "true", "invalidIds": "none"})) == [
        ("schema.type", "/invalidIds"), ("schema.type", "/jobId"), ("schema.type", "/success")]
    assert rules(respond(200, {"jobId": "j", "success": True, "status": "Done", "fileUrls": "u",
                               "createdOn": "2024-01-08T12:52:05Z"}, method="GET")) == [
        ("schema.pattern", "/createdOn"), ("schema.type", "/fileUrls"), ("schema.enum", "/status")]
    assert rules(respond(200, {"jobId": "j"}, method="GET")) == [
        ("schema.required", "/status"), ("schema.required", "/success")]


def test_post_200_accepts_both_shapes_the_sources_give():
    assert respond(200, {**POST_OK, "fileUrls": "<s3-url>", "status": "Completed"}) == []
    assert respond(200, {**POST_OK, "fileUrls": ["u1", "u2"]}) == []


@pytest.mark.parametrize("status", [400, 404, 500])
def test_error_bodies_need_reasons(status):
    payload = {"success": False}
    findings = respond(status, payload)
    assert ("schema.required", "/reasons") in rules(findings)
    findings = respond(status, {"success": False, "reasons": []})
    assert rules(findings) == [("schema.minItems", "/reasons")]
    findings = respond(status, {"success": False, "reasons": [{"code": "1"}]})
    assert rules(findings) == [("schema.required", "/reasons/0/message")]


@pytest.mark.parametrize("status", [400, 404, 500])
def test_error_bodies_with_success_true(status):
    findings = respond(status, {**ERROR, "success": True})
    assert rules(findings) == [("schema.const", "/success")]
    assert "true" in findings[0].message and "must be false" in findings[0].message


def test_reason_codes_may_be_strings_or_integers():
    assert respond(400, {**ERROR, "reasons": [{"code": 53100320, "message": "m"}]}) == []
    findings = respond(400, {**ERROR, "reasons": [{"code": 1.5, "message": "m"}]})
    assert rules(findings) == [("schema.type", "/reasons/0/code")]
    assert "string or integer" in findings[0].message


def test_track_id_echo():
    sent = {"Zuora-Track-Id": "trace-1"}
    echoed = {**REQUEST_ID, "zuora-track-id": "trace-1"}
    assert respond(200, POST_OK, echoed, request_headers=sent) == []
    assert respond(200, POST_OK, REQUEST_ID, request_headers={}) == []
    missing = respond(200, POST_OK, REQUEST_ID, request_headers=sent)
    assert rules(missing) == [("response.track-id-echo", "/headers/Zuora-Track-Id")]
    assert "'trace-1'" in missing[0].message and "not echoed" in missing[0].message
    changed = respond(500, ERROR, {**REQUEST_ID, "Zuora-Track-Id": "trace-2"}, request_headers=sent)
    assert rules(changed) == [("response.track-id-echo", "/headers/Zuora-Track-Id")]
    assert "'trace-2'" in changed[0].message and "'trace-1'" in changed[0].message
    unexpected = respond(200, POST_OK, echoed, request_headers={"Accept": "*/*"})
    assert rules(unexpected) == [("response.track-id-echo", "/headers/Zuora-Track-Id")]
    assert respond(200, POST_OK, echoed) == []  # without request headers the echo is not checked


@pytest.mark.parametrize("invalid", ["a" * 65, "trace:1", "caf\u00e9"])
def test_no_echo_is_owed_for_an_invalid_track_id(invalid):
    sent = {"Zuora-Track-Id": invalid}
    assert respond(400, ERROR, REQUEST_ID, request_headers=sent) == []


@pytest.mark.parametrize("raw", [b"<html>oops</html>", "Internal Server Error", b"", b"\xff\xfe", '{"jobId": '])
def test_non_json_bodies(raw):
    findings = respond(200, raw)
    assert rules(findings) == [("response.not-json", "")]
    assert "not JSON" in findings[0].message


def test_json_text_bodies_are_parsed():
    assert respond(200, json.dumps(POST_OK)) == []
    assert respond(200, json.dumps(POST_OK).encode()) == []
    assert rules(respond(400, b'{"success": false}')) == [("schema.required", "/reasons")]


@pytest.mark.parametrize("garbage", [None, [], 0, True, [ERROR], {"reasons": "none"}, {"reasons": [None, 1]}],
                         ids=repr)
@pytest.mark.parametrize("status", [200, 400, 500])
def test_garbage_response_bodies_give_findings(garbage, status, engine):
    findings = validate_response(status, garbage, REQUEST_ID, engine=engine)
    assert findings and all(isinstance(f, Finding) for f in findings)


@pytest.mark.parametrize("headers", ["Zuora-Request-Id: x", 7, [("a",)]])
def test_unusable_response_header_containers(headers):
    findings = respond(200, POST_OK, headers)
    assert ("schema.type", "/headers") in rules(findings)


def test_max_findings_bounds_a_hostile_body_and_keeps_the_id_limit():
    ids = [f"{i:x}" for i in range(60_000)]  # too many, and every one malformed
    body = {"documents": [{"docType": "Invoice", "objectIds": ids}], "fileName": "f", "indexFileFormat": "CSV"}
    findings = validate_request(body, max_findings=5)
    assert len(findings) == 6
    assert ("findings.truncated", "") in rules(findings)
    assert ("documents.too-many-object-ids", "/documents") in rules(findings)
    assert "more than 5 findings" in next(f for f in findings if f.rule == "findings.truncated").message
    assert len(validate_request(body, max_findings=None)) == 60_001


def test_max_findings_stops_the_duplicate_walk_early(monkeypatch):
    from bulkpdf_contract.validators import request as request_module

    made = []

    def counting(*args, **kwargs):
        made.append(args[0] if args else kwargs.get("rule"))
        return Finding(*args, **kwargs)

    monkeypatch.setattr(request_module, "Finding", counting)
    body = {"documents": [{"docType": "Invoice", "objectIds": ["a" * 32] * 20_000}],
            "fileName": "f", "indexFileFormat": "CSV"}
    findings = validate_request(body, max_findings=10)
    assert len(findings) == 11
    assert made.count("documents.duplicate-object-id") <= 11  # not 19,999
