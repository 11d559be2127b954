"""Messages say what is wrong and what is allowed, for requests and responses.
"""

from __future__ import annotations

import pytest

from validators_support import GET_OK, ID_A, POST_OK, REQUEST_ID, SEED, body, check, groups, respond

# -- messages ------------------------------------------------------------------------------------------------------
MESSAGE_CASES = [
    # (rule, request body, headers, method, what is wrong, what is allowed)
    ("schema.maxLength", body(name="n" * 40), None, "POST", "40 characters", "at most 32"),
    ("schema.minLength", body(fileName=""), None, "POST", "empty", "at least 1"),
    ("schema.enum", body(indexFileFormat="xml"), None, "POST", "'xml'", "JSON, CSV"),
    ("schema.type", body(persistIndexFile="no"), None, "POST", "a string", "expected boolean"),
    ("schema.required", body(indexFileFormat=None), None, "POST", "indexFileFormat", "required"),
    ("schema.additionalProperties", body(color="red"), None, "POST", "color", "allowed fields: documents"),
    ("schema.minItems", body(documents=[]), None, "POST", "empty", "at least 1"),
    ("schema.pattern", body(documents=groups(("Invoice", ["xyz"]))), None, "POST", "'xyz'", "[0-9a-fA-F]{32}"),
    ("schema.pattern", SEED, {"Zuora-Version": "v2"}, "POST", "'v2'", "[0-9]{3}"),
    ("charset.forbidden-character", SEED, {"Zuora-Track-Id": "a;b"}, "POST", "';'", "except colon"),
    ("charset.non-ascii", SEED, {"Zuora-Track-Id": "ü"}, "POST", "'ü'", "printable US-ASCII"),
    ("charset.control-character", body(fileName="a\tb"), None, "POST", "U+0009", "allowed: any characters except"),
    ("documents.duplicate-object-id", body(documents=groups(("Invoice", [ID_A, ID_A]))), None, "POST",
     ID_A, "already listed at /documents/0/objectIds/0"),
    ("idempotency-key.method", None, {"Idempotency-Key": "k"}, "GET", "GET", "only for POST and PATCH"),
    ("request.method", SEED, None, "PUT", "PUT", "use POST to create a job and GET to poll it"),
    ("request.unexpected-body", {}, None, "GET", "GET request", "no body"),
]


@pytest.mark.parametrize("rule, payload, headers, method, wrong, allowed", MESSAGE_CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(MESSAGE_CASES)])
def test_messages_say_what_is_wrong_and_what_is_allowed(rule, payload, headers, method, wrong, allowed):
    (finding,) = check(payload, headers, method)
    assert finding.rule == rule
    assert wrong in finding.message and allowed in finding.message, finding.message


@pytest.mark.parametrize("method, status, payload, headers, request_headers, rule, wrong, allowed", [
    ("POST", 201, POST_OK, REQUEST_ID, None, "response.undocumented-status", "201", "documented: 200, 400, 500, 4XX"),
    ("GET", 400, {"success": False}, REQUEST_ID, None, "schema.required", "reasons", "required"),
    ("POST", 200, POST_OK, {}, None, "response.missing-header", "Zuora-Request-Id", "required on every response"),
    ("POST", 200, POST_OK, REQUEST_ID, {"Zuora-Track-Id": "t1"}, "response.track-id-echo", "'t1'", "not echoed"),
    ("POST", 200, b"oops", REQUEST_ID, None, "response.not-json", "", "the body is not JSON"),
    ("GET", 200, {**GET_OK, "status": "Done"}, REQUEST_ID, None, "schema.enum", "'Done'", "Submitted, Executing"),
])
def test_response_messages_say_what_is_wrong_and_what_is_allowed(
        method, status, payload, headers, request_headers, rule, wrong, allowed):
    (finding,) = respond(status, payload, headers, method=method, request_headers=request_headers)
    assert finding.rule == rule
    assert wrong in finding.message and allowed in finding.message, finding.message
