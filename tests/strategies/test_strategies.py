"""Properties of the strategies: valid examples pass the validators, labelled ones fail with
exactly their finding, and every limit comes from the spec (a modified spec moves them)."""

from __future__ import annotations

import copy
import gzip
import json
import re
import warnings

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

from bulkpdf_contract.spec import COLLECTION_PATH, JOB_PATH, contract_from_dict, load_contract
from bulkpdf_contract.strategies import (
    EDGE_FAMILIES, PROFILE_ENV, Labelled, Request, boundary_lengths, charset_violations, document_counts,
    duplicate_documents, edge_cases, empty_values, enum_violations, features,
    labelled_edge_cases, load_profile, method_misuse, missing_fields, object_ids, pattern_violations,
    unknown_fields, valid_bodies, valid_headers, valid_requests, wrong_types,
)
from bulkpdf_contract.validators import validate_request

CONTRACT = load_contract()
LOWER_DOC_TYPES = {t.lower() for t in CONTRACT.property_schema("documents", "items", "docType")["enum"]}
BODY_FIELDS = set(CONTRACT.request_schema()["properties"])
JOB_PATH_RE = re.compile("^" + JOB_PATH.replace("{jobId}", "[0-9a-f]{32}") + "$")


def verdict(example, contract=None, engine="rs"):
    """(rule, pointer) pairs the validators give for a plain or labelled example."""
    request, file_names = (example.request, example.file_names) if isinstance(example, Labelled) else (example, None)
    findings = validate_request(request.body, request.headers, request.method,
                                file_names=file_names, contract=contract, engine=engine)
    return [(f.rule, f.pointer) for f in findings]


def expected(example):
    return [(example.expected_rule, example.expected_pointer)] if isinstance(example, Labelled) else []


def total_ids(body) -> int:
    return sum(len(g["objectIds"]) for g in body["documents"])


def reach(strategy, condition, examples=400):
    """The first generated example meeting ``condition`` (no shrinking: this asks "can it get there?")."""
    with warnings.catch_warnings():  # Hypothesis warns when it prints an example of 50,000 IDs
        warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)
        return find(strategy, condition, settings=settings(
            max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
            suppress_health_check=list(HealthCheck)))


# -- valid examples ---------------------------------------------------------------------------------
@given(valid_requests())
def test_valid_requests_have_no_findings(request_):
    assert verdict(request_) == []
    if request_.method == "GET":
        assert request_.body is None and JOB_PATH_RE.match(request_.path)
        assert "Idempotency-Key" not in request_.headers
    else:
        assert request_.path == COLLECTION_PATH


@settings(max_examples=25)
@given(valid_bodies(), valid_headers())
def test_valid_bodies_and_headers_pass_the_reference_engine(body, headers):
    assert validate_request(body, headers, engine="jsonschema") == []


@given(valid_headers(method="GET"))
def test_get_headers_never_carry_an_idempotency_key(headers):
    assert set(headers) <= set(CONTRACT.header_parameters("GET")) and "Idempotency-Key" not in headers


@given(valid_bodies(large=False))
def test_valid_bodies_are_realistic(body):
    ids = [i for g in body["documents"] for i in g["objectIds"]]
    assert all(re.fullmatch("[0-9a-f]{32}", i) or re.fullmatch("[0-9A-F]{32}", i) for i in ids)
    assert len({i.lower() for i in ids}) == len(ids)
    assert total_ids(body) <= 4 * 8  # small unless asked for a large body
    json.dumps(body)  # always plain JSON


@settings(max_examples=10)
@given(valid_bodies(large=True))
def test_large_bodies_need_several_zip_files(body):
    assert CONTRACT.documents_per_zip < total_ids(body) <= CONTRACT.max_object_ids
    assert verdict(Request("POST", {}, body)) == []


def test_object_ids_look_like_zuoras():
    seen = reach(st.lists(object_ids(), min_size=30, max_size=30),
                 lambda ids: any(i.startswith("402880de") for i in ids) and any(i[0] not in "248" for i in ids))
    assert all(re.fullmatch("[0-9a-f]{32}", i) for i in seen)


