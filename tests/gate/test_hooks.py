"""The schemathesis repairs: each keeps a correct server from being blamed for the generator."""

from __future__ import annotations

import gzip
import json
import re

import pytest
import schemathesis
from schemathesis.core.parameters import ParameterLocation

from bulkpdf_contract.gate import hooks
from bulkpdf_contract.spec import COLLECTION_PATH, spec_path
from bulkpdf_contract.validators import validate_request


@pytest.fixture(scope="module")
def schema():
    return schemathesis.openapi.from_path(str(spec_path()))


def post_case(schema, body=None, **headers):
    return schema[COLLECTION_PATH]["POST"].Case(body=body, headers=dict(headers))


def target(monkeypatch, name: str) -> None:
    """Pretend the case is a negative one that breaks ``name`` (what schemathesis' metadata says)."""
    monkeypatch.setattr(hooks, "negated_parameters", lambda meta: [(name, ParameterLocation.HEADER)])


BODY = {"documents": [{"docType": "Invoice", "objectIds": ["a" * 32]}], "fileName": "f", "indexFileFormat": "JSON"}


def test_gzip_body_compresses_the_json_when_the_case_says_gzip(schema):
    case = post_case(schema, BODY, **{"Content-Encoding": "gzip"})
    kwargs = {}
    assert hooks.gzip_body(case, kwargs)
    assert json.loads(gzip.decompress(kwargs["data"])) == BODY


@pytest.mark.parametrize("headers", [{}, {"Content-Encoding": "identity"}, {"Content-Encoding": "GZIP-ish"}])
def test_gzip_body_leaves_other_cases_alone(schema, headers):
    kwargs = {}
    assert not hooks.gzip_body(post_case(schema, BODY, **headers), kwargs)
    assert kwargs == {}


def test_gzip_body_sends_non_json_bodies_as_generated(schema):
    kwargs = {}
    assert not hooks.gzip_body(post_case(schema, {"raw": b"\x00"}, **{"Content-Encoding": "gzip"}), kwargs)
    assert kwargs == {}


def test_reused_idempotency_keys_become_unique(schema):
    keys = set()
    for _ in range(3):
        case = post_case(schema, BODY, **{"Idempotency-Key": "0"})
        assert hooks.unique_idempotency_key(case)
        keys.add(case.headers["Idempotency-Key"])
    assert len(keys) == 3
    assert all(re.fullmatch(r"[!-~]+", k) for k in keys)


def test_a_key_at_the_length_limit_keeps_its_length(schema):
    case = post_case(schema, BODY, **{"Idempotency-Key": "k" * 255})
    hooks.unique_idempotency_key(case)
    assert len(case.headers["Idempotency-Key"]) == 255
    assert case.headers["Idempotency-Key"] != "k" * 255


def test_a_key_the_case_means_to_break_is_kept(schema, monkeypatch):
    target(monkeypatch, "Idempotency-Key")
    case = post_case(schema, BODY, **{"Idempotency-Key": "k" * 256})
    assert not hooks.unique_idempotency_key(case)
    assert case.headers["Idempotency-Key"] == "k" * 256


def test_an_invalid_zuora_version_is_repaired(schema):
    case = post_case(schema, BODY, **{"Zuora-Version": "0"})
    assert hooks.repair_zuora_version(case)
    assert case.headers["Zuora-Version"] == hooks.VALID_ZUORA_VERSION
    assert validate_request(BODY, case.headers) == []


@pytest.mark.parametrize("value", ["211.0", "2024-05-20"])
def test_a_valid_zuora_version_is_kept(schema, value):
    case = post_case(schema, BODY, **{"Zuora-Version": value})
    assert not hooks.repair_zuora_version(case)
    assert case.headers["Zuora-Version"] == value


def test_a_zuora_version_the_case_means_to_break_is_kept(schema, monkeypatch):
    target(monkeypatch, "Zuora-Version")
    case = post_case(schema, BODY, **{"Zuora-Version": "0"})
    assert not hooks.repair_zuora_version(case)
    assert case.headers["Zuora-Version"] == "0"


def test_repeated_object_ids_are_replaced_by_fresh_ones(schema):
    body = {**BODY, "documents": [{"docType": "Invoice", "objectIds": ["0" * 32, "0" * 32]},
                                  {"docType": "CreditMemo", "objectIds": ["A" * 32, "a" * 32]}]}
    case = post_case(schema, body)
    assert hooks.dedupe_object_ids(case)
    ids = [i.lower() for g in case.body["documents"] for i in g["objectIds"]]
    assert len(ids) == len(set(ids)) == 4
    assert validate_request(case.body) == []


def test_the_hook_ignores_other_apis():
    other = schemathesis.openapi.from_dict({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/orders": {"post": {
            "parameters": [{"name": "Zuora-Version", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "ok"}}}}},
    })
    case = other["/orders"]["POST"].Case(body={"a": 1}, headers={"Zuora-Version": "0", "Content-Encoding": "gzip"})
    kwargs = {}
    hooks.bulkpdf_before_call(None, case, kwargs)
    assert case.headers["Zuora-Version"] == "0" and kwargs == {}


def test_the_hook_repairs_a_bulk_pdf_case(schema):
    case = post_case(schema, BODY, **{"Zuora-Version": "0", "Content-Encoding": "gzip"})
    kwargs = {}
    hooks.bulkpdf_before_call(None, case, kwargs)
    assert case.headers["Zuora-Version"] == hooks.VALID_ZUORA_VERSION
    assert json.loads(gzip.decompress(kwargs["data"])) == BODY
