"""``bulkpdf drift``: the stand-in of Zuora's file gives exit 0 with every difference decided; the
differences found by hand are among them; YAML, JSON and standard input agree; the four formats;
exit 2 for a SPEC that cannot be read or used."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from zuora_fixture import FIXTURE, published, to_json, to_yaml

from bulkpdf_contract.cli import main
from bulkpdf_contract.drift import KINDS, DriftError, check_drift, parse_spec, read_spec
from bulkpdf_contract.drift import load as drift_load
from bulkpdf_contract.spec import load_contract, spec_path
from bulkpdf_contract.validators import validate_response

DIFFERENCES = check_drift(published())


def run(capsys, *argv):
    code = main(["drift", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def by_where(where):
    return [d for d in DIFFERENCES if d.where == where]


# -- the current state ------------------------------------------------------------------------------
def test_every_difference_is_decided_and_every_decision_is_used():
    assert {d.kind for d in DIFFERENCES} <= set(KINDS) - {"stale"}
    assert all(d.decision for d in DIFFERENCES)
    used = {d.decision for d in DIFFERENCES}
    compared = {d.id for d in load_contract().decisions() if d.covers}
    assert used == compared
    covered = {p for d in load_contract().decisions() for p in d.covers}
    assert covered == {d.where for d in DIFFERENCES}


@pytest.mark.parametrize("where, kind, decision, words", [
    ("/components/headers/RateLimit-Remaining/schema/type", "changed", "header-numbers-as-digit-strings", "number"),
    ("/components/headers/RateLimit-Reset/schema/type", "changed", "header-numbers-as-digit-strings", "number"),
    ("/components/headers/Concurrency-Limit-Limit/schema/type", "changed", "header-numbers-as-digit-strings", "integer"),
    ("/components/schemas/GETBulkpdfGenerationJobResponseType/properties/createdOn/pattern", "stricter",
     "created-on-format", "pattern"),
    ("/components/parameters/Accept-Encoding/schema/pattern", "stricter", "accept-encoding-ascii", "pattern"),
    ("/components/parameters/Zuora-Entity-Ids/schema/pattern", "stricter", "entity-id-shape", "pattern"),
    ("/components/schemas/POSTBulkPdfGenerationJobResponseType/required/0", "stricter",
     "response-fields-required", "jobId"),
    ("/components/schemas/POSTBulkPdfGenerationJobResponseType/required/1", "stricter",
     "response-fields-required", "success"),
    ("/components/schemas/JobStatus/enum/3", "looser", "partial-complete-accepted", "PartialComplete"),
    ("/components/schemas/GETBulkpdfGenerationJobResponseType/properties/skippedDocuments", "extra",
     "get-response-sdk-fields", "skippedDocuments"),
    ("/paths/~1v1~1operations~1bulk-pdf/post/x-bulkpdf-file-url-lifetime-seconds", "changed",
     "file-url-lifetime", "259199"),
    ("/paths/~1oauth~1token/post/responses/4XX", "extra", "token-errors", "4XX"),
    ("/components/schemas/TokenRequest/additionalProperties", "stricter", "unknown-fields-rejected", "unknown fields"),
])
def test_the_differences_found_by_hand_are_reported_with_their_decision(where, kind, decision, words):
    found = by_where(where)
    assert found and all((d.kind, d.decision) == (kind, decision) and words in d.message for d in found)


def test_request_id_now_has_zuoras_shape():
    """Adopted: requestId is Zuora's 36-character UUID, so no difference is left for it."""
    assert not [d for d in DIFFERENCES if "requestId" in (d.where or "") and "GETBulkpdf" not in d.where
                and "ErrorResponse" not in d.where]
    schema = load_contract().response_schema("POST", 400)["properties"]["requestId"]
    assert (schema["minLength"], schema["maxLength"], schema["format"]) == (36, 36, "uuid")
    body = {"success": False, "reasons": [{"code": "51580020", "message": "no valid ID"}],
            "requestId": "d4b8c683-04ff-407d-964a-a63ae7917483"}
    headers = {"Zuora-Request-Id": body["requestId"]}
    assert validate_response(400, body, headers) == []
    findings = validate_response(400, {**body, "requestId": "req-1"}, headers)
    assert [(f.rule, f.pointer) for f in findings] == [("schema.minLength", "/requestId")]


