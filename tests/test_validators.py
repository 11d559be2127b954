"""Request and response validators: every constraint at its boundary, with exact findings.

Each check runs on both engines (jsonschema-rs and the jsonschema reference) so a difference
between them fails here with a readable payload, before the property test looks for one.
"""

from __future__ import annotations

import copy
import json

import pytest

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators import Finding, header_items, validate_request, validate_response

SEED = load_contract().request_examples()["seed"]
ID_A, ID_B, ID_C = "a" * 32, "b" * 32, "0123456789abcdef0123456789ABCDEF"
REQUEST_ID = {"Zuora-Request-Id": "d4b8c683-04ff-407d-964a-a63ae7917483"}
ENGINES = ["rs", "jsonschema"]


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


def body(**changes):
    """The seed request with top-level fields replaced (``None`` removes one)."""
    out = copy.deepcopy(SEED)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def groups(*groups_):
    return [{"docType": doc_type, "objectIds": list(ids)} for doc_type, ids in groups_]


def check(payload, headers=None, method="POST", **kwargs):
    """Findings of both engines, which must agree."""
    results = [validate_request(payload, headers, method, engine=e, **kwargs) for e in ENGINES]
    assert results[0] == results[1]
    return results[0]


def rules(findings):
    return [(f.rule, f.pointer) for f in findings]


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


# -- Zuora-Track-Id ---------------------------------------------------------------------------------------
def test_track_id_64_ok_65_rejected():
    assert check(SEED, {"Zuora-Track-Id": "t" * 64}) == []
    findings = check(SEED, {"Zuora-Track-Id": "t" * 65})
    assert rules(findings) == [("schema.maxLength", "/headers/Zuora-Track-Id")]
    assert "65 characters" in findings[0].message and "at most 64" in findings[0].message


@pytest.mark.parametrize("char", [":", ";", '"', "'"])
def test_track_id_forbidden_characters_are_named(char):
    findings = check(SEED, {"Zuora-Track-Id": f"job-42{char}x"})
    assert rules(findings) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]
    message = findings[0].message
    assert repr(char) in message and f"U+{ord(char):04X}" in message and "position 7" in message
    assert "colon (:), semicolon (;), double quote (\") and quote (')" in message


@pytest.mark.parametrize("char", ["é", "€", "😀", "\u00a0", "\u0085"])
def test_track_id_non_ascii(char):
    findings = check(SEED, {"Zuora-Track-Id": f"id{char}"})
    assert rules(findings) == [("charset.non-ascii", "/headers/Zuora-Track-Id")]
    assert repr(char) in findings[0].message and "US-ASCII" in findings[0].message


@pytest.mark.parametrize("char", ["\x00", "\t", "\r", "\n", "\x7f"])
def test_track_id_control_characters(char):
    findings = check(SEED, {"Zuora-Track-Id": f"id{char}x"})
    assert rules(findings) == [("charset.control-character", "/headers/Zuora-Track-Id")]
    assert f"U+{ord(char):04X}" in findings[0].message


def test_track_id_allows_every_other_printable_ascii_character():
    allowed = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ":;\"'")
    for start in range(0, len(allowed), 64):
        assert check(SEED, {"Zuora-Track-Id": allowed[start:start + 64]}) == []


def test_track_id_too_long_and_bad_character_give_both_findings():
    assert rules(check(SEED, {"Zuora-Track-Id": ";" * 65})) == [
        ("charset.forbidden-character", "/headers/Zuora-Track-Id"),
        ("schema.maxLength", "/headers/Zuora-Track-Id"),
    ]


# -- Idempotency-Key ------------------------------------------------------------------------------------------
def test_idempotency_key_255_ok_256_rejected():
    assert check(SEED, {"Idempotency-Key": "k" * 255}) == []
    findings = check(SEED, {"Idempotency-Key": "k" * 256})
    assert rules(findings) == [("schema.maxLength", "/headers/Idempotency-Key")]
    assert "at most 255" in findings[0].message


def test_idempotency_key_empty_gives_one_finding():
    findings = check(SEED, {"Idempotency-Key": ""})
    assert rules(findings) == [("schema.minLength", "/headers/Idempotency-Key")]


def test_idempotency_key_space_is_named():
    findings = check(SEED, {"Idempotency-Key": "a b"})
    assert rules(findings) == [("charset.forbidden-character", "/headers/Idempotency-Key")]
    assert "' '" in findings[0].message


@pytest.mark.parametrize("name", ["Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY"])
def test_idempotency_key_on_get_is_rejected(name):
    findings = check(None, {name: "3f2a"}, "GET")
    assert rules(findings) == [("idempotency-key.method", "/headers/Idempotency-Key")]
    assert "POST and PATCH" in findings[0].message and "GET" in findings[0].message


def test_idempotency_key_on_post_is_fine_and_unknown_headers_are_ignored():
    assert check(SEED, {"Idempotency-Key": "3f2a", "Authorization": "Bearer x", "X-Other": "?"}) == []
    assert check(None, {"Authorization": "Bearer x", "Accept": "application/json"}, "GET") == []


