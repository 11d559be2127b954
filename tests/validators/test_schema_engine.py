"""The schema engine itself: engine choice, deep nesting, large instances, ECMA-262 patterns.
"""

from __future__ import annotations

import json

import pytest

from bulkpdf_contract.validators import validate_request

from validators_support import SEED, body, check, rules


def test_nesting_deeper_than_jsonschema_rs_follows_does_not_raise():
    """jsonschema-rs refuses more than 255 levels (json.loads takes ~990): the reference decides."""
    text = '{"documents":[{"docType":"Invoice","objectIds":' + "[" * 300 + "]" * 300 + "}]}"
    findings = check(json.loads(text))
    assert ("schema.type", "/documents/0/objectIds/0") in rules(findings)


def test_nesting_beyond_the_recursion_limit_is_one_finding(engine):
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    findings = validate_request(body(fileName=deep), engine=engine)
    assert rules(findings) == [("value.too-deep", "")]
    assert "nested" in findings[0].message


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        validate_request(SEED, engine="fast")


def test_a_large_invalid_body_gets_the_reference_findings():
    """Past the size where jsonschema-rs would copy the instance into each error, the reference
    enumerates the errors; the findings are the same either way."""
    body = {"unknownField": ["lol"] * 100_000, "documents": "x" * 300_000}
    assert validate_request(body) == validate_request(body, engine="jsonschema")
    assert ("schema.additionalProperties", "/unknownField") in rules(validate_request(body))


@pytest.mark.parametrize(("pattern", "matching", "refused"), [
    ("^a$", ["a"], ["a\n", "ab"]),
    (r"^a\$", ["a$"], ["a", "a\n"]),            # an escaped dollar is a literal
    (r"^a\\$", ["a\\"], ["a\\\n", "a"]),        # an escaped backslash, then the end anchor
    (r"^a\\\$", ["a\\$"], ["a\\"]),             # backslash, then a literal dollar
])
def test_ecma_regex_reads_the_final_dollar_as_ecma_does(pattern, matching, refused):
    from bulkpdf_contract.validators.schema import ecma_regex

    assert all(ecma_regex(pattern).search(v) for v in matching)
    assert not any(ecma_regex(pattern).search(v) for v in refused)
