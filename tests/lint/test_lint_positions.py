"""``bulkpdf_contract.lint.positions``: the line and column of a pointer in JSON and YAML text."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_support import ID_A, ID_B, VALID, lint_json, where, write

from bulkpdf_contract.lint.positions import json_offsets, line_col, line_cols, yaml_node
from bulkpdf_contract.spec.pointers import split_pointer

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


@given(st.text(alphabet="ab\n\u00e9", max_size=30), st.data())
def test_line_cols_of_many_offsets_agree_with_line_col(text, data):
    offsets = data.draw(st.lists(st.integers(0, len(text)), max_size=10))
    assert line_cols(text, offsets) == [line_col(text, offset) for offset in offsets]


def test_split_pointer_unescapes():
    assert split_pointer("") == ()
    assert split_pointer("/a~1b/~0c/0") == ("a/b", "~c", "0")
