"""``bulkpdf lint``: exit codes, output formats, positions in JSON and YAML, hostile files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkpdf_contract import lint as lint_module
from bulkpdf_contract.cli import main
from bulkpdf_contract.locate import json_offsets, split_pointer, yaml_node
from bulkpdf_contract.validators import validate_request

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "payloads"
ID_A = "402880de8ce7edc3018ce7f18404315a"
ID_B = "402880de8ce7edc3018ce7f18e0b3804"
VALID = {
    "documents": [{"docType": "Invoice", "objectIds": [ID_A, ID_B]}],
    "fileName": "all-invoices-posted-jan-2024",
    "indexFileFormat": "JSON",
}


def run_lint(capsys, *argv) -> tuple[int, str, str]:
    code = main(["lint", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def lint_json(capsys, *argv) -> tuple[int, list[dict]]:
    code, out, _ = run_lint(capsys, "--format", "json", *argv)
    return code, json.loads(out)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def where(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f["pointer"], f["line"], f["column"]) for f in findings}


# -- exit codes and formats -----------------------------------------------------------------


def test_shipped_valid_examples_pass(capsys):
    code, out, _ = run_lint(capsys, EXAMPLES / "valid")
    assert (code, out) == (0, "")


def test_every_shipped_invalid_example_has_findings(capsys):
    files = sorted((EXAMPLES / "invalid").iterdir())
    assert len(files) >= 2
    for path in files:
        code, findings = lint_json(capsys, path)
        assert code == 1 and findings, path
        assert all(f["rule"] != "parse" for f in findings), findings


def test_text_format_is_path_line_col_rule_message_sorted(tmp_path, capsys):
    bad = write(tmp_path, "b.json", '{\n  "fileName": "%s",\n  "indexFileFormat": "json"\n}\n' % ("x" * 33))
    good = write(tmp_path, "a.json", json.dumps(VALID))
    code, out, err = run_lint(capsys, bad, good)
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:1:1: schema.required: documents is required but missing",
        f"{bad}:2:15: schema.maxLength: fileName is 33 characters long; at most 32 are allowed",
        f"{bad}:3:22: schema.enum: indexFileFormat is 'json'; allowed values: JSON, CSV "
        "(values are case-sensitive)",
    ]
    assert "3 finding(s) in 1 file(s)" in err


def test_json_format_lists_objects_with_every_field(tmp_path, capsys):
    path = write(tmp_path, "p.json", json.dumps({**VALID, "fileName": "x" * 33}, indent=1))
    code, findings = lint_json(capsys, path)
    assert code == 1
    assert findings == [{
        "path": str(path), "line": 11, "column": 14, "pointer": "/fileName",
        "rule": "schema.maxLength",
        "message": "fileName is 33 characters long; at most 32 are allowed",
    }]


def test_json_format_of_a_valid_file_is_an_empty_list(tmp_path, capsys):
    assert lint_json(capsys, write(tmp_path, "p.json", json.dumps(VALID))) == (0, [])


@pytest.mark.parametrize("argv", [[], ["--format", "xml", "x.json"], ["--bogus", "x.json"]])
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run_lint(capsys, *argv)
    assert code == 2 and "usage: bulkpdf lint" in err


def test_findings_match_validate_request(tmp_path, capsys):
    body = {**VALID, "documents": [{"docType": "Invoice", "objectIds": [ID_A, ID_A.upper()]}],
            "name": "n" * 40, "extra": 1}
    code, findings = lint_json(capsys, write(tmp_path, "p.json", json.dumps(body)))
    expected = {(f.rule, f.pointer, f.message) for f in validate_request(body)}
    assert code == 1 and {(f["rule"], f["pointer"], f["message"]) for f in findings} == expected


# -- positions ------------------------------------------------------------------------------

JSON_NESTED = """{
  "documents": [
    {"docType": "Invoice", "objectIds": ["%s"]},
    {
      "docType": "Bill",
      "objectIds": [
        "%s",
        "%s"
      ]
    },
    {"objectIds": ["%s"]}
  ],
  "fileName": "é/ü",
  "indexFileFormat": "CSV"
}
""" % (ID_A, ID_B, ID_A, "zz")

YAML_NESTED = f"""# comment line
documents:
  - docType: Invoice
    objectIds: [{ID_A}]
  - docType: Bill
    objectIds:
      - {ID_B}
      - {ID_A}
  - objectIds: ["zz"]
