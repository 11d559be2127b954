"""The quick check: which schemas it takes, what it leaves to the engine, and when SchemaCheck
stops asking it (its verdicts against the engines' are properties in test_engine_equivalence)."""

from __future__ import annotations

import pytest

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators.quick import is_safe_pattern, quick_check
from bulkpdf_contract.validators.schema import QUICK_INSTANCES, SchemaCheck

from validators_support import SEED, body

CONTRACT = load_contract()


def test_the_contracts_request_schemas_have_a_quick_check():
    """Else ``bulkpdf lint`` on one valid file imports jsonschema-rs again (~7 ms of ~50)."""
    for schema in (CONTRACT.request_schema(), CONTRACT.headers_schema("POST"), CONTRACT.headers_schema("GET")):
        assert quick_check(schema) is not None


@pytest.mark.parametrize("schema", [
    {"type": "object", "minProperties": 1},             # a keyword it does not know
    {"type": "string", "format": "date"},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
    {"properties": {"a": {"$schema": "https://json-schema.org/draft/2020-12/schema"}}},  # not at the root
    {"type": "strnig"},
    {"enum": ["a", 1]},                                   # 1 == 1.0 == True is Python's, not JSON's
    {"const": True},
    {"maxLength": 1.5},
    {"minItems": True},
    {"pattern": r"^\d+$"},                                # ASCII in ECMA-262, Unicode in Python
    {"pattern": "^a.b$"},                                 # "." and line terminators differ
    {"pattern": "^[a[b]]$"},                              # a nested class in Rust
    {"pattern": "^[a--b]$"},                              # a class difference in Rust
    {"pattern": "(?i)a"},
    {"pattern": "a$|b"},                                  # "$" before a final newline in Python
    {"pattern": "^(a"},                                   # does not compile
])
def test_what_it_cannot_decide_exactly_gets_no_quick_check(schema):
    assert quick_check(schema) is None


@pytest.mark.parametrize(("pattern", "safe"), [
    ("^[0-9a-fA-F]{32}$", True), (CONTRACT.property_schema("fileName")["pattern"], True), ("^[ !#-&(-9<-~]*$", True),
    (r"^([0-9]{4}-(0[1-9]|1[0-2])|[0-9]{3}\.0)$", True), ("a{2,}b{1,3}", True), (r"^a\$", True),
    ("^[]a]$", False), ("^[^]a]$", False), ("^a{2,x}$", False), ("^a{²}$", False), (r"\bword", False),
    ("(?:a)", False), ("a^b", False), ("a$b", False), ("^[a&&b]$", False), ("^[a~~b]", False),
    (r"^\u00e9$", False), ("é", False), ("^[a", False), (r"\\", True), (r"\x4", False),
])
def test_which_patterns_are_read_alike(pattern, safe):
    assert is_safe_pattern(pattern) is safe


@pytest.mark.parametrize("instance", [
    {**SEED, "generateMissingPDF": 1},
    {**SEED, "generateMissingPDF": 1.0},
    {**SEED, 1: "x"},                                      # YAML's integer keys
    {**SEED, "documents": tuple(SEED["documents"])},      # not a JSON value
    body(fileName="a\n"),                                  # "$" is the end, not before a final newline
])
def test_what_it_leaves_to_the_engine(instance):
    assert quick_check(CONTRACT.request_schema())(instance) is False


def test_a_check_compiles_at_its_first_not_plainly_valid_instance():
    check = SchemaCheck(CONTRACT.request_schema())
    assert check.findings(SEED) == [] and check._rs is None
    assert check.findings(body(fileName="")) and check._rs is not None
    assert check.is_valid == check._rs.is_valid  # jsonschema-rs answers from then on


def test_a_check_compiles_after_its_quick_instances():
    check = SchemaCheck(CONTRACT.request_schema())
    for _ in range(QUICK_INSTANCES):
        assert check.is_valid(SEED)
    assert check._rs is None
    assert check.is_valid(SEED) and check._rs is not None


def test_a_schema_without_a_quick_check_is_compiled_at_once():
    with pytest.raises(ValueError):  # jsonschema-rs refuses it when the check is built
        SchemaCheck({"type": "string", "format": "date", "pattern": "("})

