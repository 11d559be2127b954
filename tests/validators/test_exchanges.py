"""One exchange held to the contract both ways (:mod:`bulkpdf_contract.validators.exchanges`):
the request rules beyond the body schema, the response rules, and bodies kept within limits."""

from __future__ import annotations

import gzip

import orjson
import pytest
from exchange_support import auth, exchange
from validators_support import REQUEST_ID, SEED

from bulkpdf_contract.spec import COLLECTION_PATH, load_contract
from bulkpdf_contract.validators.exchanges import Body, Exchange, check_exchange, request_violations, response_violations
from bulkpdf_contract.validators.conversation import Conversation
from bulkpdf_contract.validators.exchanges import content_type_finding, contract_path, wire_body

JOB = f"{COLLECTION_PATH}/{'a' * 32}"
ERROR = {"success": False, "reasons": [{"code": "51580020", "message": "no"}]}


def rules(violations) -> list[tuple[str, str]]:
    return [(v.rule, v.pointer) for v in violations]


def test_paths_of_the_contract():
    assert contract_path(COLLECTION_PATH) == COLLECTION_PATH
    assert contract_path(JOB) == "/v1/operations/bulk-pdf/{jobId}"
    assert contract_path(COLLECTION_PATH + "/") is None and contract_path(JOB + "/x") is None
    assert contract_path("/oauth/token") is None and contract_path("/_mock/documents") is None


def test_a_valid_post_and_a_valid_poll_have_no_request_violation():
    assert request_violations(exchange("POST", COLLECTION_PATH, SEED)) == []
    assert request_violations(exchange("GET", JOB)) == []


@pytest.mark.parametrize("value, ok", [
    ("application/json", True), ("Application/JSON; charset=UTF-8", True), ('application/json; charset="utf8"', True),
    (None, False), ("", False), ("text/plain", False), ("application/json; charset=latin-1", False),
])
def test_the_media_type_rule(value, ok):
    finding = content_type_finding(value)
    assert (finding is None) == ok
    if not ok:
        assert (finding.rule, finding.pointer) == ("request.content-type", "/headers/Content-Type")


@pytest.mark.parametrize("header, ok", [
    ("Bearer abc", True), ("bearer abc", True), (None, False), ("Bearer ", False), ("Basic dXNlcjpwYXNz", False),
])
def test_a_bearer_token_is_required(header, ok):
    headers = (("content-type", "application/json"),) + ((("authorization", header),) if header else ())
    found = request_violations(Exchange(1, "POST", COLLECTION_PATH, headers, Body(orjson.dumps(SEED), 1)))
    assert rules(found) == ([] if ok else [("request.authorization", "/headers/Authorization")])


def test_a_method_the_path_does_not_have():
    assert rules(request_violations(exchange("DELETE", JOB))) == [("request.method", "")]
    assert rules(request_violations(exchange("POST", JOB, SEED))) == [("request.method", "")]


def test_an_empty_or_unreadable_body():
    assert rules(request_violations(exchange("POST", COLLECTION_PATH, raw_request=b""))) == [("request.not-json", "")]
    found = request_violations(exchange("POST", COLLECTION_PATH, raw_request=b"[1,",
                                        headers=(("zuora-track-id", "a:b"),)))
    assert rules(found) == [("request.not-json", ""), ("charset.forbidden-character", "/headers/Zuora-Track-Id")]


def test_wire_bodies_are_decoded_within_the_limit():
    data = orjson.dumps(SEED)
    assert wire_body(data, len(data), None, 1000, "request") == Body(data, len(data))
    packed = gzip.compress(data)
    assert wire_body(packed, len(packed), "gzip", 1000, "request") == Body(data, len(packed))
    too_big = wire_body(b"x" * 11, 5000, None, 10, "request")
    assert too_big.data is None and too_big.problem.rule == "request.body-too-large" and "5,000 bytes" in too_big.problem.message
    bomb = wire_body(gzip.compress(b" " * 100), 30, "gzip", 50, "response")
    assert bomb.problem.rule == "response.body-too-large" and "inflates" in bomb.problem.message
    assert wire_body(b"not gzip", 8, "gzip", 50, "request").problem.rule == "request.not-json"


