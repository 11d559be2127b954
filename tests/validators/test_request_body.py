"""Request bodies: every constraint of the POST body at its boundary, with exact findings.

Each check runs on both engines (jsonschema-rs and the jsonschema reference) so a difference
between them fails here with a readable payload, before the property test looks for one.
"""

from __future__ import annotations

import copy
import json

import pytest

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators import Finding, validate_request

from validators_support import FIELD_TYPES, ID_A, ID_B, ID_C, SEED, body, check, groups, rules, wrong_values


# -- lengths of fileName and name -------------------------------------------------------------------
@pytest.mark.parametrize("field", ["fileName", "name"])
@pytest.mark.parametrize("char", ["x", "é", "ß", "日", "😀"])
def test_32_characters_pass_33_fail_counting_characters_not_bytes(field, char):
    assert check(body(**{field: char * 32})) == []
    findings = check(body(**{field: char * 33}))
    assert rules(findings) == [("schema.maxLength", f"/{field}")]
    assert "33 characters" in findings[0].message and "at most 32" in findings[0].message


@pytest.mark.parametrize("field", ["fileName", "name"])
def test_emoji_count_as_one_character_each(field):
    assert len("😀".encode("utf-8")) == 4
    assert check(body(**{field: "😀" * 32})) == []
    assert rules(check(body(**{field: "😀" * 33}))) == [("schema.maxLength", f"/{field}")]


def test_file_name_must_not_be_empty_but_name_may():
    findings = check(body(fileName=""))
    assert rules(findings) == [("schema.minLength", "/fileName")]
    assert "empty" in findings[0].message and "at least 1" in findings[0].message
    assert check(body(name="")) == []
    assert check(body(name=None)) == []


@pytest.mark.parametrize("char", list('/\\<>:"|?*'))
def test_file_name_forbidden_characters_are_named(char):
    findings = check(body(fileName=f"ab{char}cd"))
    assert rules(findings) == [("charset.forbidden-character", "/fileName")]
    assert repr(char) in findings[0].message and "position 3" in findings[0].message
    assert "allowed:" in findings[0].message


@pytest.mark.parametrize("char", ["\x00", "\t", "\n", "\x1f", "\x7f"])
def test_file_name_control_characters(char):
    findings = check(body(fileName=f"a{char}"))
    assert rules(findings) == [("charset.control-character", "/fileName")]
    assert f"U+{ord(char):04X}" in findings[0].message


def test_file_name_trailing_newline_is_not_hidden_by_dollar():
    """ECMA-262 ``$`` does not match before a final newline; Python's does (the reference is patched)."""
    assert rules(check(body(fileName="report\n"))) == [("charset.control-character", "/fileName")]


# -- enums, types, required and unknown fields -----------------------------------------------------------------
@pytest.mark.parametrize("value", ["json", "Json", "csv"])
def test_index_file_format_is_case_sensitive(value):
    findings = check(body(indexFileFormat=value))
    assert rules(findings) == [("schema.enum", "/indexFileFormat")]
    assert "JSON, CSV" in findings[0].message and "case-sensitive" in findings[0].message


@pytest.mark.parametrize("value", ["invoice", "INVOICE", "creditmemo", "Debit Memo"])
def test_doc_type_is_case_sensitive(value):
    findings = check(body(documents=groups((value, [ID_A]))))
    assert rules(findings) == [("schema.enum", "/documents/0/docType")]
    assert "Invoice, CreditMemo, DebitMemo" in findings[0].message


def test_enum_message_says_case_only_when_it_is_the_case():
    (finding,) = check(body(indexFileFormat="XML"))
    assert "JSON, CSV" in finding.message and "case-sensitive" not in finding.message


@pytest.mark.parametrize("doc_type", ["Invoice", "CreditMemo", "DebitMemo"])
def test_every_doc_type_is_accepted(doc_type):
    assert check(body(documents=groups((doc_type, [ID_A])))) == []


