"""The Finding type: immutability, ordering, serialisation and RFC 6901 pointers.
"""

from __future__ import annotations

import pytest

from bulkpdf_contract.validators import Finding

from validators_support import body, check


def test_findings_are_sorted_by_pointer_then_rule():
    findings = check(body(fileName="", name=1, extra=2))
    assert findings == sorted(findings, key=lambda f: (f.pointer, f.rule))


def test_finding_to_dict_and_str():
    (finding,) = check(body(fileName="x" * 33))
    assert finding.to_dict() == {"rule": "schema.maxLength", "pointer": "/fileName",
                                 "message": finding.message, "line": None, "column": None}
    assert str(finding).startswith("/fileName: schema.maxLength: fileName is 33 characters long")


# -- the Finding type and pointers ----------------------------------------------------------------
def test_finding_is_an_immutable_hashable_value():
    import dataclasses

    finding = Finding("schema.maxLength", "/fileName", "too long")
    assert finding == Finding("schema.maxLength", "/fileName", "too long", None, None)
    assert len({finding, Finding("schema.maxLength", "/fileName", "too long")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.rule = "other"  # type: ignore[misc]
    placed = dataclasses.replace(finding, line=3, column=7)
    assert (placed.line, placed.column, finding.line) == (3, 7, None)
    assert placed.to_dict() == {"rule": "schema.maxLength", "pointer": "/fileName",
                                "message": "too long", "line": 3, "column": 7}


@pytest.mark.parametrize("parts, pointer", [
    ((), ""),
    (("fileName",), "/fileName"),
    (("documents", 0, "objectIds", 12), "/documents/0/objectIds/12"),
    (("a/b", "~c", "", 1), "/a~1b/~0c//1"),
    (["x", "~01"], "/x/~001"),
    (iter(["g", 2]), "/g/2"),
])
def test_pointer_of_escapes_tokens_as_rfc_6901_says(parts, pointer):
    from bulkpdf_contract.validators import pointer_of

    assert pointer_of(parts) == pointer
