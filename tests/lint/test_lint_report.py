"""``bulkpdf_contract.lint.report``: the text and JSON formats and the summary line."""

from __future__ import annotations

import io
import json

from lint_support import VALID, lint_json, run_lint, write

from bulkpdf_contract.lint import report
from bulkpdf_contract.lint.findings import FileFinding

TWO = [
    FileFinding("a.json", 1, 2, "/x", "schema.type", "x is a string;\nexpected integer"),
    FileFinding("b.yaml", 3, 4, "", "parse", "invalid YAML"),
]


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


def test_text_keeps_one_line_per_finding_and_the_summary_goes_to_stderr():
    out, err = io.StringIO(), io.StringIO()
    report.write(TWO, "text", out, err)
    assert out.getvalue() == ("a.json:1:2: schema.type: x is a string; expected integer\n"
                              "b.yaml:3:4: parse: invalid YAML\n")
    assert err.getvalue() == "bulkpdf lint: 2 finding(s) in 2 file(s)\n"
    out, err = io.StringIO(), io.StringIO()
    report.write([], "text", out, err)
    assert (out.getvalue(), err.getvalue()) == ("", "bulkpdf lint: no findings\n")


def test_json_is_the_findings_as_objects_and_nothing_on_stderr():
    out, err = io.StringIO(), io.StringIO()
    report.write(TWO, "json", out, err)
    assert json.loads(out.getvalue()) == [f.to_dict() for f in TWO]
    assert out.getvalue().endswith("]\n") and err.getvalue() == ""
    assert report.as_json([]) == "[]\n"