@pytest.mark.parametrize("field, expected, value", wrong_values(FIELD_TYPES), ids=repr)
def test_wrong_type_of_every_field(field, expected, value):
    payload = copy.deepcopy(SEED)
    payload[field] = value
    findings = check(payload)
    by_rule = {f.rule: f for f in findings if f.pointer == f"/{field}"}
    assert "schema.type" in by_rule, findings
    assert f"expected {expected}" in by_rule["schema.type"].message
    # an enum field also says which values it takes
    assert set(by_rule) <= {"schema.type", "schema.enum"}
    assert all(f.pointer == f"/{field}" for f in findings)


@pytest.mark.parametrize("field, expected, value",
                         wrong_values({"docType": "string", "objectIds": "array"}), ids=repr)
def test_wrong_type_inside_a_group(field, expected, value):
    group = {"docType": "Invoice", "objectIds": [ID_A]}
    group[field] = value
    findings = check(body(documents=[group]))
    assert ("schema.type", f"/documents/0/{field}") in rules(findings)
    assert all(f.pointer == f"/documents/0/{field}" for f in findings)


@pytest.mark.parametrize("value", [None, 7, True, [], {}, ID_A.encode()], ids=repr)
def test_wrong_type_of_an_object_id(value):
    findings = check(body(documents=groups(("Invoice", [ID_A, value]))))
    assert rules(findings) == [("schema.type", "/documents/0/objectIds/1")]
    assert "expected string" in findings[0].message


@pytest.mark.parametrize("field", ["documents", "fileName", "indexFileFormat"])
def test_each_required_field_missing_points_at_the_member(field):
    findings = check(body(**{field: None}))
    assert rules(findings) == [("schema.required", f"/{field}")]
    assert field in findings[0].message and "required" in findings[0].message


@pytest.mark.parametrize("field", ["docType", "objectIds"])
def test_each_required_group_field_missing(field):
    group = {"docType": "Invoice", "objectIds": [ID_A]}
    del group[field]
    assert rules(check(body(documents=[group]))) == [("schema.required", f"/documents/0/{field}")]


def test_optional_fields_may_be_left_out():
    minimal = {"documents": groups(("Invoice", [ID_A])), "fileName": "f", "indexFileFormat": "CSV"}
    assert check(minimal) == []


def test_unknown_fields_are_named_with_the_allowed_ones():
    payload = body(generateMissingPdf=True)
    payload["documents"][0]["docTyp"] = "Invoice"
    findings = check(payload)
    assert rules(findings) == [
        ("schema.additionalProperties", "/documents/0/docTyp"),
        ("schema.additionalProperties", "/generateMissingPdf"),
    ]
    assert "generateMissingPDF" in findings[1].message and "docType, objectIds" in findings[0].message


def test_unknown_field_names_are_escaped_in_pointers():
    findings = check(body(**{"a/b~c": 1}))
    assert rules(findings) == [("schema.additionalProperties", "/a~1b~0c")]


# -- documents ------------------------------------------------------------------------------------------------
def test_empty_documents_and_empty_object_ids():
    (finding,) = check(body(documents=[]))
    assert (finding.rule, finding.pointer) == ("schema.minItems", "/documents")
    assert "at least 1" in finding.message
    assert rules(check(body(documents=groups(("Invoice", []))))) == [("schema.minItems", "/documents/0/objectIds")]


@pytest.mark.parametrize("object_id", [
    "a" * 31, "a" * 33, "g" * 32, "402880de-8ce7-edc3-018c-e7f18404315a", "", " " + "a" * 31,
    "a" * 32 + "\n", "٠" * 32,
])
def test_malformed_object_ids(object_id):
    findings = check(body(documents=groups(("Invoice", [ID_A, object_id]))))
    assert rules(findings) == [("schema.pattern", "/documents/0/objectIds/1")]
    assert "^[0-9a-fA-F]{32}$" in findings[0].message