def test_theirs_pointers_resolve_in_zuoras_file():
    doc = published()
    for difference in DIFFERENCES:
        node = doc
        for token in difference.theirs.strip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]


def test_the_fragment_against_itself_leaves_only_stale_records():
    differences = check_drift(load_contract().spec)
    assert differences and {d.kind for d in differences} == {"stale"}
    assert len(differences) == sum(len(d.covers) for d in load_contract().decisions())


def test_yaml_json_and_standard_input_give_the_same_result(tmp_path, capsys, monkeypatch):
    doc = published()
    doc["components"]["schemas"]["DocumentList"]["properties"]["docType"]["enum"].append("Quote")
    yaml_path, json_path = tmp_path / "zuora.yaml", tmp_path / "zuora.json"
    yaml_path.write_text(to_yaml(doc), encoding="utf-8")
    json_path.write_bytes(to_json(doc))
    outputs = []
    for argv in ([str(yaml_path)], [str(json_path)], ["-"]):
        if argv == ["-"]:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(yaml_path.read_bytes())))
        code, out, _ = run(capsys, *argv, "--format", "json")
        outputs.append((code, json.loads(out)))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0] == 1
    assert [d["kind"] for d in outputs[0][1] if d["decision"] is None] == ["stricter", "stricter"]
    assert check_drift(parse_spec(FIXTURE.read_bytes())) == DIFFERENCES


# -- formats ----------------------------------------------------------------------------------------
def test_text_is_one_line_per_difference_and_a_summary(capsys):
    code, out, err = run(capsys, str(FIXTURE))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(DIFFERENCES)
    for line, difference in zip(lines, DIFFERENCES):
        assert line == (f"[{difference.decision}] {difference.kind}: {difference.message} "
                        f"(fragment {difference.where}; Zuora {difference.theirs})")
    assert err.strip() == f"bulkpdf drift: {len(DIFFERENCES)} differences from Zuora's file: " \
                          f"{len(DIFFERENCES)} covered by a decision"


def test_json_lists_the_five_fields(capsys):
    code, out, _ = run(capsys, str(FIXTURE), "--format", "json")
    listed = json.loads(out)
    assert code == 0 and listed == [d.to_dict() for d in DIFFERENCES]
    assert all(list(d) == ["where", "theirs", "kind", "decision", "message"] for d in listed)


def test_markdown_is_a_table_with_undecided_rows_first(tmp_path, capsys):
    doc = published()
    doc["components"]["schemas"]["POSTBulkPdfGenerationJobRequestType"]["allOf"][0]["properties"][
        "fileName"]["maxLength"] = 64
    path = tmp_path / "zuora.yaml"
    path.write_text(to_yaml(doc), encoding="utf-8")
    code, out, _ = run(capsys, str(path), "--format", "markdown")
    assert code == 1
    rows = [line for line in out.splitlines() if line.startswith("| :")]
    assert rows[0].startswith("| :x: | stricter | `/components/schemas/POSTBulkPdfGenerationJobRequestType/"
                              "properties/fileName/maxLength` |")
    assert len(rows) == len(DIFFERENCES) + 1
    assert "<details>" in out and "1 without a decision" in out


def test_github_annotates_the_fragment_line(tmp_path, capsys):
    doc = published()
    doc["components"]["schemas"]["POSTBulkPdfGenerationJobRequestType"]["allOf"][0]["properties"][
        "fileName"]["maxLength"] = 64
    doc["paths"]["/v1/operations/bulk-pdf/{jobId}"]["get"]["responses"]["200"]["content"][
        "application/json"]["example"]["fileUrls"] = ["https://s3.example/x.zip?X-Amz-Expires=86400"]
    path = tmp_path / "zuora.yaml"
    path.write_text(to_yaml(doc), encoding="utf-8")
    code, out, _ = run(capsys, str(path), "--format", "github")
    assert code == 1
    error, warning, notice = out.splitlines()
    fragment = spec_path().read_text(encoding="utf-8").splitlines()
    match = re.match(r"^::error file=([^,]+),line=(\d+),title=drift%3A stricter::(.+)$", error)
    assert match and match.group(1).endswith("bulk-pdf.yaml")
    assert fragment[int(match.group(2)) - 1].strip() == "maxLength: 32"
    assert "fileName" in match.group(3)
    match = re.match(r"^::warning file=[^,]+,line=(\d+),title=drift%3A stale \(file-url-lifetime\)::", warning)
    assert match and fragment[int(match.group(1)) - 1].strip().startswith("x-bulkpdf-file-url-lifetime-seconds:")
    assert notice.startswith("::notice title=bulkpdf drift::")


