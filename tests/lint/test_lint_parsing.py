"""``bulkpdf_contract.lint.parsing``: the parser chosen by file name, JSON problems, ``--file-names`` maps."""

from __future__ import annotations

import pytest
from lint_support import ID_A, assert_one_finding, write

from bulkpdf_contract.lint import parsing
from bulkpdf_contract.lint.findings import FileProblem

UNPARSABLE = {
    "truncated.json": (b'{"documents": [{"docType": "Invoice",\n  "objectIds": ["ab"', "parse", 2, 21,
                       "unexpected end of data"),
    "deep.json": (b"[" * 5000 + b"]" * 5000, "parse", 1, 1026, "depth limit"),
    "nan.json": (b'{"fileName": NaN}', "parse", 1, 14, "invalid JSON"),
}


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
def test_invalid_json_gives_one_finding_and_exit_1(tmp_path, capsys, name):
    assert_one_finding(tmp_path, capsys, name, UNPARSABLE[name])


@pytest.mark.parametrize(
    ("path", "text", "is_yaml"),
    [
        ("p.json", '{"a": 1}', False),
        ("P.JSON", '{"a": 1}', False),
        ("p.yaml", "{a: 1}", True),  # flow YAML that is no JSON
        ("p.YML", "a: 1", True),
        ("p.txt", '  {"a": 1}', False),  # other names: by the first character
        ("p.txt", "a: 1", True),
    ],
)
def test_the_parser_is_chosen_by_the_file_name(path, text, is_yaml):
    parsed = parsing.parse(text, path)
    assert parsed.data == {"a": 1} and parsed.text == text
    assert (parsed.yaml_root is not None) == is_yaml


def test_a_json_name_is_parsed_as_json_only():
    with pytest.raises(FileProblem, match="invalid JSON") as caught:
        parsing.parse("a: 1", "p.json")
    assert (caught.value.rule, caught.value.line, caught.value.column) == ("parse", 1, 1)


def test_load_file_names_reads_a_mapping_and_says_where_it_is_not_one(tmp_path):
    good = write(tmp_path, "map.yaml", f"{ID_A}: INV-1.pdf\n")
    assert parsing.load_file_names(str(good)) == {ID_A: "INV-1.pdf"}
    with pytest.raises(ValueError, match=r"map\.json:1:2: invalid JSON"):
        parsing.load_file_names(str(write(tmp_path, "map.json", "{not json")))
    with pytest.raises(ValueError, match="expected an object mapping objectId to PDF file name"):
        parsing.load_file_names(str(write(tmp_path, "list.json", "[1]")))
