"""``bulkpdf_contract.lint.safe_yaml``: JSON-only types, alias bombs, depth, problems with positions."""

from __future__ import annotations

import pytest
import yaml
from lint_support import ID_A, assert_one_finding, lint_json, where, write

from bulkpdf_contract.lint import safe_yaml
from bulkpdf_contract.lint.findings import FileProblem


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ndocuments: *a{levels}\n"


def _merge_bomb(levels: int = 30) -> str:
    lines = ["m0: &m0 {k: v}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: v}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


UNLOADABLE = {
    "comments.yaml": (b"# nothing here\n", "parse", 1, 1, "no YAML document"),
    "truncated.yaml": (b'documents:\n  - docType: "Invoice\n', "parse", 3, 1, "unexpected end"),
    "bad-indent.yaml": (b"documents:\n  - a: 1\n b: 2\n", "parse", 3, 2, "invalid YAML"),
    # the first node past the limit: a6 (9**7 values), the merge list of m17
    "bomb.yaml": (_bomb().encode(), "parse", 7, 5, "billion laughs"),
    "merge-bomb.yaml": (_merge_bomb().encode(), "parse", 18, 16, "billion laughs"),
    "recursive.yaml": (b"a: &a [x, *a]\n", "parse", 1, 4, "refers to itself"),
    "deep.yaml": (b"a: " + b"[" * 5000 + b"]" * 5000, "parse", 1, 1003, "nesting depth"),
    "python-tag.yaml": (b"fileName: !!python/object/apply:os.system [ls]\n", "parse", 1, 11, "no JSON form"),
    "binary-tag.yaml": (b"fileName: !!binary aGVsbG8=\n", "parse", 1, 11, "no JSON form"),
    "set.yaml": (b"fileName: !!set {a, b}\n", "parse", 1, 11, "no JSON form"),
    "int-key.yaml": (b"documents: []\n1: x\n", "parse", 2, 1, "not a string"),
    "nan.yaml": (b"fileName: .NaN\n", "parse", 1, 11, "not a JSON number"),
    "two-docs.yaml": (b"a: 1\n---\nb: 2\n", "parse", 2, 1, "single document"),
    "control.yaml": ("fileName: é\x01\n".encode(), "parse", 1, 12, "control characters"),
}


@pytest.mark.parametrize("name", sorted(UNLOADABLE))
def test_yaml_without_a_json_form_gives_one_finding_and_exit_1(tmp_path, capsys, name):
    assert_one_finding(tmp_path, capsys, name, UNLOADABLE[name])


def test_load_gives_the_document_and_its_node_graph():
    data, root = safe_yaml.load("when: 2024-01-31\nn: 1.5\nlist: [a, {b: null}]\n")
    assert data == {"when": "2024-01-31", "n": 1.5, "list": ["a", {"b": None}]}
    assert root.id == "mapping" and root.value[2][1].start_mark.line == 2


def test_the_alias_check_runs_before_anything_is_built():
    with pytest.raises(FileProblem, match="billion laughs") as caught:
        safe_yaml.check_graph(yaml.compose(_bomb(), Loader=yaml.SafeLoader))
    assert (caught.value.rule, caught.value.line, caught.value.column) == ("parse", 7, 5)
    safe_yaml.check_graph(yaml.compose("a: &a [1, 2]\nb: [*a, *a]\n", Loader=yaml.SafeLoader))


def test_yaml_value_cap_counts_every_use_of_an_alias(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(safe_yaml, "MAX_YAML_VALUES", 50)
    aliased = write(tmp_path, "a.yaml", "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a]\n")
    _, findings = lint_json(capsys, aliased)
    assert findings[0]["rule"] == "parse" and "more than 50 values through its aliases" in findings[0]["message"]
    written = write(tmp_path, "w.yaml", yaml.safe_dump({"documents": list(range(60)), "fileName": "*"}))
    _, findings = lint_json(capsys, written)
    assert findings[0]["rule"] == "parse" and "more than 50 values;" in findings[0]["message"]


def test_yaml_dates_are_strings_and_merge_keys_resolve(tmp_path, capsys):
    text = f"base: &b {{indexFileFormat: JSON, fileName: 2024-01-31}}\n<<: *b\n" \
           f"documents: [{{docType: Invoice, objectIds: [{ID_A}]}}]\n"
    _, findings = lint_json(capsys, write(tmp_path, "p.yaml", text))
    assert where(findings) == {("schema.additionalProperties", "/base", 1, 7)}  # at the anchor
