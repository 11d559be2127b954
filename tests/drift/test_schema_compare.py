"""Schema comparison: OpenAPI 3.0 and 3.1 spellings of the same constraint are no difference;
real differences get the kind said from the fragment's side."""

from __future__ import annotations

import pytest

from bulkpdf_contract.drift.document import Document, DriftError
from bulkpdf_contract.drift.model import Comparison
from bulkpdf_contract.drift.schemas import compare_schemas


def compare(ours: dict, theirs: dict, ours_components=None, theirs_components=None):
    cmp = Comparison(
        Document({"s": ours, "components": {"schemas": ours_components or {}}}, "ours"),
        Document({"s": theirs, "components": {"schemas": theirs_components or {}}}, "theirs"),
    )
    compare_schemas(cmp, cmp.ours.at("/s"), cmp.theirs.at("/s"), "field")
    return [(d.kind, d.where, d.theirs) for d in cmp.found]


@pytest.mark.parametrize("ours, theirs", [
    ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
    ({"type": "number", "exclusiveMinimum": 0}, {"type": "number", "minimum": 0, "exclusiveMinimum": True}),
    ({"type": "number", "minimum": 0}, {"type": "number", "minimum": 0, "exclusiveMinimum": False}),
    ({"type": "boolean", "const": False}, {"type": "boolean", "enum": [False]}),
    ({"type": "array", "items": {"type": "string"}, "uniqueItems": False}, {"type": "array", "items": {"type": "string"}}),
    ({"deprecated": False}, {}),
    ({"type": "object", "required": ["b"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}},
     {"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "required": ["b"],
                                                       "properties": {"b": {"type": "integer"}}}]}),
])
def test_the_same_constraint_spelt_differently_is_no_difference(ours, theirs):
    components = {"A": {"type": "object", "properties": {"a": {"type": "string"}}}}
    assert compare(ours, theirs, theirs_components=components) == []


@pytest.mark.parametrize("ours, theirs, expected", [
    ({"type": "integer"}, {"type": "number"}, [("stricter", "/s/type", "/s/type")]),
    ({"type": "number"}, {"type": "integer"}, [("looser", "/s/type", "/s/type")]),
    ({"type": "string"}, {}, [("stricter", "/s/type", "/s")]),
    ({}, {"type": "string"}, [("looser", "/s/type", "/s/type")]),
    ({"enum": [1]}, {"enum": [True]}, [("looser", "/s/enum/0", "/s/enum"), ("stricter", "/s/enum", "/s/enum/0")]),
    ({"maximum": 5}, {"exclusiveMaximum": True, "maximum": 5},
     [("looser", "/s/exclusiveMaximum", "/s/exclusiveMaximum"), ("stricter", "/s/maximum", "/s")]),
    ({"pattern": "^a$"}, {"pattern": "^b$"}, [("changed", "/s/pattern", "/s/pattern")]),
    ({"type": "array", "uniqueItems": True}, {"type": "array"}, [("stricter", "/s/uniqueItems", "/s")]),
    ({"type": "object", "additionalProperties": {"type": "string"}}, {"type": "object", "additionalProperties": False},
     [("looser", "/s/additionalProperties", "/s/additionalProperties")]),
    ({"type": "object", "additionalProperties": {"type": "string"}}, {"type": "object", "additionalProperties": {"type": "integer"}},
     [("changed", "/s/additionalProperties/type", "/s/additionalProperties/type")]),
    ({"default": 1}, {"default": 2}, [("changed", "/s/default", "/s/default")]),
    ({}, {"deprecated": True}, [("missing", "/s/deprecated", "/s/deprecated")]),
    ({"type": "array"}, {"type": "array", "items": {"type": "string"}}, [("looser", "/s/items", "/s/items")]),
    ({"oneOf": [{"type": "string"}]}, {}, [("stricter", "/s/oneOf", "/s")]),
])
def test_a_difference_gets_its_kind_and_pointers(ours, theirs, expected):
    assert sorted(compare(ours, theirs)) == sorted(expected)


def test_a_ref_loop_or_a_dangling_ref_is_an_error():
    with pytest.raises(DriftError, match="loops"):
        compare({"type": "string"}, {"$ref": "#/components/schemas/A"},
                theirs_components={"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}})
    with pytest.raises(DriftError, match="outside the file"):
        compare({"type": "string"}, {"$ref": "other.yaml#/A"})


def test_a_recursive_schema_is_compared_once_per_pair():
    node = {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Tree"}}}
    assert compare({"$ref": "#/components/schemas/Tree"}, {"$ref": "#/components/schemas/Tree"},
                   {"Tree": node}, {"Tree": {**node, "properties": {"child": {"$ref": "#/components/schemas/Tree"},
                                                                     "extra": {"type": "string"}}}}) == [
        ("missing", "/components/schemas/Tree/properties/extra", "/components/schemas/Tree/properties/extra")]
