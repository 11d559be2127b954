"""The spec fragment: a valid OpenAPI 3.1 document, loadable by schemathesis 4, with the operations,
headers, responses, examples and documented decisions that issue 2 asks for; and the loader."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from bulkpdf_contract.spec import (
    COLLECTION_PATH,
    JOB_PATH,
    JSON_SCHEMA_DIALECT,
    TOKEN_PATH,
    canonical_header,
    contract_from_dict,
    load_contract,
    load_spec,
    spec_path,
)
from bulkpdf_contract.validators import validate_request, validate_response

REQUEST_HEADERS = {
    "Idempotency-Key", "Accept-Encoding", "Content-Encoding",
    "Zuora-Track-Id", "Zuora-Entity-Ids", "Zuora-Version",
}
REQUEST_ID = {"Zuora-Request-Id": "d4b8c683-04ff-407d-964a-a63ae7917483"}


@pytest.fixture(scope="module")
def contract():
    return load_contract()


@pytest.fixture(scope="module")
def spec():
    return load_spec()


# -- the document itself --------------------------------------------------------------------------
def test_spec_file_is_shipped_inside_the_package():
    path = spec_path()
    assert path.name == "bulk-pdf.yaml" and path.is_file()
    assert "bulkpdf_contract" in path.parts


def test_openapi_spec_validator_accepts_the_fragment(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(copy.deepcopy(spec))


def test_fragment_is_openapi_3_1_with_json_schema_2020_12_schemas(spec):
    """Structural check that needs no extra package: every component schema is a valid
    Draft 2020-12 schema (OpenAPI 3.1's dialect), and the top-level objects are there."""
    assert spec["openapi"].startswith("3.1.")
    assert {"title", "version"} <= set(spec["info"])
    assert set(spec["paths"]) == {COLLECTION_PATH, JOB_PATH, TOKEN_PATH}
    for name, schema in spec["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_ref_resolves(spec, contract):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = list(refs(spec))
    assert found
    for ref in found:
        assert ref.startswith("#/")
        assert contract.resolve({"$ref": ref}) is not None


def test_schemathesis_4_loads_it_and_lists_every_operation():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(str(spec_path()))
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert operations == {("POST", COLLECTION_PATH), ("GET", JOB_PATH), ("POST", TOKEN_PATH)}
    assert schema[COLLECTION_PATH]["POST"].definition.raw["operationId"] == "Create_BulkPDFToZIPGeneration"
    token = schema[TOKEN_PATH]["POST"].definition.raw
    assert token["operationId"] == "createToken" and token["security"] == []


# -- operations, headers, security, responses, link ---------------------------------------------------
def test_both_operations_exist(contract):
    assert contract.operation("POST")["operationId"] == "Create_BulkPDFToZIPGeneration"
    assert contract.operation("get")["operationId"] == "Get_BulkPDFToZIPGeneration"
    assert contract.operation("PUT") is None and contract.operation("DELETE") is None


def test_post_declares_the_six_request_headers(contract):
    assert set(contract.header_parameters("POST")) == REQUEST_HEADERS
    assert set(contract.all_header_parameters()) == REQUEST_HEADERS


def test_get_declares_every_header_but_idempotency_key(contract):
    assert set(contract.header_parameters("GET")) == REQUEST_HEADERS - {"Idempotency-Key"}
    path_params = [p for p in contract.operation("GET")["parameters"] if p.get("in") == "path"]
    assert [(p["name"], p["required"]) for p in path_params] == [("jobId", True)]


@pytest.mark.parametrize("header, limit", [("Idempotency-Key", 255), ("Zuora-Track-Id", 64)])
def test_header_length_limits(contract, header, limit):
    assert contract.header_parameters("POST")[header]["schema"]["maxLength"] == limit


def test_headers_schema_is_standalone_and_keyed_by_canonical_name(contract):
    schema = contract.headers_schema("POST")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == REQUEST_HEADERS
    assert schema["required"] == []


def test_bearer_security_applies(spec):
    assert spec["security"] == [{"bearerAuth": []}]
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


@pytest.mark.parametrize("method, codes", [("POST", {"200", "400", "500", "4XX"}), ("GET", {"200", "500", "4XX"})])
def test_documented_responses(contract, method, codes):
    assert set(contract.operation(method)["responses"]) == codes


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("status", [200, 400, 404, 500])
def test_every_response_documents_request_id_and_track_id_echo(contract, method, status):
    headers = contract.response_headers(method, status)
    assert {"Zuora-Request-Id", "Zuora-Track-Id", "RateLimit-Limit"} <= set(headers)
    assert headers["Zuora-Request-Id"]["required"] is True


def test_response_lookup_falls_back_to_the_range(contract):
    assert contract.response("GET", 404) == contract.response("GET", 422)
    assert contract.response("GET", 400) is not None  # only 4XX documents it
    assert contract.response("POST", 302) is None
    assert contract.response("PATCH", 200) is None


def test_post_200_links_to_the_get(spec):
    links = spec["paths"][COLLECTION_PATH]["post"]["responses"]["200"]["links"]
    (link,) = links.values()
    assert link["operationId"] == spec["paths"][JOB_PATH]["get"]["operationId"]
    assert link["parameters"] == {"jobId": "$response.body#/jobId"}


def test_request_body_is_required_and_its_schema_is_ref_free(contract):
    assert contract.operation("POST")["requestBody"]["required"] is True
    schema = contract.request_schema()
    assert "$ref" not in repr(schema)
    assert schema["required"] == ["documents", "fileName", "indexFileFormat"]
    assert contract.property_schema("fileName")["maxLength"] == 32
    assert contract.property_schema("name")["maxLength"] == 32
    assert contract.property_schema("indexFileFormat")["enum"] == ["JSON", "CSV"]
    assert contract.property_schema("documents", "items", "docType")["enum"] == [
        "Invoice", "CreditMemo", "DebitMemo"]
    defaults = {name: contract.property_schema(name).get("default")
                for name in ("generateMissingPDF", "ignoreArchivedFiles", "persistIndexFile")}
    assert defaults == {"generateMissingPDF": False, "ignoreArchivedFiles": False, "persistIndexFile": True}


def test_limits_are_spec_extensions(contract):
    assert contract.max_object_ids == 50_000
    assert contract.documents_per_zip == 1_000
    assert contract.file_url_lifetime_seconds == 86_400
    assert contract.idempotent_methods == {"POST", "PATCH"}
    assert contract.idempotency_retention_seconds == 86_400
    assert contract.gzip_min_bytes == 1_000
    assert contract.max_inflated_bytes == 16 * 1024 * 1024


# -- examples -------------------------------------------------------------------------------------------
def test_request_examples_include_the_seed_and_validate(contract):
    examples = contract.request_examples()
    assert "seed" in examples
    assert examples["seed"]["fileName"] == "all-invoices-posted-jan-2024"
    for name, body in examples.items():
        for engine in ("rs", "jsonschema"):
            assert validate_request(body, engine=engine) == [], name


def test_every_response_example_validates(contract):
    examples = contract.response_examples()
    covered = {(method, status) for method, status, _ in examples}
    assert covered == {("POST", 200), ("POST", 400), ("POST", 500), ("GET", 200), ("GET", 500), ("GET", 400)}
    assert sum(1 for m, s, _ in examples if (m, s) == ("POST", 200)) == 2  # schema shape + seed sample
    for method, status, body in examples:
        for engine in ("rs", "jsonschema"):
            assert validate_response(status, body, REQUEST_ID, method=method, engine=engine) == [], (
                method, status, body)


# -- documented decisions -------------------------------------------------------------------------------
def _descriptions(node, path=()):
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield path, node["description"]
        for key, value in node.items():
            yield from _descriptions(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _descriptions(value, path + (i,))


def test_sources_disagree_on_the_post_200_body(spec):
    text = spec["paths"][COLLECTION_PATH]["post"]["responses"]["200"]["description"]
    assert "**Sources disagree**" in text
    assert "jobId" in text and "fileUrls" in text


def test_sources_disagree_on_job_status_values(spec, contract):
    status = spec["components"]["schemas"]["JobStatus"]
    assert "**Sources disagree**" in status["description"]
    assert {"Executing", "Aborted", "Cancelled", "PartialComplete"} <= set(status["enum"])
    body = {"jobId": "x", "status": "PartialComplete", "success": True}
    assert validate_response(200, body, REQUEST_ID, method="GET") == []


@pytest.mark.parametrize("topic, where", [
    ("duplicates", ("paths", COLLECTION_PATH, "post")),
    ("unknown fields", ("components", "schemas", "POSTBulkPdfGenerationJobRequestType")),
    ("same key, different body", ("components", "parameters", "Idempotency-Key")),
    ("visibility", ("paths", JOB_PATH, "get")),
])
def test_open_decisions_are_written_down(spec, topic, where):
    node = spec
    for key in where:
        node = node[key]
    assert f"**Contract decision** ({topic})" in node["description"]


def test_decisions_are_marked_consistently(spec):
    marked = [path for path, text in _descriptions(spec)
              if "Contract decision" in text or "Sources disagree" in text]
    assert len(marked) >= 10
    for path, text in _descriptions(spec):
        for marker in ("Contract decision", "Sources disagree"):
            if marker in text:
                assert f"**{marker}**" in text, path


# -- the loader -------------------------------------------------------------------------------------------
def test_load_contract_is_cached():
    assert load_contract() is load_contract()
    assert load_contract().request_schema() is load_contract().request_schema()
    assert load_spec() is load_contract().spec


def test_load_contract_from_a_path(tmp_path):
    copy_path = tmp_path / "copy.yaml"
    copy_path.write_text(spec_path().read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_contract(str(copy_path))
    assert loaded is not load_contract()
    assert loaded.spec == load_contract().spec
    assert loaded is load_contract(str(copy_path))


def test_contract_from_dict_changes_limits_without_touching_the_original(spec):
    before = copy.deepcopy(spec)
    modified = copy.deepcopy(spec)
    modified["components"]["schemas"]["POSTBulkPdfGenerationJobRequestType"]["properties"][
        "fileName"]["maxLength"] = 40
    modified["paths"][COLLECTION_PATH]["post"]["x-bulkpdf-max-object-ids"] = 2
    custom = contract_from_dict(modified)
    modified["paths"][COLLECTION_PATH]["post"]["x-bulkpdf-max-object-ids"] = 99  # copied, not shared

    assert custom.property_schema("fileName")["maxLength"] == 40
    assert custom.max_object_ids == 2
    assert spec == before and load_contract().property_schema("fileName")["maxLength"] == 32

    body = copy.deepcopy(load_contract().request_examples()["seed"])
    body["fileName"] = "f" * 40
    for engine in ("rs", "jsonschema"):
        assert validate_request(body, contract=custom, engine=engine) == []
        assert [f.rule for f in validate_request(body, engine=engine)] == ["schema.maxLength"]
    body["fileName"] = "f" * 41
    assert [(f.rule, f.pointer) for f in validate_request(body, contract=custom)] == [
        ("schema.maxLength", "/fileName")]
    assert "at most 40" in validate_request(body, contract=custom)[0].message

    body["fileName"] = "ok"
    body["documents"][0]["objectIds"].append("a" * 32)
    assert [f.rule for f in validate_request(body, contract=custom)] == ["documents.too-many-object-ids"]
    assert validate_request(body) == []


@pytest.mark.parametrize("raw, canonical", [
    ("zuora-track-id", "Zuora-Track-Id"),
    ("IDEMPOTENCY-KEY", "Idempotency-Key"),
    ("ratelimit-remaining", "RateLimit-Remaining"),
    ("Zuora-Request-Id", "Zuora-Request-Id"),
    ("x-custom-thing", "X-Custom-Thing"),
])
def test_canonical_header(raw, canonical):
    assert canonical_header(raw) == canonical


# -- the token operation ------------------------------------------------------------------------------
def test_the_token_operation_and_its_limits(contract):
    assert contract.token_operation["operationId"] == "createToken"
    assert contract.token_lifetime_seconds == 3600 and contract.max_form_bytes == 4096
    form = contract.token_request_schema()
    assert form["$schema"] == JSON_SCHEMA_DIALECT and form["required"] == ["client_id", "client_secret", "grant_type"]
    assert form["properties"]["client_id"]["minLength"] == form["properties"]["client_id"]["maxLength"] == 36
    assert form["properties"]["client_secret"]["maxLength"] == 42
    assert form["properties"]["grant_type"]["enum"] == ["client_credentials"]
    assert set(contract.token_header_parameters()) == {"Zuora-Track-Id", "Zuora-Entity-Ids"}
    assert set(contract.token_response_schema(200)["required"]) == {"access_token", "token_type", "expires_in"}
    assert contract.token_response_schema(429)["required"] == contract.token_response_schema(401)["required"]
    assert contract.token_response_schema(500) is None