# -- header names, values and shapes ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zuora-track-id", "ZUORA-TRACK-ID", "zUoRa-TrAcK-iD"])
def test_header_names_match_case_insensitively_with_canonical_pointers(name):
    assert check(SEED, {name: "fine"}) == []
    assert rules(check(SEED, {name: "x:y"})) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]


@pytest.mark.parametrize("version", ["2025-08-12", "2024-05-20", "2024-12-31", "2025-01-01", "211.0", "186.0"])
def test_zuora_version_accepted(version):
    assert check(SEED, {"Zuora-Version": version}) == []


@pytest.mark.parametrize("version", ["211", "211.1", "21.0", "2025-8-12", "latest", "", "2025-08-12\n", " 211.0",
                                     "2025-13-01", "2025-00-10", "2025-01-32", "2025-01-00"])
def test_zuora_version_rejected(version):
    findings = check(SEED, {"zuora-version": version})
    assert rules(findings) == [("schema.pattern", "/headers/Zuora-Version")]


@pytest.mark.parametrize("value", ["gzip", "identity"])
def test_content_encoding_accepted(value):
    assert check(SEED, {"Content-Encoding": value}) == []


def test_content_encoding_other_values_list_the_allowed_ones():
    findings = check(SEED, {"Content-Encoding": "br"})
    assert rules(findings) == [("schema.enum", "/headers/Content-Encoding")]
    assert "gzip, identity" in findings[0].message


def test_zuora_entity_ids_must_not_be_empty():
    findings = check(SEED, {"Zuora-Entity-Ids": ""})
    assert rules(findings) == [("schema.pattern", "/headers/Zuora-Entity-Ids")]
    assert "empty" in findings[0].message and "allowed" in findings[0].message


@pytest.mark.parametrize("value, kind", [(211, "an integer"), (None, "null"), (True, "a boolean"), (["a", "b"], "an array")])
def test_header_values_must_be_strings(value, kind):
    findings = check(SEED, {"Zuora-Version": value})
    assert rules(findings) == [("schema.type", "/headers/Zuora-Version")]
    assert kind in findings[0].message and "expected string" in findings[0].message


@pytest.mark.parametrize("headers", [
    {"Zuora-Track-Id": "abc"},
    [("zuora-track-id", "abc")],
    [["Zuora-Track-Id", "abc"]],
    [(b"zuora-track-id", b"abc")],
    {"Zuora-Track-Id": ["abc"]},  # schemathesis keeps header values as lists
])
def test_header_container_shapes(headers):
    assert check(SEED, headers) == []
    assert [value for _, value in header_items(headers)] == ["abc"]
    bad = {"Zuora-Track-Id": ["a:b"]} if isinstance(headers, dict) else [("Zuora-Track-Id", "a:b")]
    assert rules(check(SEED, bad)) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]


def test_httpx_headers_are_read():
    httpx = pytest.importorskip("httpx")
    assert check(SEED, httpx.Headers({"zuora-track-id": "a;b"})) == check(SEED, {"Zuora-Track-Id": "a;b"})


@pytest.mark.parametrize("headers", ["Zuora-Track-Id: x", 5, [("only-a-name",)], ["ab"], 1.5])
def test_unusable_header_containers_give_a_finding(headers):
    findings = check(SEED, headers)
    assert rules(findings) == [("schema.type", "/headers")]
    assert "expected an object mapping header names" in findings[0].message


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


WRONG_TYPES = [None, True, 0, 1.5, "text", [], {}]
FIELD_TYPES = {
    "documents": "array", "fileName": "string", "name": "string", "indexFileFormat": "string",
    "generateMissingPDF": "boolean", "ignoreArchivedFiles": "boolean", "persistIndexFile": "boolean",
}


PY_TYPES = {"array": list, "string": str, "boolean": bool}


def wrong_values(fields):
    return [(field, expected, value) for field, expected in sorted(fields.items())
            for value in WRONG_TYPES if type(value) is not PY_TYPES[expected]]


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


def test_findings_are_sorted_by_pointer_then_rule():
    findings = check(body(fileName="", name=1, extra=2))
    assert findings == sorted(findings, key=lambda f: (f.pointer, f.rule))


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


def test_nesting_deeper_than_jsonschema_rs_follows_does_not_raise():
    """jsonschema-rs refuses more than 255 levels (json.loads takes ~990): the reference decides."""
    text = '{"documents":[{"docType":"Invoice","objectIds":' + "[" * 300 + "]" * 300 + "}]}"
    findings = check(json.loads(text))
    assert ("schema.type", "/documents/0/objectIds/0") in rules(findings)


def test_nesting_beyond_the_recursion_limit_is_one_finding(engine):
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    findings = validate_request(body(fileName=deep), engine=engine)
    assert rules(findings) == [("value.too-deep", "")]
    assert "nested" in findings[0].message