def test_a_2xx_to_an_invalid_request_is_the_servers_violation():
    bad = {**SEED, "fileName": "x" * 33}
    accepted = exchange("POST", COLLECTION_PATH, bad, 200, {"jobId": "j", "success": True})
    requested = request_violations(accepted)
    assert rules(requested) == [("schema.maxLength", "/fileName")]
    assert rules(response_violations(accepted, requested)) == [("response.accepted-invalid-request", "")]
    refused = exchange("POST", COLLECTION_PATH, bad, 400, ERROR)
    assert response_violations(refused, request_violations(refused)) == []


def test_answers_to_a_method_the_path_lacks():
    put = exchange("PUT", COLLECTION_PATH, SEED, 405, ERROR)
    assert response_violations(put, request_violations(put)) == []
    sloppy = exchange("PUT", COLLECTION_PATH, SEED, 405, {"error": "Method Not Allowed"})
    assert {r for r, _ in rules(response_violations(sloppy, []))} == {"schema.required"}
    accepted = exchange("PUT", COLLECTION_PATH, SEED, 200, {"ok": True})
    assert rules(response_violations(accepted, request_violations(accepted))) == [
        ("response.accepted-invalid-request", "")]


def test_an_answer_to_head_is_judged_without_a_body():
    """HEAD gets the headers of a GET and no body: only its status and headers are judged."""
    headers = (("content-type", "application/json"), ("content-length", "175"), *REQUEST_ID.items())
    refused = Exchange(1, "HEAD", JOB, (auth(),), Body(), 405, headers, Body(b"", 0))
    assert rules(response_violations(refused, request_violations(refused))) == []
    unmarked = Exchange(1, "HEAD", JOB, (auth(),), Body(), 405, (("content-type", "application/json"),), Body())
    assert rules(response_violations(unmarked, [])) == [("response.missing-header", "/headers/Zuora-Request-Id")]
    accepted = Exchange(1, "HEAD", JOB, (auth(),), Body(), 200, headers, Body(b"", 0))
    assert rules(response_violations(accepted, request_violations(accepted))) == [
        ("response.accepted-invalid-request", "")]
    same_as_get = Exchange(1, "GET", JOB, (auth(),), Body(), 405, headers, Body(b"", 0))
    assert ("response.not-json", "") in rules(response_violations(same_as_get, []))


def test_response_bodies_that_cannot_be_read():
    not_json = Exchange(1, "GET", JOB, (auth(),), Body(), 200, tuple(REQUEST_ID.items()), Body(b"<html>", 6))
    assert rules(response_violations(not_json, [])) == [("response.not-json", "")]
    empty = Exchange(1, "GET", JOB, (auth(),), Body(), 200, tuple(REQUEST_ID.items()), Body(b"", 0))
    assert rules(response_violations(empty, [])) == [("response.not-json", "")]
    problem = wire_body(b"x" * 11, 5000, None, 10, "response")
    unread = Exchange(1, "GET", JOB, (auth(), ("zuora-track-id", "t")), Body(), 200, (), problem)
    assert sorted(rules(response_violations(unread, []))) == [  # status and headers are still judged
        ("response.body-too-large", ""), ("response.missing-header", "/headers/Zuora-Request-Id"),
        ("response.track-id-echo", "/headers/Zuora-Track-Id")]


def test_paths_outside_the_contract_and_answers_the_proxy_gave_are_not_judged():
    other = exchange("POST", "/_mock/documents", [1], 200, "nonsense")
    assert request_violations(other) == [] and response_violations(other, []) == []
    mine = Exchange(1, "POST", COLLECTION_PATH, (auth(),), Body(b"{", 1), 400, (), Body(b"{}", 2), by_proxy=True)
    assert rules(check_exchange(mine, Conversation())) == [("request.content-type", "/headers/Content-Type"),
                                                           ("request.not-json", "")]


def test_violations_carry_the_exchange_and_the_status_the_client_got():
    ex = exchange("POST", COLLECTION_PATH, {**SEED, "fileName": ""}, 400, ERROR)
    early = request_violations(Exchange(ex.id, ex.method, ex.path, ex.request_headers, ex.request_body))
    (violation,) = check_exchange(ex, Conversation(), requested=early)
    assert violation.to_dict() == {"direction": "request", "rule": "schema.minLength", "pointer": "/fileName",
                                   "message": violation.message, "method": "POST", "path": COLLECTION_PATH,
                                   "status": 400, "exchange": ex.id}
    assert load_contract().zip_file_names("a", 0) == [] and load_contract().zip_file_names("a", 1001) == [
        "a_1.zip", "a_2.zip"]
