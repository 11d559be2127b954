"""The shipped example payloads, one test case per file, each against the findings written here.

A new file under ``examples/payloads/`` fails until its expected findings are added to
:data:`EXPECTED`; an entry whose file is gone fails too. Valid examples expect no findings.
"""

from __future__ import annotations

import pytest
from lint_support import EXAMPLES, lint_json

EXPECTED: dict[str, list[tuple[str, str, int, int]]] = {
    # (rule, pointer, line, column) of every finding, in output order
    "valid/envelope-with-headers.yaml": [],
    "valid/seed-request.json": [],
    "valid/seed-request.yaml": [],
    "invalid/duplicate-ids-and-bad-headers.yaml": [
        ("charset.forbidden-character", "/headers/Zuora-Track-Id", 5, 19),
        ("schema.required", "/indexFileFormat", 7, 3),
        ("documents.duplicate-object-id", "/documents/1/objectIds/0", 13, 11),
    ],
    "invalid/enum-case-and-long-file-name.json": [
        ("schema.enum", "/documents/0/docType", 4, 18),
        ("schema.maxLength", "/fileName", 8, 15),
    ],
    "invalid/idempotency-key-on-get.json": [
        ("idempotency-key.method", "/headers/Idempotency-Key", 3, 34),
    ],
}

SHIPPED = sorted(path.relative_to(EXAMPLES).as_posix()
                 for path in EXAMPLES.rglob("*") if path.is_file())


def test_both_kinds_of_example_are_shipped():
    assert sum(name.startswith("valid/") for name in SHIPPED) >= 2
    assert sum(name.startswith("invalid/") for name in SHIPPED) >= 2


@pytest.mark.parametrize("name", sorted(set(SHIPPED) | set(EXPECTED)))
def test_example_payload(capsys, name):
    assert name in SHIPPED, f"{name} has expected findings but is not in examples/payloads/"
    assert name in EXPECTED, (
        f"examples/payloads/{name} has no expected findings: add it to EXPECTED in {__file__}")
    assert name.startswith(("valid/", "invalid/")), "examples live in valid/ or invalid/"
    expected = EXPECTED[name]
    assert bool(expected) == name.startswith("invalid/"), "valid examples have no findings, invalid ones some"
    code, findings = lint_json(capsys, EXAMPLES / name)
    assert [(f["rule"], f["pointer"], f["line"], f["column"]) for f in findings] == expected
    assert code == (1 if expected else 0)
    assert all(f["path"] == str(EXAMPLES / name) for f in findings)