def test_object_ids_of_either_case_are_valid():
    assert check(body(documents=groups(("Invoice", [ID_C, ID_A.upper()])))) == []


def test_duplicate_within_a_group_points_at_the_second():
    findings = check(body(documents=groups(("Invoice", [ID_A, ID_B, ID_A]))))
    assert rules(findings) == [("documents.duplicate-object-id", "/documents/0/objectIds/2")]
    assert "/documents/0/objectIds/0" in findings[0].message and ID_A in findings[0].message


def test_duplicate_across_groups_and_case_insensitively():
    findings = check(body(documents=groups(("Invoice", [ID_A, ID_B]), ("CreditMemo", [ID_C, ID_B.upper()]))))
    assert rules(findings) == [("documents.duplicate-object-id", "/documents/1/objectIds/1")]
    assert "/documents/0/objectIds/1" in findings[0].message


def test_every_duplicate_is_reported_against_the_first_occurrence():
    findings = check(body(documents=groups(("Invoice", [ID_A, ID_A]), ("DebitMemo", [ID_A]))))
    assert rules(findings) == [
        ("documents.duplicate-object-id", "/documents/0/objectIds/1"),
        ("documents.duplicate-object-id", "/documents/1/objectIds/0"),
    ]
    assert all("/documents/0/objectIds/0" in f.message for f in findings)


def test_duplicate_pdf_file_names_via_the_mapping():
    payload = body(documents=groups(("Invoice", [ID_A, ID_B]), ("CreditMemo", [ID_C])))
    names = {ID_A: "INV-1.pdf", ID_B: "INV-2.pdf", ID_C: "INV-1.pdf"}
    findings = check(payload, file_names=names)
    assert rules(findings) == [("documents.duplicate-pdf-file-name", "/documents/1/objectIds/0")]
    assert "'INV-1.pdf'" in findings[0].message and "/documents/0/objectIds/0" in findings[0].message
    assert check(payload, file_names={ID_A: "1.pdf", ID_B: "2.pdf", ID_C: "3.pdf"}) == []
    assert check(payload) == []  # without a mapping the rule cannot apply
    assert check(payload, file_names={ID_A: "same.pdf"}) == []  # partial mapping


def test_file_name_mapping_is_looked_up_case_insensitively():
    payload = body(documents=groups(("Invoice", [ID_A, ID_B])))
    findings = check(payload, file_names={ID_A.upper(): "x.pdf", ID_B: "x.pdf"})
    assert rules(findings) == [("documents.duplicate-pdf-file-name", "/documents/0/objectIds/1")]


def test_a_duplicate_id_is_not_also_reported_as_a_duplicate_file_name():
    payload = body(documents=groups(("Invoice", [ID_A, ID_A])))
    assert rules(check(payload, file_names={ID_A: "x.pdf"})) == [
        ("documents.duplicate-object-id", "/documents/0/objectIds/1")]


@pytest.mark.parametrize("mapping", [["x.pdf"], "x.pdf", 3])
def test_file_names_must_be_a_mapping(mapping):
    with pytest.raises(TypeError, match="file_names must map objectId to PDF file name"):
        validate_request(SEED, file_names=mapping)


def _ids(count, start=0):
    return [f"{i:032x}" for i in range(start, start + count)]


def test_exactly_the_limit_is_fine_one_more_is_not():
    limit = load_contract().max_object_ids
    assert limit == 50_000
    at_limit = body(documents=groups(("Invoice", _ids(30_000)), ("CreditMemo", _ids(limit - 30_000, 30_000))))
    assert check(at_limit) == []
    at_limit["documents"][1]["objectIds"].append(f"{limit:032x}")
    findings = check(at_limit)
    assert rules(findings) == [("documents.too-many-object-ids", "/documents")]
    assert "50001" in findings[0].message and "at most 50000" in findings[0].message