BODY_PLACES = [
    "fileName at maxLength", "fileName multibyte", "name at maxLength", "name multibyte", "name absent",
    "name present", "generateMissingPDF absent", "generateMissingPDF present", "ignoreArchivedFiles present",
    "ignoreArchivedFiles absent", "persistIndexFile present", "persistIndexFile absent", "every docType",
    "a docType in two groups", "groups: 1", "groups: 3", "several ZIP files", "upper-case object IDs",
]
REQUEST_PLACES = [
    "header Idempotency-Key present", "header Idempotency-Key absent", "header Zuora-Track-Id present",
    "header Zuora-Entity-Ids present", "header Zuora-Version present", "header Accept-Encoding present",
    "gzipped body", "method GET", "method POST",
]


@pytest.mark.parametrize("place", BODY_PLACES)
def test_valid_bodies_reach(place):
    reach(valid_bodies(), lambda b: place in features(Request("POST", {}, b)))


@pytest.mark.parametrize("place", REQUEST_PLACES)
def test_valid_requests_reach(place):
    reach(valid_requests(), lambda r: place in features(r))


def test_typical_valid_bodies_stay_small():
    sizes = []

    @settings(max_examples=150, database=None, derandomize=True)
    @given(valid_bodies())
    def collect(body):
        sizes.append(total_ids(body))

    collect()
    large = sum(s > CONTRACT.documents_per_zip for s in sizes)
    assert sorted(sizes)[len(sizes) // 2] <= 16
    assert 0 < large < len(sizes) * 0.2


# -- labelled edge cases ----------------------------------------------------------------------------
@given(edge_cases())
def test_edge_cases_get_exactly_their_verdict(example):
    assert verdict(example) == expected(example)


LIGHT_FAMILIES = {**EDGE_FAMILIES, "document-count": lambda c: document_counts(c, heavy=False)}


@pytest.mark.parametrize("family", sorted(LIGHT_FAMILIES))
@settings(max_examples=30)
@given(data=st.data())
def test_each_edge_family_gets_exactly_its_verdict(family, data):
    example = data.draw(LIGHT_FAMILIES[family](CONTRACT), label=family)
    assert verdict(example) == expected(example)
    if isinstance(example, Labelled):
        assert example.family == family


@settings(max_examples=6, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document_counts())
def test_the_most_ids_and_one_more(example):
    """Exactly the maximum (valid) and past it (labelled), 50,000 IDs and more with the shipped spec."""
    assert verdict(example) == expected(example)


@settings(max_examples=20)
@given(labelled_edge_cases(families=["boundary-length", "charset", "empty", "enum", "wrong-type"]))
def test_labelled_edges_agree_with_the_reference_engine(example):
    assert isinstance(example, Labelled)
    assert verdict(example, engine="jsonschema") == expected(example)


def test_an_unknown_family_or_field_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown edge families.*boundary-length"):
        edge_cases(families=["no-such-family"])
    with pytest.raises(ValueError, match="no field or header.*filename.*known:.*fileName"):
        boundary_lengths(fields=["filename"])


def _labelled(strategy, rule, pointer=None, check=lambda e: True):
    def condition(example):
        return (isinstance(example, Labelled) and example.expected_rule == rule
                and (pointer is None or re.fullmatch(pointer, example.expected_pointer)) and check(example))
    return strategy, condition


def _header(example, name):
    return example.request.headers.get(name, "")


def _ids(body):
    return [i for g in body["documents"] for i in g["objectIds"]]


# Each case the issue names, from the family (and field) that must produce it.
EDGE_PLACES = {
    "fileName 33 ASCII": _labelled(boundary_lengths(fields=["fileName"]), "schema.maxLength", "/fileName",
                                   lambda e: e.request.body["fileName"].isascii()),
    "fileName 33 multibyte": _labelled(boundary_lengths(fields=["fileName"]), "schema.maxLength", "/fileName",
                                       lambda e: not e.request.body["fileName"].isascii()),
    "name 33": _labelled(boundary_lengths(fields=["name"]), "schema.maxLength", "/name"),
    "track ID 65": _labelled(boundary_lengths(fields=["Zuora-Track-Id"]), "schema.maxLength",
                             "/headers/Zuora-Track-Id"),
    "idempotency key 256": _labelled(boundary_lengths(fields=["Idempotency-Key"]), "schema.maxLength",
                                     "/headers/Idempotency-Key"),
    **{f"track ID with {c}": _labelled(charset_violations(fields=["Zuora-Track-Id"]), "charset.forbidden-character",
                                       "/headers/Zuora-Track-Id", lambda e, c=c: c in _header(e, "Zuora-Track-Id"))
       for c in ':;"\''},
    "track ID non-ASCII": _labelled(charset_violations(fields=["Zuora-Track-Id"]), "charset.non-ascii",
                                    "/headers/Zuora-Track-Id"),
    "track ID control character": _labelled(charset_violations(fields=["Zuora-Track-Id"]),
                                            "charset.control-character", "/headers/Zuora-Track-Id"),
    "fileName with a forbidden character": _labelled(charset_violations(fields=["fileName"]),
                                                     "charset.forbidden-character", "/fileName"),
    "same ID twice in a group": _labelled(duplicate_documents(), "documents.duplicate-object-id", None,
                                          lambda e: any(len({i.lower() for i in g["objectIds"]}) < len(g["objectIds"])
                                                        for g in e.request.body["documents"])),
    "same ID in two groups": _labelled(duplicate_documents(), "documents.duplicate-object-id", None,
                                       lambda e: all(len({i.lower() for i in g["objectIds"]}) == len(g["objectIds"])
                                                     for g in e.request.body["documents"])),
    "same ID in two cases": _labelled(duplicate_documents(), "documents.duplicate-object-id", None,
                                      lambda e: len(set(_ids(e.request.body)))
                                      > len({i.lower() for i in _ids(e.request.body)})),
    "two IDs, one PDF name": _labelled(duplicate_documents(), "documents.duplicate-pdf-file-name"),
    "fileName missing": _labelled(missing_fields(fields=["fileName"]), "schema.required", "/fileName"),
    "docType missing": _labelled(missing_fields(fields=["docType"]), "schema.required", r"/documents/\d+/docType"),
    "documents not a list": _labelled(wrong_types(fields=["documents"]), "schema.type", "/documents"),
    "objectIds not a list": _labelled(wrong_types(fields=["objectIds"]), "schema.type", r"/documents/\d+/objectIds"),
    "boolean as a string": _labelled(wrong_types(fields=["generateMissingPDF"]), "schema.type", "/generateMissingPDF",
                                     lambda e: isinstance(e.request.body["generateMissingPDF"], str)),
    "body not an object": _labelled(wrong_types(), "schema.type", ""),
    "indexFileFormat in lower case": _labelled(enum_violations(fields=["indexFileFormat"]), "schema.enum",
                                               "/indexFileFormat",
                                               lambda e: e.request.body["indexFileFormat"] in ("json", "csv")),
    "docType unknown": _labelled(enum_violations(fields=["docType"]), "schema.enum", r"/documents/\d+/docType",
                                 lambda e: any(g.get("docType", "").lower() not in LOWER_DOC_TYPES
                                               for g in e.request.body["documents"])),
    "misspelt field": _labelled(unknown_fields(), "schema.additionalProperties", "/[A-Za-z]+",
                                lambda e: e.expected_pointer[1:].lower() in {n.lower() for n in BODY_FIELDS}),
    "UUID-style object ID": _labelled(pattern_violations(fields=["objectIds"]), "schema.pattern",
                                      r"/documents/\d+/objectIds/\d+",
                                      lambda e: any(len(i) == 36 for i in _ids(e.request.body))),
    "Zuora-Version malformed": _labelled(pattern_violations(fields=["Zuora-Version"]), "schema.pattern",
                                         "/headers/Zuora-Version"),
    "empty fileName": _labelled(empty_values(fields=["fileName"]), "schema.minLength", "/fileName"),
    "empty documents": _labelled(empty_values(fields=["documents"]), "schema.minItems", "/documents"),
    "empty objectIds": _labelled(empty_values(fields=["objectIds"]), "schema.minItems", r"/documents/\d+/objectIds"),
    "empty docType": _labelled(empty_values(fields=["docType"]), "schema.enum", r"/documents/\d+/docType"),
    "more than the most IDs": _labelled(document_counts(), "documents.too-many-object-ids", "/documents"),
    "Idempotency-Key on GET": _labelled(method_misuse(), "idempotency-key.method", "/headers/Idempotency-Key",
                                        lambda e: e.request.method == "GET"),
    "GET with a body": _labelled(method_misuse(), "request.unexpected-body", ""),
    "no such method": _labelled(method_misuse(), "request.method", ""),
}


@pytest.mark.parametrize("place", EDGE_PLACES)
def test_edge_families_reach(place):
    strategy, condition = EDGE_PLACES[place]
    reach(strategy, condition)


def _plain(strategy, check):
    return strategy, lambda e: isinstance(e, Request) and check(e)


VALID_EDGES = {
    "fileName at 32, ASCII": _plain(boundary_lengths(fields=["fileName"]),
                                    lambda r: len(r.body["fileName"]) == 32 and r.body["fileName"].isascii()),
    "fileName at 32, multibyte": _plain(boundary_lengths(fields=["fileName"]),
                                        lambda r: len(r.body["fileName"]) == 32 and not r.body["fileName"].isascii()),
    "track ID at 64": _plain(boundary_lengths(fields=["Zuora-Track-Id"]),
                             lambda r: len(r.headers.get("Zuora-Track-Id", "")) == 64),
    "idempotency key at 255": _plain(boundary_lengths(fields=["Idempotency-Key"]),
                                     lambda r: len(r.headers.get("Idempotency-Key", "")) == 255),
    "empty job name": _plain(empty_values(fields=["name"]), lambda r: r.body.get("name") == ""),
    "empty track ID": _plain(empty_values(fields=["Zuora-Track-Id"]), lambda r: r.headers["Zuora-Track-Id"] == ""),
    "exactly the most IDs": _plain(document_counts(), lambda r: total_ids(r.body) == CONTRACT.max_object_ids),
    "many groups": _plain(document_counts(), lambda r: len(r.body["documents"]) >= 20),
    "upper-case ID": _plain(pattern_violations(fields=["objectIds"]),
                            lambda r: any(i.isupper() for i in _ids(r.body))),
}


@pytest.mark.parametrize("place", VALID_EDGES)
def test_valid_edges_are_plain_and_reached(place):
    strategy, condition = VALID_EDGES[place]
    assert verdict(reach(strategy, condition)) == []


# -- the spec is the source of every limit --------------------------------------------------------------
def modified_contract():
    spec = copy.deepcopy(CONTRACT.spec)
    post = spec["paths"][COLLECTION_PATH]["post"]
    post["x-bulkpdf-max-object-ids"] = 60
    post["x-bulkpdf-documents-per-zip"] = 10
    schemas = spec["components"]["schemas"]
    schemas["POSTBulkPdfGenerationJobRequestType"]["properties"]["fileName"]["maxLength"] = 40
    schemas["DocumentList"]["properties"]["docType"]["enum"].append("Quote")
    params = spec["components"]["parameters"]
    params["Zuora-Track-Id"]["schema"]["maxLength"] = 70
    params["Zuora-Track-Id"]["schema"]["pattern"] = "^[ !#-%(-9<-~]*$"  # & forbidden too
    return contract_from_dict(spec)


MODIFIED = modified_contract()


@settings(max_examples=30)
@given(edge_cases(MODIFIED))
def test_edge_cases_follow_a_modified_spec(example):
    assert verdict(example, contract=MODIFIED) == expected(example)


@settings(max_examples=30)
@given(valid_requests(MODIFIED))
def test_valid_requests_follow_a_modified_spec(request_):
    assert verdict(request_, contract=MODIFIED) == []
    if request_.body is not None:
        assert len(request_.body["fileName"]) <= 40 and total_ids(request_.body) <= 60
    assert "&" not in request_.headers.get("Zuora-Track-Id", "")


MODIFIED_PLACES = {
    "fileName at 40": (valid_bodies(MODIFIED), lambda b: len(b["fileName"]) == 40),
    "several ZIPs of 10": (valid_bodies(MODIFIED), lambda b: 10 < total_ids(b) <= 30),
    "docType Quote": (valid_bodies(MODIFIED), lambda b: any(g["docType"] == "Quote" for g in b["documents"])),
    "fileName 41 labelled": (edge_cases(MODIFIED, ["boundary-length"]),
                             lambda e: isinstance(e, Labelled) and e.expected_pointer == "/fileName"
                             and len(e.request.body["fileName"]) == 41),
    "track ID at 70": (boundary_lengths(MODIFIED, ["Zuora-Track-Id"]),
                       lambda e: isinstance(e, Request) and len(e.headers.get("Zuora-Track-Id", "")) == 70),
    "track ID 71 labelled": (boundary_lengths(MODIFIED, ["Zuora-Track-Id"]),
                             lambda e: isinstance(e, Labelled) and len(_header(e, "Zuora-Track-Id")) == 71),
    "& now forbidden": (charset_violations(MODIFIED, ["Zuora-Track-Id"]),
                        lambda e: e.expected_rule == "charset.forbidden-character"
                        and "&" in _header(e, "Zuora-Track-Id")),
    "61 IDs too many": (edge_cases(MODIFIED, ["document-count"]),
                        lambda e: isinstance(e, Labelled) and total_ids(e.request.body) == 61),
    "exactly 60 IDs valid": (edge_cases(MODIFIED, ["document-count"]),
                             lambda e: isinstance(e, Request) and total_ids(e.body) == 60),
}


@pytest.mark.parametrize("place", MODIFIED_PLACES)
def test_strategies_reach_the_modified_limits(place):
    strategy, condition = MODIFIED_PLACES[place]
    reach(strategy, condition)


# -- the Request on the wire, and profiles --------------------------------------------------------------
def test_request_content_and_headers():
    body = {"documents": [{"docType": "Invoice", "objectIds": ["0" * 32]}], "fileName": "f", "indexFileFormat": "JSON"}
    plain = Request("POST", {"Zuora-Track-Id": "t"}, body)
    assert json.loads(plain.content()) == body
    assert plain.http_headers("tok") == {"Zuora-Track-Id": "t", "Content-Type": "application/json",
                                         "Authorization": "Bearer tok"}
    zipped = Request("POST", {"Content-Encoding": "gzip"}, body)
    assert json.loads(gzip.decompress(zipped.content())) == body
    poll = Request("GET", {}, None, JOB_PATH.replace("{jobId}", "a" * 32))
    assert poll.content() is None and "Content-Type" not in poll.http_headers()


@pytest.fixture
def restore_profile():
    yield
    load_profile()


def test_profiles_are_registered_and_chosen_by_environment(monkeypatch, restore_profile):
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and ci.max_examples <= 100 and ci.database is None
    assert HealthCheck.too_slow in ci.suppress_health_check
    assert settings.get_profile("dev").deadline is None
    monkeypatch.setenv(PROFILE_ENV, "dev")
    assert load_profile() == "dev" and settings().max_examples == settings.get_profile("dev").max_examples
    monkeypatch.delenv(PROFILE_ENV)
    assert load_profile() == "ci" and settings().derandomize
    monkeypatch.setenv(PROFILE_ENV, "nonsense")
    with pytest.raises(ValueError, match="unknown Hypothesis profile 'nonsense'.*BULKPDF_HYPOTHESIS_PROFILE"):
        load_profile()
    monkeypatch.delenv(PROFILE_ENV)
