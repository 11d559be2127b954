"""Changes Zuora could make to its file, each reported with the right kind and pointers and exit 1;
decision records that stop matching are reported as stale."""

from __future__ import annotations

import json

import pytest
from zuora_fixture import published, to_yaml

from bulkpdf_contract.cli import main
from bulkpdf_contract.drift import check_drift, failed

REQUEST = "/components/schemas/POSTBulkPdfGenerationJobRequestType"
THEIR_REQUEST = f"{REQUEST}/allOf/0"
POST = "/paths/~1v1~1operations~1bulk-pdf/post"
GET = "/paths/~1v1~1operations~1bulk-pdf~1{jobId}/get"
THEIR_GET_BODY = "/components/schemas/GETBulkpdfGenerationJobResponseType/allOf/0"


def node(doc, pointer):
    for token in pointer.strip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def request_property(doc, name):
    return node(doc, f"{THEIR_REQUEST}/properties/{name}")


def add_header(doc):
    node(doc, POST)["parameters"].append({"$ref": "#/components/parameters/GLOBAL_HEADER_Zuora_Org_Ids"})


def add_status(doc):
    node(doc, POST)["responses"]["202"] = {"description": "Accepted", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/POSTBulkPdfGenerationJobResponseType"}}}}


def add_retry_after(doc):
    node(doc, GET)["responses"]["4XX"]["headers"]["Retry-After"] = {"schema": {"type": "integer"}}


def add_cancel(doc):
    doc["paths"]["/v1/operations/bulk-pdf/{jobId}"]["delete"] = {
        "operationId": "Cancel_BulkPDFToZIPGeneration", "responses": {"200": {"description": "OK"}}}


def drop_concurrency_type(doc):
    del node(doc, POST)["responses"]["200"]["headers"]["Concurrency-Limit-Type"]


def public_post(doc):
    node(doc, POST)["security"] = []


def move_post(doc):
    doc["paths"]["/v2/operations/bulk-pdf"] = doc["paths"].pop("/v1/operations/bulk-pdf")


def rename_post(doc):
    node(doc, POST)["operationId"] = "createBulkPdfJob"


def set_(pointer, key, value):
    def change(doc):
        node(doc, pointer)[key] = value
    return change


def append(pointer, value):
    def change(doc):
        node(doc, pointer).append(value)
    return change


def remove(pointer, value):
    def change(doc):
        node(doc, pointer).remove(value)
    return change


def delete(pointer, key):
    def change(doc):
        del node(doc, pointer)[key]
    return change


# (id, change, the differences without a decision it must cause: (kind, where, theirs))
CHANGES = [
    ("fileName loosened to 64", set_(f"{THEIR_REQUEST}/properties/fileName", "maxLength", 64), [
        ("stricter", f"{REQUEST}/properties/fileName/maxLength", f"{THEIR_REQUEST}/properties/fileName/maxLength")]),
    ("fileName tightened to 16", set_(f"{THEIR_REQUEST}/properties/fileName", "maxLength", 16), [
        ("looser", f"{REQUEST}/properties/fileName/maxLength", f"{THEIR_REQUEST}/properties/fileName/maxLength")]),
    ("Idempotency-Key tightened to 128", set_("/components/parameters/GLOBAL_HEADER_Idempotency_Key/schema", "maxLength", 128), [
        ("looser", "/components/parameters/Idempotency-Key/schema/maxLength",
         "/components/parameters/GLOBAL_HEADER_Idempotency_Key/schema/maxLength")]),
    ("an index format added", append(f"{THEIR_REQUEST}/properties/indexFileFormat/enum", "XML"), [
        ("stricter", f"{REQUEST}/properties/indexFileFormat/enum", f"{THEIR_REQUEST}/properties/indexFileFormat/enum/2")]),
    ("a job status added next to the decided one", append(f"{THEIR_GET_BODY}/properties/status/enum", "Queued"), [
        ("stricter", "/components/schemas/JobStatus/enum", f"{THEIR_GET_BODY}/properties/status/enum/6")]),
    ("a document type removed", remove("/components/schemas/DocumentList/properties/docType/enum", "DebitMemo"), [
        ("looser", "/components/schemas/DocumentList/properties/docType/enum/2",
         "/components/schemas/DocumentList/properties/docType/enum"),
        ("looser", "/components/schemas/DocumentIdList/properties/docType/enum/2",
         "/components/schemas/DocumentList/properties/docType/enum")]),
    ("an optional field becomes required", append(f"{THEIR_REQUEST}/required", "name"), [
        ("looser", f"{REQUEST}/properties/name", f"{THEIR_REQUEST}/required/3")]),
    ("a new field", set_(f"{THEIR_REQUEST}/properties", "compressionLevel", {"type": "integer"}), [
        ("missing", f"{REQUEST}/properties/compressionLevel", f"{THEIR_REQUEST}/properties/compressionLevel")]),
    ("a field removed", delete(f"{THEIR_REQUEST}/properties", "name"), [
        ("extra", f"{REQUEST}/properties/name", REQUEST)]),
    ("an item type changed", set_("/components/schemas/DocumentList/properties/objectIds/items", "type", "integer"), [
        ("changed", "/components/schemas/DocumentList/properties/objectIds/items/type",
         "/components/schemas/DocumentList/properties/objectIds/items/type"),
        ("changed", "/components/schemas/DocumentIdList/properties/objectIds/items/type",
         "/components/schemas/DocumentList/properties/objectIds/items/type")]),
    ("a field type changed", set_(f"{THEIR_REQUEST}/properties/name", "type", "integer"), [
        ("changed", f"{REQUEST}/properties/name/type", f"{THEIR_REQUEST}/properties/name/type")]),
    ("a request header added", add_header, [
        ("missing", f"{POST}/parameters/Zuora-Org-Ids", "/components/parameters/GLOBAL_HEADER_Zuora_Org_Ids")]),
    ("a response status added", add_status, [
        ("missing", f"{POST}/responses/202", f"{POST}/responses/202")]),
    ("a response header added", add_retry_after, [
        ("missing", "/components/responses/RequestError/headers/Retry-After", f"{GET}/responses/4XX/headers/Retry-After")]),
    ("a response header dropped", drop_concurrency_type, [
        ("extra", f"{POST}/responses/200/headers/Concurrency-Limit-Type", f"{POST}/responses/200/headers")]),
    ("a response header loosened", set_("/components/headers/GLOBAL_HEADER_RESPONSE_Zuora_Track_Id/schema", "maxLength", 128), [
        ("stricter", "/components/headers/Zuora-Track-Id/schema/maxLength",
         "/components/headers/GLOBAL_HEADER_RESPONSE_Zuora_Track_Id/schema/maxLength")]),
    ("a cancel operation added", add_cancel, [
        ("missing", "/paths/~1v1~1operations~1bulk-pdf~1{jobId}/delete", "/paths/~1v1~1operations~1bulk-pdf~1{jobId}/delete")]),
    ("the token secret loosened", set_("/paths/~1oauth~1token/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/client_secret", "maxLength", 64), [
        ("stricter", "/components/schemas/TokenRequest/properties/client_secret/maxLength",
         "/paths/~1oauth~1token/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/client_secret/maxLength")]),
    ("the POST without security", public_post, [
        ("changed", "/security", f"{POST}/security")]),
    ("the operationId renamed", rename_post, [
        ("changed", f"{POST}/operationId", f"{POST}/operationId")]),
    ("the POST moved to v2 (found by operationId)", move_post, [
        ("changed", POST, "/paths/~1v2~1operations~1bulk-pdf/post")]),
]

# (id, change, the stale records: (where, decision))
STALE = [
    ("Zuora lists PartialComplete", append(f"{THEIR_GET_BODY}/properties/status/enum", "PartialComplete"), [
        ("/components/schemas/JobStatus/enum/3", "partial-complete-accepted")]),
    ("Zuora adds fileName minLength 1", set_(f"{THEIR_REQUEST}/properties/fileName", "minLength", 1), [
        (f"{REQUEST}/properties/fileName/minLength", "file-name-safe")]),
    ("Zuora types RateLimit-Remaining as a digit string",
     set_("/components/headers/GLOBAL_HEADER_RESPONSE_RateLimit_Remaining", "schema", {"type": "string", "pattern": "^[0-9]+$"}), [
        ("/components/headers/RateLimit-Remaining/schema/type", "header-numbers-as-digit-strings"),
        ("/components/headers/RateLimit-Remaining/schema/pattern", "header-numbers-as-digit-strings")]),
]


def undecided(differences):
    return sorted((d.kind, d.where, d.theirs) for d in differences if not d.covered)


def test_the_stand_in_has_no_undecided_difference():
    differences = check_drift(published())
    assert differences and undecided(differences) == [] and not failed(differences)


@pytest.mark.parametrize("name, change, expected", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_by_zuora_is_reported(name, change, expected):
    doc = published()
    change(doc)
    differences = check_drift(doc)
    assert undecided(differences) == sorted(expected)
    assert failed(differences)
    for difference in differences:
        if not difference.covered:
            assert difference.decision is None and difference.message.endswith(".")


def test_the_url_lifetime_change_is_stale_and_a_new_one_is_not(tmp_path):
    doc = published()
    urls = node(doc, f"{GET}/responses/200/content/application~1json/example/fileUrls")
    urls[:] = [u.replace("X-Amz-Expires=259199", "X-Amz-Expires=86400") for u in urls]
    assert undecided(check_drift(doc)) == [
        ("stale", f"{POST}/x-bulkpdf-file-url-lifetime-seconds", None)]
    urls[:] = [u.replace("X-Amz-Expires=86400", "X-Amz-Expires=3600") for u in urls]
    (found,) = [d for d in check_drift(doc) if d.where.endswith("lifetime-seconds")]
    assert (found.kind, found.decision, found.theirs) == (
        "changed", "file-url-lifetime", f"{GET}/responses/200/content/application~1json/example/fileUrls/0")
    assert "X-Amz-Expires=3600" in found.message


@pytest.mark.parametrize("name, change, expected", STALE, ids=[c[0] for c in STALE])
def test_a_decision_that_no_longer_matches_is_stale(name, change, expected):
    doc = published()
    change(doc)
    differences = check_drift(doc)
    stale = sorted((d.where, d.decision) for d in differences if d.kind == "stale")
    assert stale == sorted(expected)
    assert [d for d in differences if d.decision is None] == []
    assert failed(differences)


def test_removing_the_token_operation_reports_it_and_its_decisions_as_stale():
    doc = published()
    del doc["paths"]["/oauth/token"]
    differences = check_drift(doc)
    assert ("extra", "/paths/~1oauth~1token/post", None) in undecided(differences)
    stale = {d.decision for d in differences if d.kind == "stale"}
    assert {"token-errors", "token-secret-not-empty", "token-response-shape"} <= stale


def _cli_json(tmp_path, capsys, doc):
    path = tmp_path / "zuora.yaml"
    path.write_text(to_yaml(doc), encoding="utf-8")
    code = main(["drift", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name, change, expected", CHANGES[:3], ids=[c[0] for c in CHANGES[:3]])
def test_the_cli_exits_1_and_lists_the_difference(tmp_path, capsys, name, change, expected):
    doc = published()
    change(doc)
    code, listed = _cli_json(tmp_path, capsys, doc)
    assert code == 1
    assert sorted((d["kind"], d["where"], d["theirs"]) for d in listed if d["decision"] is None) == sorted(expected)


def test_the_cli_exits_1_for_a_stale_decision(tmp_path, capsys):
    name, change, expected = STALE[0]
    doc = published()
    change(doc)
    code, listed = _cli_json(tmp_path, capsys, doc)
    assert code == 1
    assert [(d["where"], d["decision"]) for d in listed if d["kind"] == "stale"] == expected
