"""``bulkpdf_contract.lint.engine``: a document -> findings: envelopes, the validator, the cap, files."""

from __future__ import annotations

import json

import pytest
import yaml
from lint_support import ID_A, VALID, assert_one_finding, lint_json, where, write

from bulkpdf_contract.cli import main
from bulkpdf_contract.lint import engine
from bulkpdf_contract.validators import validate_request

NOT_AN_OBJECT = {
    "array.json": (b"[1, 2]", "schema.type", 1, 1, "is an array; expected object"),
    "array.yaml": (b"- 1\n- 2\n", "schema.type", 1, 1, "is an array; expected object"),
    "scalar.json": (b"42", "schema.type", 1, 1, "is an integer; expected object"),
    "scalar.yaml": (b"hello world\n", "schema.type", 1, 1, "is a string; expected object"),
}


@pytest.mark.parametrize("name", sorted(NOT_AN_OBJECT))
def test_a_document_that_is_not_an_object_gives_one_finding(tmp_path, capsys, name):
    assert_one_finding(tmp_path, capsys, name, NOT_AN_OBJECT[name])


def test_findings_match_validate_request(tmp_path, capsys):
    body = {**VALID, "documents": [{"docType": "Invoice", "objectIds": [ID_A, ID_A.upper()]}],
            "name": "n" * 40, "extra": 1}
    code, findings = lint_json(capsys, write(tmp_path, "p.json", json.dumps(body)))
    expected = {(f.rule, f.pointer, f.message) for f in validate_request(body)}
    assert code == 1 and {(f["rule"], f["pointer"], f["message"]) for f in findings} == expected


def test_envelope_positions_live_under_body_and_headers(tmp_path, capsys):
    text = json.dumps({
        "method": "POST",
        "headers": {"zuora-track-id": "a;b", "Idempotency-Key": "k" * 256},
        "body": {**VALID, "fileName": "x" * 33},
    }, indent=2)
    code, findings = lint_json(capsys, write(tmp_path, "env.json", text))
    assert code == 1 and where(findings) == {
        ("charset.forbidden-character", "/headers/Zuora-Track-Id", 4, 23),
        ("schema.maxLength", "/headers/Idempotency-Key", 5, 24),
        ("schema.maxLength", "/fileName", 17, 17),
    }


def test_yaml_envelope_method_unknown_fields_and_missing_body_members(tmp_path, capsys):
    text = "method: DELETE\nheaders:\n  Zuora-Version: 211\nbody:\n  fileName: ok\nextra: 1\n"
    code, findings = lint_json(capsys, write(tmp_path, "env.yaml", text))
    assert code == 1 and where(findings) == {
        ("request.method", "", 1, 9),
        ("envelope.unknown-field", "/extra", 6, 8),
    }
    text = "method: get\nheaders: {Idempotency-Key: abc}\nbody:\n  fileName: ok\n"
    _, findings = lint_json(capsys, write(tmp_path, "get.yaml", text))
    assert where(findings) == {
        ("idempotency-key.method", "/headers/Idempotency-Key", 2, 28),
        ("request.unexpected-body", "", 4, 3),
    }
    text = "headers:\n  Zuora-Version: 211\nbody:\n  fileName: ok\n  headers: 1\n"
    _, findings = lint_json(capsys, write(tmp_path, "post.yaml", text))
    assert where(findings) == {
        ("schema.type", "/headers/Zuora-Version", 2, 18),
        ("schema.required", "/documents", 4, 3),
        ("schema.required", "/indexFileFormat", 4, 3),
        ("schema.additionalProperties", "/headers", 5, 12),  # the body's member, not the envelope's
    }


def test_a_body_with_documents_is_not_an_envelope(tmp_path, capsys):
    _, findings = lint_json(capsys, write(tmp_path, "p.json", json.dumps({**VALID, "body": {}})))
    assert [(f["rule"], f["pointer"]) for f in findings] == [("schema.additionalProperties", "/body")]
    assert engine.is_envelope({"body": {}}) and not engine.is_envelope({**VALID, "body": {}})
    assert not engine.is_envelope([{"body": {}}])


def test_request_findings_of_an_envelope_check_its_method_headers_and_body():
    envelope = {"method": "GET", "headers": {"Idempotency-Key": "k"}, "body": None, "x": 1}
    assert [(f.rule, f.pointer) for f in engine.request_findings(envelope, True)] == [
        ("envelope.unknown-field", "/x"), ("idempotency-key.method", "/headers/Idempotency-Key")]
    assert engine.request_findings(VALID, False) == []


def test_a_file_named_twice_is_linted_once(tmp_path, capsys):
    path = write(tmp_path, "p.json", "{}")
    _, first = lint_json(capsys, path)
    _, twice = lint_json(capsys, path, path)
    assert twice == first


def test_garbage_does_not_hide_findings_of_other_files(tmp_path, capsys):
    write(tmp_path, "a.json", b"\xff\xfe")
    write(tmp_path, "b.json", json.dumps({**VALID, "name": "n" * 33}))
    code, findings = lint_json(capsys, tmp_path)
    assert code == 1 and [f["rule"] for f in findings] == ["parse", "schema.maxLength"]


def test_lint_text_picks_the_parser_from_the_name():
    body = yaml.safe_dump({**VALID, "name": "n" * 33})
    (finding,) = engine.lint_text(body, "p.yaml")
    assert (finding.rule, finding.pointer, finding.path) == ("schema.maxLength", "/name", "p.yaml")
    assert str(finding).startswith(f"p.yaml:{finding.line}:{finding.column}: schema.maxLength: ")
    assert engine.lint_text(json.dumps(VALID)) == []
    assert engine.lint_text("{", "p.txt")[0].rule == "parse"


def test_a_validator_crash_becomes_a_finding_not_a_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "validate_request", broken)
    code, findings = lint_json(capsys, write(tmp_path, "p.json", "{}"))
    assert code == 1 and findings[0]["rule"] == "internal" and "boom" in findings[0]["message"]


def test_findings_per_file_are_capped_with_a_truncation_finding(tmp_path, capsys):
    ids = ["0" * 31] * (engine.MAX_FINDINGS + 50)
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"documents": [{"docType": "Invoice", "objectIds": ids}],
                                "fileName": "x", "indexFileFormat": "CSV"}))
    assert main(["lint", "--format", "json", str(path)]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert len(findings) == engine.MAX_FINDINGS + 1
    assert [f["rule"] for f in findings].count("findings.truncated") == 1