fileName: "é/ü"
indexFileFormat: CSV
"""

NESTED_EXPECTED_JSON = {
    ("schema.enum", "/documents/1/docType", 5, 18),
    ("documents.duplicate-object-id", "/documents/1/objectIds/1", 8, 9),
    ("schema.required", "/documents/2/docType", 11, 5),  # missing: the enclosing object
    ("schema.pattern", "/documents/2/objectIds/0", 11, 20),
    ("charset.forbidden-character", "/fileName", 13, 15),  # columns count characters
}
NESTED_EXPECTED_YAML = {
    ("schema.enum", "/documents/1/docType", 5, 14),
    ("documents.duplicate-object-id", "/documents/1/objectIds/1", 8, 9),
    ("schema.required", "/documents/2/docType", 9, 5),
    ("schema.pattern", "/documents/2/objectIds/0", 9, 17),
    ("charset.forbidden-character", "/fileName", 10, 11),
}


def test_json_positions_of_nested_pointers(tmp_path, capsys):
    code, findings = lint_json(capsys, write(tmp_path, "p.json", JSON_NESTED))
    assert code == 1 and where(findings) == NESTED_EXPECTED_JSON


def test_yaml_positions_of_nested_pointers(tmp_path, capsys):
    for name in ("p.yaml", "p.yml"):
        code, findings = lint_json(capsys, write(tmp_path, name, YAML_NESTED))
        assert code == 1 and where(findings) == NESTED_EXPECTED_YAML


def test_missing_root_member_points_at_the_root_object(tmp_path, capsys):
    body = {k: v for k, v in VALID.items() if k != "fileName"}
    _, findings = lint_json(capsys, write(tmp_path, "p.json", "\n\n  " + json.dumps(body)))
    assert where(findings) == {("schema.required", "/fileName", 3, 3)}
    _, findings = lint_json(capsys, write(tmp_path, "p.yaml", "# c\n\n" + yaml.safe_dump(body)))
    assert where(findings) == {("schema.required", "/fileName", 3, 1)}


def test_json_duplicate_keys_point_at_the_last_one_like_the_parser(tmp_path, capsys):
    text = '{"fileName": "%s",\n "fileName": "ok", "documents": [], "documents": [\n{}],' \
           ' "indexFileFormat": "JSON"}' % ("x" * 40)
    code, findings = lint_json(capsys, write(tmp_path, "p.json", text))
    assert where(findings) == {
        ("schema.required", "/documents/0/docType", 3, 1),
        ("schema.required", "/documents/0/objectIds", 3, 1),
    }


def test_json_escaped_keys_and_pointer_escapes(tmp_path, capsys):
    text = '{"documents": [{"docType": "Invoice", "objectIds": ["%s"]}], "file\\u004eame": "f",' \
           '\n "indexFileFormat": "JSON", "a/b~c": 1}' % ID_A
    _, findings = lint_json(capsys, write(tmp_path, "p.json", text))
    assert where(findings) == {("schema.additionalProperties", "/a~1b~0c", 2, 38)}


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


def test_yaml_dates_are_strings_and_merge_keys_resolve(tmp_path, capsys):
    text = f"base: &b {{indexFileFormat: JSON, fileName: 2024-01-31}}\n<<: *b\n" \
           f"documents: [{{docType: Invoice, objectIds: [{ID_A}]}}]\n"
    _, findings = lint_json(capsys, write(tmp_path, "p.yaml", text))
    assert where(findings) == {("schema.additionalProperties", "/base", 1, 7)}  # at the anchor


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)


def _pointers(value, here=()):
    yield here
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _pointers(child, here + (str(key),))


def _at(value, path):
    for token in path:
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=4), json_values, max_size=5),
       st.sampled_from([None, 0, 2]), st.booleans())
def test_json_offsets_land_on_the_value_of_every_pointer(value, indent, ascii_only):
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    paths = list(_pointers(value))
    offsets = json_offsets(text, paths + [p + ("missing",) for p in paths])
    decoder = json.JSONDecoder()
    for path in paths:
        assert decoder.raw_decode(text, offsets[path])[0] == _at(value, path)
        assert offsets[path + ("missing",)] == offsets[path]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=4), json_values, min_size=1, max_size=5), st.booleans())
def test_yaml_nodes_hold_the_value_of_every_pointer(value, flow):
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    value = yaml.safe_load(text)  # YAML reads some characters differently (U+0085 is a line break)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    loader = yaml.SafeLoader("")
    for path in _pointers(value):
        assert loader.construct_object(yaml_node(root, path), deep=True) == _at(value, path)


def test_split_pointer_unescapes():
    assert split_pointer("") == ()
    assert split_pointer("/a~1b/~0c/0") == ("a/b", "~c", "0")


# -- directories ----------------------------------------------------------------------------


def test_directories_recurse_to_json_and_yaml_only(tmp_path, capsys):
    bad = json.dumps({**VALID, "fileName": ""})
    for name in ("a.json", "sub/b.yaml", "sub/deeper/c.yml", "sub/C.JSON"):
        write(tmp_path, name, bad)
    write(tmp_path, "notes.txt", "not a payload")
    write(tmp_path, ".hidden/d.json", "garbage")
    write(tmp_path, "sub/.e.json", "garbage")
    code, findings = lint_json(capsys, tmp_path)
    assert code == 1
    assert [Path(f["path"]).relative_to(tmp_path).as_posix() for f in findings] == [
        "a.json", "sub/C.JSON", "sub/b.yaml", "sub/deeper/c.yml"]
    assert {f["rule"] for f in findings} == {"schema.minLength"}


def test_a_file_named_twice_is_linted_once(tmp_path, capsys):
    path = write(tmp_path, "p.json", "{}")
    _, first = lint_json(capsys, path)
    _, twice = lint_json(capsys, path, path)
    assert twice == first


# -- files that cannot be linted ------------------------------------------------------------


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ndocuments: *a{levels}\n"


def _merge_bomb(levels: int = 30) -> str:
    lines = ["m0: &m0 {k: v}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: v}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


GARBAGE = {
    "binary.json": (bytes(range(256)) * 4, "parse", 2, 118, "not UTF-8"),
    "png.json": (b"\x89PNG\r\n\x1a\n\x00\x00", "parse", 1, 1, "not UTF-8"),
    "nul.yaml": (b"fileName: a\x00b\n", "parse", 1, 12, "binary file"),
    "empty.json": (b"", "parse", 1, 1, "empty"),
    "blank.yaml": (b"  \n\t\n", "parse", 1, 1, "empty"),
    "comments.yaml": (b"# nothing here\n", "parse", 1, 1, "no YAML document"),
    "latin1.json": ('{"fileName": "café"}'.encode("latin-1"), "parse", 1, 18, "not UTF-8"),
    "array.json": (b"[1, 2]", "schema.type", 1, 1, "is an array; expected object"),
    "array.yaml": (b"- 1\n- 2\n", "schema.type", 1, 1, "is an array; expected object"),
    "scalar.json": (b"42", "schema.type", 1, 1, "is an integer; expected object"),
    "scalar.yaml": (b"hello world\n", "schema.type", 1, 1, "is a string; expected object"),
    "truncated.json": (b'{"documents": [{"docType": "Invoice",\n  "objectIds": ["ab"', "parse", 2, 21,
                       "unexpected end of data"),
    "truncated.yaml": (b'documents:\n  - docType: "Invoice\n', "parse", 3, 1, "unexpected end"),
    "bad-indent.yaml": (b"documents:\n  - a: 1\n b: 2\n", "parse", 3, 2, "invalid YAML"),
    # the first node past the limit: a6 (9**7 values), the merge list of m17
    "bomb.yaml": (_bomb().encode(), "parse", 7, 5, "billion laughs"),
    "merge-bomb.yaml": (_merge_bomb().encode(), "parse", 18, 16, "billion laughs"),
    "recursive.yaml": (b"a: &a [x, *a]\n", "parse", 1, 4, "refers to itself"),
    "deep.json": (b"[" * 5000 + b"]" * 5000, "parse", 1, 1026, "depth limit"),
    "deep.yaml": (b"a: " + b"[" * 5000 + b"]" * 5000, "parse", 1, 1003, "nesting depth"),
    "python-tag.yaml": (b"fileName: !!python/object/apply:os.system [ls]\n", "parse", 1, 11, "no JSON form"),
    "binary-tag.yaml": (b"fileName: !!binary aGVsbG8=\n", "parse", 1, 11, "no JSON form"),
    "set.yaml": (b"fileName: !!set {a, b}\n", "parse", 1, 11, "no JSON form"),
    "int-key.yaml": (b"documents: []\n1: x\n", "parse", 2, 1, "not a string"),
    "nan.yaml": (b"fileName: .NaN\n", "parse", 1, 11, "not a JSON number"),
    "nan.json": (b'{"fileName": NaN}', "parse", 1, 14, "invalid JSON"),
    "two-docs.yaml": (b"a: 1\n---\nb: 2\n", "parse", 2, 1, "single document"),
    "control.yaml": ("fileName: é\x01\n".encode(), "parse", 1, 12, "control characters"),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_files_give_one_finding_and_exit_1(tmp_path, capsys, name):
    content, rule, line, column, text = GARBAGE[name]
    path = write(tmp_path, name, content)
    code, findings = lint_json(capsys, path)
    assert code == 1
    assert len(findings) == 1, findings
    found = findings[0]
    assert (found["rule"], found["line"], found["column"]) == (rule, line, column), found
    assert text in found["message"]
    assert found["path"] == str(path)


def test_garbage_does_not_hide_findings_of_other_files(tmp_path, capsys):
    write(tmp_path, "a.json", b"\xff\xfe")
    write(tmp_path, "b.json", json.dumps({**VALID, "name": "n" * 33}))
    code, findings = lint_json(capsys, tmp_path)
    assert code == 1 and [f["rule"] for f in findings] == ["parse", "schema.maxLength"]


def test_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    path = write(tmp_path, "p.json", b"\xef\xbb\xbf" + json.dumps(VALID).encode())
    assert lint_json(capsys, path) == (0, [])


def test_nonexistent_path_and_empty_directory(tmp_path, capsys):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    write(tmp_path, "empty/readme.txt", "x")
    code, findings = lint_json(capsys, tmp_path / "missing.json", tmp_path / "empty")
    assert code == 1
    assert [(Path(f["path"]).name, f["rule"]) for f in findings] == [("empty", "read"), ("missing.json", "read")]
    assert "no such file" in findings[1]["message"]
    assert "no *.json, *.yaml or *.yml files" in findings[0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_not_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # reading it would block forever
    code, findings = lint_json(capsys, fifo)
    assert code == 1 and findings[0]["message"] == "not a regular file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, capsys):
    path = write(tmp_path, "p.json", json.dumps(VALID))
    path.chmod(0)
    code, findings = lint_json(capsys, path)
    assert code == 1 and findings[0]["rule"] == "read" and "ermission" in findings[0]["message"]


def test_files_above_the_size_cap_are_not_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(lint_module, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "p.json", json.dumps({**VALID, "name": "x" * 200}))
    code, findings = lint_json(capsys, path)
    assert code == 1 and findings[0]["rule"] == "read" and "at most 100 bytes" in findings[0]["message"]


def test_yaml_value_cap_counts_every_use_of_an_alias(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(lint_module, "MAX_YAML_VALUES", 50)
    aliased = write(tmp_path, "a.yaml", "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a]\n")
    _, findings = lint_json(capsys, aliased)
    assert findings[0]["rule"] == "parse" and "more than 50 values through its aliases" in findings[0]["message"]
    written = write(tmp_path, "w.yaml", yaml.safe_dump({"documents": list(range(60)), "fileName": "*"}))
    _, findings = lint_json(capsys, written)
    assert findings[0]["rule"] == "parse" and "more than 50 values;" in findings[0]["message"]


# -- --file-names ---------------------------------------------------------------------------


def test_file_names_map_catches_pdf_name_collisions(tmp_path, capsys):
    payload = write(tmp_path, "p.json", json.dumps(VALID, indent=2))
    for name, text in (("map.json", json.dumps({ID_A: "INV-1.pdf", ID_B: "INV-1.pdf"})),
                       ("map.yaml", f"{ID_A}: INV-1.pdf\n{ID_B}: INV-1.pdf\n")):
        code, findings = lint_json(capsys, "--file-names", write(tmp_path, name, text), payload)
        assert code == 1 and where(findings) == {
            ("documents.duplicate-pdf-file-name", "/documents/0/objectIds/1", 7, 9)}
    distinct = write(tmp_path, "ok.json", json.dumps({ID_A: "INV-1.pdf", ID_B: "INV-2.pdf"}))
    assert lint_json(capsys, "--file-names", distinct, payload) == (0, [])


@pytest.mark.parametrize("content", ["[1, 2]", '{"a": 1}', "{not json", ""])
def test_a_bad_file_names_map_is_a_usage_error(tmp_path, capsys, content):
    path = write(tmp_path, "map.json", content)
    code, out, err = run_lint(capsys, "--file-names", path, write(tmp_path, "p.json", "{}"))
    assert code == 2 and out == "" and f"--file-names: {path}" in err
    code, _, err = run_lint(capsys, "--file-names", tmp_path / "nope.json", tmp_path / "p.json")
    assert code == 2 and "no such file" in err


# -- library API ----------------------------------------------------------------------------


def test_lint_text_picks_the_parser_from_the_name():
    body = yaml.safe_dump({**VALID, "name": "n" * 33})
    (finding,) = lint_module.lint_text(body, "p.yaml")
    assert (finding.rule, finding.pointer, finding.path) == ("schema.maxLength", "/name", "p.yaml")
    assert str(finding).startswith(f"p.yaml:{finding.line}:{finding.column}: schema.maxLength: ")
    assert lint_module.lint_text(json.dumps(VALID)) == []
    assert lint_module.lint_text("{", "p.txt")[0].rule == "parse"


def test_a_validator_crash_becomes_a_finding_not_a_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lint_module, "validate_request", broken)
    code, findings = lint_json(capsys, write(tmp_path, "p.json", "{}"))
    assert code == 1 and findings[0]["rule"] == "internal" and "boom" in findings[0]["message"]


# -- as a separate process ------------------------------------------------------------------


def _command() -> list[str]:
    script = Path(sys.executable).with_name("bulkpdf")
    found = str(script) if script.exists() else shutil.which("bulkpdf")
    return [found] if found else [sys.executable, "-m", "bulkpdf_contract.cli"]


def test_subprocess_exit_codes_and_output(tmp_path):
    bad = write(tmp_path, "bad.yaml", "fileName: x\n")
    result = subprocess.run([*_command(), "lint", str(EXAMPLES / "valid"), str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{bad}:1:1: schema.required: documents is required but missing",
        f"{bad}:1:1: schema.required: indexFileFormat is required but missing",
    ]
    assert "Traceback" not in result.stderr
    ok = subprocess.run([*_command(), "lint", str(EXAMPLES / "valid")],
                        capture_output=True, text=True, timeout=120)
    assert (ok.returncode, ok.stdout) == (0, "")
    usage = subprocess.run([*_command(), "lint"], capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_lint_does_not_import_the_heavy_modules(tmp_path):
    """A pre-commit hook runs on every commit: it must not pay for schemathesis and friends."""
    code = (
        "import sys\nfrom bulkpdf_contract.cli import main\n"
        f"main(['lint', {str(EXAMPLES / 'valid')!r}])\n"
        "heavy = {'schemathesis', 'hypothesis', 'starlette', 'uvicorn', 'httpx', 'pytest'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_findings_per_file_are_capped_with_a_truncation_finding(tmp_path, capsys):
    ids = ["0" * 31] * (lint_module.MAX_FINDINGS + 50)
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"documents": [{"docType": "Invoice", "objectIds": ids}],
                                "fileName": "x", "indexFileFormat": "CSV"}))
    assert main(["lint", "--format", "json", str(path)]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert len(findings) == lint_module.MAX_FINDINGS + 1
    assert [f["rule"] for f in findings].count("findings.truncated") == 1