def test_python_values_that_are_not_json_give_type_findings(engine):
    payload = body(fileName=b"bytes", name={1, 2})
    payload[3] = "int key"
    assert rules(validate_request(payload, engine=engine)) == [
        ("schema.additionalProperties", "/3"),
        ("schema.type", "/fileName"),
        ("schema.type", "/name"),
    ]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "get-it", None, 3])
def test_methods_the_endpoint_lacks(method):
    findings = check(SEED, None, method)
    assert rules(findings) == [("request.method", "")]
    assert "POST" in findings[0].message and "GET" in findings[0].message


def test_get_has_no_body_and_its_headers_are_checked():
    assert check(None, {"Zuora-Track-Id": "ok"}, "get") == []
    assert rules(check(SEED, None, "GET")) == [("request.unexpected-body", "")]
    assert rules(check(None, {"Zuora-Track-Id": "'"}, "GET")) == [
        ("charset.forbidden-character", "/headers/Zuora-Track-Id")]


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        validate_request(SEED, engine="fast")


def test_finding_to_dict_and_str():
    (finding,) = check(body(fileName="x" * 33))
    assert finding.to_dict() == {"rule": "schema.maxLength", "pointer": "/fileName",
                                 "message": finding.message, "line": None, "column": None}
    assert str(finding).startswith("/fileName: schema.maxLength: fileName is 33 characters long")


# -- responses ---------------------------------------------------------------------------------------------------
def respond(status, payload, headers=REQUEST_ID, **kwargs):
    results = [validate_response(status, payload, headers, engine=e, **kwargs) for e in ENGINES]
    assert results[0] == results[1]
    return results[0]


POST_OK = {"jobId": "402880de8ce7edc3018ce7f18404312a", "invalidIds": [], "success": True}
GET_OK = {"jobId": "j", "status": "Executing", "stepStatus": "PdfToZip", "fileUrls": [], "success": True}
ERROR = {"success": False, "processId": "p", "reasons": [{"code": "51580020", "message": "bad"}]}


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


def test_max_findings_bounds_a_hostile_body_and_keeps_the_id_limit():
    ids = [f"{i:x}" for i in range(60_000)]  # too many, and every one malformed
    body = {"documents": [{"docType": "Invoice", "objectIds": ids}], "fileName": "f", "indexFileFormat": "CSV"}
    findings = validate_request(body, max_findings=5)
    assert len(findings) == 6
    assert ("findings.truncated", "") in rules(findings)
    assert ("documents.too-many-object-ids", "/documents") in rules(findings)
    assert "more than 5 findings" in next(f for f in findings if f.rule == "findings.truncated").message
    assert len(validate_request(body, max_findings=None)) == 60_001


def test_a_large_invalid_body_gets_the_reference_findings():
    """Past the size where jsonschema-rs would copy the instance into each error, the reference
    enumerates the errors; the findings are the same either way."""
    body = {"unknownField": ["lol"] * 100_000, "documents": "x" * 300_000}
    assert validate_request(body) == validate_request(body, engine="jsonschema")
    assert ("schema.additionalProperties", "/unknownField") in rules(validate_request(body))


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


# -- the Finding type and pointers ----------------------------------------------------------------
def test_finding_is_an_immutable_hashable_value():
    import dataclasses

    finding = Finding("schema.maxLength", "/fileName", "too long")
    assert finding == Finding("schema.maxLength", "/fileName", "too long", None, None)
    assert len({finding, Finding("schema.maxLength", "/fileName", "too long")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.rule = "other"  # type: ignore[misc]
    placed = dataclasses.replace(finding, line=3, column=7)
    assert (placed.line, placed.column, finding.line) == (3, 7, None)
    assert placed.to_dict() == {"rule": "schema.maxLength", "pointer": "/fileName",
                                "message": "too long", "line": 3, "column": 7}


@pytest.mark.parametrize("parts, pointer", [
    ((), ""),
    (("fileName",), "/fileName"),
    (("documents", 0, "objectIds", 12), "/documents/0/objectIds/12"),
    (("a/b", "~c", "", 1), "/a~1b/~0c//1"),
    (["x", "~01"], "/x/~001"),
    (iter(["g", 2]), "/g/2"),
])
def test_pointer_of_escapes_tokens_as_rfc_6901_says(parts, pointer):
    from bulkpdf_contract.validators import pointer_of

    assert pointer_of(parts) == pointer


@pytest.mark.parametrize(("pattern", "matching", "refused"), [
    ("^a$", ["a"], ["a\n", "ab"]),
    (r"^a\$", ["a$"], ["a", "a\n"]),            # an escaped dollar is a literal
    (r"^a\\$", ["a\\"], ["a\\\n", "a"]),        # an escaped backslash, then the end anchor
    (r"^a\\\$", ["a\\$"], ["a\\"]),             # backslash, then a literal dollar
])
def test_ecma_regex_reads_the_final_dollar_as_ecma_does(pattern, matching, refused):
    from bulkpdf_contract.validators.schema import ecma_regex

    assert all(ecma_regex(pattern).search(v) for v in matching)
    assert not any(ecma_regex(pattern).search(v) for v in refused)
