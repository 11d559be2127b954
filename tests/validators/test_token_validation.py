"""The token operation's validators: the form and headers of a request, the body of an answer."""

from __future__ import annotations

import copy

import pytest

from bulkpdf_contract.spec import contract_from_dict, load_spec
from bulkpdf_contract.validators import validate_token_request, validate_token_response

VALID = {"client_id": "c" * 36, "client_secret": "s", "grant_type": "client_credentials"}


def rules(findings):
    return {(f.rule, f.pointer) for f in findings}


def test_a_valid_form_with_its_headers_has_no_findings():
    assert validate_token_request(VALID) == []
    assert validate_token_request(VALID, {"zuora-track-id": "t-1", "Zuora-Entity-Ids": "e1", "X-Other": "x"}) == []
    assert validate_token_request(VALID, [(b"Zuora-Track-Id", b"t-2")]) == []


@pytest.mark.parametrize("change, expected", [
    ({"client_id": "c" * 35}, ("schema.minLength", "/client_id")),
    ({"client_id": "c" * 37}, ("schema.maxLength", "/client_id")),
    ({"client_secret": ""}, ("schema.minLength", "/client_secret")),
    ({"client_secret": "s" * 43}, ("schema.maxLength", "/client_secret")),
    ({"grant_type": "password"}, ("schema.enum", "/grant_type")),
    ({"scope": "x"}, ("schema.additionalProperties", "/scope")),
])
def test_each_form_rule(change, expected):
    assert rules(validate_token_request({**VALID, **change})) == {expected}


def test_missing_fields_and_bad_headers():
    findings = validate_token_request({}, {"Zuora-Track-Id": "a;b", "Zuora-Entity-Ids": ""})
    assert rules(findings) == {
        ("schema.required", "/client_id"), ("schema.required", "/client_secret"), ("schema.required", "/grant_type"),
        ("charset.forbidden-character", "/headers/Zuora-Track-Id"), ("schema.pattern", "/headers/Zuora-Entity-Ids"),
    }
    assert rules(validate_token_request(VALID, 42)) == {("schema.type", "/headers")}


def test_the_secret_is_never_quoted_in_a_message():
    secret = "x7" * 22
    (finding,) = validate_token_request({**VALID, "client_secret": secret})
    assert finding.rule == "schema.maxLength" and secret not in finding.message


def test_token_responses():
    good = {"access_token": "t", "token_type": "bearer", "expires_in": 3599.5, "scope": "s", "jti": "j"}
    assert validate_token_response(200, good) == []
    bad = rules(validate_token_response(200, {"access_token": "", "token_type": "mac", "expires_in": 0}))
    assert bad == {("schema.minLength", "/access_token"), ("schema.enum", "/token_type"),
                   ("schema.exclusiveMinimum", "/expires_in")}
    assert rules(validate_token_response(200, b"<html>")) == {("response.not-json", "")}
    error = {"success": False, "reasons": [{"code": "51580011", "message": "no"}]}
    assert validate_token_response(401, error) == validate_token_response(429, error) == []
    assert ("schema.required", "/reasons") in rules(validate_token_response(400, {"success": False}))
    assert rules(validate_token_response(500, error)) == {("response.undocumented-status", "")}


def test_a_modified_contract_moves_the_limits():
    spec = copy.deepcopy(load_spec())
    spec["components"]["schemas"]["TokenRequest"]["properties"]["client_secret"]["maxLength"] = 64
    contract = contract_from_dict(spec)
    assert validate_token_request({**VALID, "client_secret": "s" * 60}, contract=contract) == []
    assert validate_token_request({**VALID, "client_secret": "s" * 60}) != []
