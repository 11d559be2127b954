"""Decision records (``x-bulkpdf-decisions``): the shipped ones are well-formed and back every
"Contract decision" text; Contract lists them; malformed records are refused with a reason."""

from __future__ import annotations

import copy
import re

import pytest

from bulkpdf_contract.spec import (
    DecisionError,
    contract_from_dict,
    decisions_markdown,
    load_contract,
    load_spec,
)
from bulkpdf_contract.spec.decisions import EXTENSION, collect_decisions

EXPECTED_IDS = {
    "duplicate-ids-rejected", "file-url-lifetime", "job-visibility", "poll-interval", "token-errors",
    "token-response-zuora-headers", "idempotency-key-charset", "idempotency-replay-any-body",
    "accept-encoding-ascii", "content-encoding-values", "track-id-charset", "entity-id-shape",
    "zuora-version-format", "request-id-header-required", "header-numbers-as-digit-strings",
    "unknown-fields-rejected", "boolean-defaults", "documents-not-empty", "file-name-safe",
    "document-group-complete", "object-id-shape", "token-secret-not-empty", "token-response-shape",
    "error-body-required", "error-body-shape", "error-code-type", "partial-complete-accepted",
    "response-fields-required", "post-response-sample-fields", "invalid-ids-typed",
    "get-response-sdk-fields", "created-on-format",
}


def test_contract_lists_every_decision_once_in_fragment_order():
    contract = load_contract()
    decisions = contract.decisions()
    assert [d.id for d in decisions][:3] == ["duplicate-ids-rejected", "file-url-lifetime", "job-visibility"]
    assert {d.id for d in decisions} == EXPECTED_IDS and len(decisions) == len(EXPECTED_IDS)
    assert contract.decisions() is decisions
    for decision in decisions:
        assert all(getattr(decision, f).endswith(".") for f in ("zuora", "contract", "why")), decision.id
        assert contract.decision(decision.id) is decision
        for pointer in decision.covers:
            assert contract.decision_covering(pointer) is decision
    with pytest.raises(KeyError):
        contract.decision("no-such-decision")
    assert contract.decision_covering("/components/schemas/DocumentList") is None


def test_a_record_knows_the_constraints_it_covers():
    contract = load_contract()
    assert contract.decision("object-id-shape").covers == (
        "/components/schemas/DocumentList/properties/objectIds/items/pattern",)
    assert contract.decision("object-id-shape").site == "/components/schemas/DocumentList/properties/objectIds/items"
    # a value token in a list of strings becomes its index
    assert contract.decision("partial-complete-accepted").covers == ("/components/schemas/JobStatus/enum/3",)
    assert contract.decision("document-group-complete").covers[:2] == (
        "/components/schemas/DocumentList/required/0", "/components/schemas/DocumentList/required/1")
    # one decision, several sites; the text lives at the first
    unknown = contract.decision("unknown-fields-rejected")
    assert unknown.site == "/components/schemas/POSTBulkPdfGenerationJobRequestType"
    assert [p.split("/")[3] for p in unknown.covers] == [
        "POSTBulkPdfGenerationJobRequestType", "DocumentList", "TokenRequest"]
    # something the fragment deliberately lacks: the pointer it would have
    assert "/components/parameters/Zuora-Entity-Ids/schema/format" in contract.decision("entity-id-shape").covers
    assert contract.decision("job-visibility").covers == ()


def _descriptions(node, path=()):
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield path, node
        for key, value in node.items():
            yield from _descriptions(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _descriptions(value, path + (i,))


def test_every_contract_decision_text_is_backed_by_a_record():
    """A prose "Contract decision" sits on a node that carries a record, or inside the schema of one."""
    spec = load_spec()
    checked = 0
    for path, node in _descriptions(spec):
        if "**Contract decision**" not in node["description"] or path[0] == "info":
            continue
        owners = [node, _walk(spec, path[:-1]), _walk(spec, path[:-2])]
        assert any(isinstance(o, dict) and o.get(EXTENSION) for o in owners), path
        checked += 1
    assert checked >= 12


def _walk(spec, path):
    for key in path:
        spec = spec[key]
    return spec


@pytest.mark.parametrize("record, message", [
    ({"covers": []}, "needs an id"),
    ({"id": "Not_Kebab", "covers": []}, "lower-case words"),
    ({"id": "half-written", "covers": [], "zuora": "x.", "contract": "y."}, "needs all of"),
    ({"id": "empty-text", "covers": [], "zuora": "x.", "contract": "y.", "why": "  "}, "needs all of"),
    ({"id": "typo", "covers": [], "zuora": "x.", "contract": "y.", "why": "z.", "reason": "?"}, "unknown fields"),
    ({"id": "bad-covers", "covers": "maxLength", "zuora": "x.", "contract": "y.", "why": "z."}, "list of pointers"),
    ({"id": "no-such-node", "covers": ["properties/nothing/maxLength"], "zuora": "x.", "contract": "y.",
      "why": "z."}, "not in the fragment"),
    ({"id": "no-such-name", "covers": ["required/nothing"], "zuora": "x.", "contract": "y.", "why": "z."},
     "not in the fragment"),
    ({"id": "never-written"}, "never written out"),
    ({"id": "object-id-shape", "covers": [], "zuora": "x.", "contract": "y.", "why": "z."}, "written out twice"),
    ({"id": "claims-a-covered-one", "covers": ["additionalProperties"], "zuora": "x.", "contract": "y.",
      "why": "z."}, "covered by both"),
])
def test_malformed_records_are_refused(record, message):
    spec = copy.deepcopy(load_spec())
    spec["components"]["schemas"]["DocumentList"][EXTENSION].append(record)
    with pytest.raises(DecisionError, match=message):
        collect_decisions(spec)
    with pytest.raises(DecisionError):
        contract_from_dict(spec).decisions()


def test_a_record_may_cover_a_missing_child_of_an_existing_node():
    spec = copy.deepcopy(load_spec())
    spec["components"]["schemas"]["DocumentList"][EXTENSION].append(
        {"id": "no-comment-field", "covers": ["properties/comment"], "zuora": "x.", "contract": "y.", "why": "z."})
    (decision,) = [d for d in collect_decisions(spec) if d.id == "no-comment-field"]
    assert decision.covers == ("/components/schemas/DocumentList/properties/comment",)


def test_the_markdown_list_names_every_decision_with_its_texts():
    decisions = load_contract().decisions()
    lines = decisions_markdown(decisions).splitlines()
    assert len(lines) == len(decisions)
    for line, decision in zip(lines, decisions):
        assert re.match(rf"^- \*\*`{decision.id}`\*\*: Zuora: .+ Contract: .+ Why: .+\.$", line)