# -- exit 2 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("content, message", [
    (b"openapi: 3.0.0\npaths: {}\n", "defines neither"),
    (b"openapi: 3.0.0\npaths:\n  /v1/accounts:\n    get: {operationId: x}\n", "defines neither"),
    (b"- just\n- a list\n", "not an OpenAPI document"),
    (b"a: [1\nb: 2\n", "neither JSON nor YAML"),
    (b"{\"openapi\": ", "neither JSON nor YAML"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"", "not an OpenAPI document"),
    (b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
     b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "neither JSON nor YAML"),
])
def test_an_unusable_spec_exits_2(tmp_path, capsys, content, message):
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "")
    assert err.startswith("bulkpdf drift: ") and message in err


def test_a_missing_file_and_a_missing_argument_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path / "absent.yaml"))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys)
    assert code == 2 and "SPEC is required" in err
    broken = tmp_path / "fragment.yaml"
    broken.write_text("openapi: [\n", encoding="utf-8")
    for fragment in (broken, tmp_path / "absent-fragment.yaml"):
        code, out, err = run(capsys, str(FIXTURE), "--fragment", str(fragment))
        assert (code, out) == (2, "") and err.startswith("bulkpdf drift: ")


def test_a_dangling_ref_in_a_compared_part_exits_2(tmp_path, capsys):
    doc = published()
    doc["components"]["schemas"]["POSTBulkPdfGenerationJobRequestType"]["allOf"][0]["properties"][
        "documents"]["items"] = {"$ref": "#/components/schemas/Gone"}
    path = tmp_path / "zuora.yaml"
    path.write_text(to_yaml(doc), encoding="utf-8")
    code, _, err = run(capsys, str(path))
    assert code == 2 and "#/components/schemas/Gone" in err and "does not exist" in err


def test_an_oversized_spec_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(drift_load, "MAX_SPEC_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_bytes(FIXTURE.read_bytes())
    with pytest.raises(DriftError, match="over"):
        read_spec(str(path))
    with pytest.raises(DriftError, match="over"):
        read_spec("-", stdin=io.BytesIO(FIXTURE.read_bytes()))


def test_a_record_in_a_modified_fragment_that_matches_nothing_is_stale(tmp_path, capsys):
    text = spec_path().read_text(encoding="utf-8")
    marker = "          maxLength: 32\n          description: The name of the job, returned as `jobName`.\n"
    assert marker in text
    fragment = tmp_path / "bulk-pdf.yaml"
    fragment.write_text(text.replace(marker, marker + (
        "          x-bulkpdf-decisions:\n"
        "            - {id: name-limit, covers: [maxLength], zuora: At most 32., contract: At most 32., why: None.}\n"
    )), encoding="utf-8")
    code, out, _ = run(capsys, str(FIXTURE), "--fragment", str(fragment), "--format", "json")
    assert code == 1
    assert [(d["kind"], d["where"], d["decision"]) for d in json.loads(out) if not d["theirs"] and d["kind"] == "stale"] == [
        ("stale", "/components/schemas/POSTBulkPdfGenerationJobRequestType/properties/name/maxLength", "name-limit")]
    code, out, _ = run(capsys, str(FIXTURE), "--fragment", str(fragment), "--format", "github")
    (warning,) = [line for line in out.splitlines() if line.startswith("::warning")]
    line = int(re.search(r",line=(\d+),", warning).group(1))
    assert fragment.read_text(encoding="utf-8").splitlines()[line - 1].strip() == "maxLength: 32"
    assert "bulk-pdf.yaml" in warning
