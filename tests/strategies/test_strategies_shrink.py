"""A failing property shrinks to a minimal, readable payload: shown with deliberately broken
validators (an off-by-one length limit, a case-sensitive duplicate check)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, given, settings

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.strategies import Labelled, duplicate_documents, valid_bodies
from bulkpdf_contract.validators import validate_request

CONTRACT = load_contract()
LIMIT = CONTRACT.property_schema("fileName")["maxLength"]
REQUIRED = set(CONTRACT.request_schema()["required"])
SHRINK = settings(database=None, derandomize=True, max_examples=300, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])


def off_by_one(body):
    """A validator that wrongly refuses a fileName exactly at the limit."""
    findings = [f.rule for f in validate_request(body)]
    if len(body.get("fileName", "")) >= LIMIT:
        findings.append("schema.maxLength")
    return findings


def case_sensitive_duplicates(example):
    """A duplicate check that forgets IDs are compared case-insensitively."""
    seen, found = set(), []
    for g, group in enumerate(example.request.body["documents"]):
        for i, object_id in enumerate(group["objectIds"]):
            if object_id in seen:
                found.append(("documents.duplicate-object-id", f"/documents/{g}/objectIds/{i}"))
            seen.add(object_id)
    return found


@pytest.mark.slow
def test_a_broken_duplicate_check_shrinks_to_one_group_led_by_the_pair():
    """The shrinker does not always get the ID count down to two (it stops once no single change
    simplifies the choice sequence), but the payload it reports is small and points at the bug:
    one group, no headers, no optional fields, and the two spellings of one ID side by side."""
    def missed(example):
        return (example.expected_rule == "documents.duplicate-object-id"
                and case_sensitive_duplicates(example) != [(example.expected_rule, example.expected_pointer)])

    example = find(duplicate_documents(), missed, settings=SHRINK)
    assert isinstance(example, Labelled) and example.expected_pointer == "/documents/0/objectIds/1"
    body = example.request.body
    assert set(body) == REQUIRED and example.request.headers == {} and len(body["documents"]) == 1
    ids = body["documents"][0]["objectIds"]
    assert ids[0] != ids[1] and ids[0].lower() == ids[1].lower()
    assert len(ids) <= 9 and len(json.dumps(body)) < 500


def test_a_broken_length_check_shrinks_to_a_minimal_readable_payload():
    """The property fails for the off-by-one validator; Hypothesis reports (and last runs) the
    shrunk body: required fields only, one group with one ID, a fileName exactly at the limit."""
    failing = []

    @SHRINK
    @given(valid_bodies())
    def property_with_a_broken_validator(body):
        if off_by_one(body):
            failing.append(body)
        assert off_by_one(body) == []

    with pytest.raises(AssertionError) as failure:
        property_with_a_broken_validator()
    body = failing[-1]  # Hypothesis replays the shrunk example last
    assert set(body) == REQUIRED  # every optional field shrunk away
    assert len(body["documents"]) == 1 and len(body["documents"][0]["objectIds"]) == 1
    assert len(body["fileName"]) == LIMIT and len(json.dumps(body, ensure_ascii=False)) < 200
    assert "property_with_a_broken_validator(" in "\n".join(getattr(failure.value, "__notes__", []))
    printed = repr(body)  # what a developer reads: one short line
    assert "'name'" not in printed and printed.count("'objectIds'") == 1 and len(printed) < 220, printed