def test_non_string_ids_count_toward_the_limit_but_are_not_compared():
    limit = load_contract().max_object_ids
    payload = body(documents=groups(("Invoice", _ids(limit) + [None])))
    assert rules(validate_request(payload)) == [
        ("documents.too-many-object-ids", "/documents"),
        ("schema.type", f"/documents/0/objectIds/{limit}"),
    ]


# -- all findings, garbage, methods -------------------------------------------------------------------------
def test_all_findings_of_a_payload_are_reported():
    payload = {
        "documents": [
            {"docType": "invoice", "objectIds": [ID_A, "xyz", ID_A]},
            {"objectIds": []},
            "group",
        ],
        "fileName": "a/" + "b" * 40,
        "name": 5,
        "indexFileFormat": "json",
        "persistIndexFile": "yes",
        "extra": True,
    }
    headers = {"Zuora-Track-Id": "a:b", "Idempotency-Key": "k" * 300, "Zuora-Version": "v1"}
    found = rules(check(payload, headers))
    assert len(found) == len(set(found))
    assert set(found) == {
        ("schema.required", "/documents/1/docType"),
        ("schema.minItems", "/documents/1/objectIds"),
        ("schema.enum", "/documents/0/docType"),
        ("schema.pattern", "/documents/0/objectIds/1"),
        ("documents.duplicate-object-id", "/documents/0/objectIds/2"),
        ("schema.type", "/documents/2"),
        ("schema.additionalProperties", "/extra"),
        ("charset.forbidden-character", "/fileName"),
        ("schema.maxLength", "/fileName"),
        ("schema.maxLength", "/headers/Idempotency-Key"),
        ("charset.forbidden-character", "/headers/Zuora-Track-Id"),
        ("schema.pattern", "/headers/Zuora-Version"),
        ("schema.enum", "/indexFileFormat"),
        ("schema.type", "/name"),
        ("schema.type", "/persistIndexFile"),
    }


GARBAGE = [
    None, [], [SEED], "", "{}", json.dumps(SEED), 0, -1, 1.5, float("inf"), True, 10**40,
    {"documents": None}, {"documents": {}}, {"documents": "Invoice"},
    {"documents": [None, 1, "x", [], {}, [[["deep"]]], {"docType": {}, "objectIds": {"a": 1}}]},
    {"documents": [{"docType": "Invoice", "objectIds": [[ID_A], {"id": ID_A}, None, 1e308]}]},
    {"": "", "documents": [{"": None}]},
    {"fileName": "\ud800", "documents": [{"docType": "Invoice", "objectIds": ["\udfff" * 32]}], "indexFileFormat": "CSV"},
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda g: repr(g)[:40])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_garbage_bodies_give_findings_never_exceptions(garbage, method, engine):
    findings = validate_request(garbage, method=method, engine=engine)
    assert all(isinstance(f, Finding) and f.message for f in findings)
    if method == "POST":
        assert findings, "garbage must not pass"
        assert findings == validate_request(garbage, engine="jsonschema")
    else:
        assert rules(findings) == ([] if garbage is None else [("request.unexpected-body", "")])


@pytest.mark.parametrize("kind", ["top", "inside documents"])
def test_top_level_scalar_garbage_has_root_pointer(kind):
    if kind == "top":
        (finding,) = check("not an object")
        assert (finding.rule, finding.pointer) == ("schema.type", "")
        assert "a string" in finding.message and "expected object" in finding.message
    else:
        (finding,) = check(body(documents=["not a group"]))
        assert (finding.rule, finding.pointer) == ("schema.type", "/documents/0")


def test_python_values_that_are_not_json_give_type_findings(engine):
    payload = body(fileName=b"bytes", name={1, 2})
    payload[3] = "int key"
    assert rules(validate_request(payload, engine=engine)) == [
        ("schema.additionalProperties", "/3"),
        ("schema.type", "/fileName"),
        ("schema.type", "/name"),
    ]
