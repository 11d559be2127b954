"""``lint.json_text``: the standard library's reading of a file is used only where it is orjson's."""

from __future__ import annotations

import json
import subprocess
import sys

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkpdf_contract.lint import json_text

EDGES = [
    "NaN", "-Infinity", "[Infinity]", "1e400", "-1e400", "1e-400", "-1e-400", "-0", "-0.0", "0.1", "1E2",
    str(2**63 - 1), str(-(2**63)), str(-(2**63) - 1), str(2**64 - 1), str(2**64), "1" * 5000,
    '"\\ud800"', '"\\uDFFF x"', '"\\ud7ff"', '"\\u00e9\\u0000"', '"\\\\ud800"', '"\ud800"', '"é"',
    '{"a": 1, "b": 2, "a": 3}', "[" * 1020 + "]" * 1020, "[" * 1030 + "]" * 1030, "{}", "[]", " [1] ",
    "\ufeff{}", "{,}", "[1,]", "01", "1.", ".5", "+1", "[1 2]", '{"a"}', '"\t"', '"\\x"', "", "   ",
    "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308", "123456789012345678901234567890e-10",
]


def typed(data):
    """``repr``, as 1, 1.0 and True are equal in Python (with room for 1,030 levels of nesting)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))
    try:
        return repr(data)
    finally:
        sys.setrecursionlimit(limit)


def orjson_reading(text):
    try:
        return "data", typed(orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        return "error", (exc.msg, exc.lineno, exc.colno)


def assert_read_as_orjson_reads(text):
    try:
        data = json_text.stdlib_loads(text)
    except (ValueError, RecursionError):
        return  # json_text.loads hands it to orjson
    assert ("data", typed(data)) == orjson_reading(text)


@pytest.mark.parametrize("text", EDGES)
def test_the_edges_are_read_as_orjson_reads_them(text):
    assert_read_as_orjson_reads(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
texts = st.one_of(
    st.tuples(json_values, st.booleans(), st.sampled_from([None, 2])).map(
        lambda t: json.dumps(t[0], ensure_ascii=t[1], indent=t[2])),
    st.tuples(json_values.map(json.dumps), st.integers(0, 40), st.text(max_size=3)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:]),  # a few characters in the wrong place
    st.text(alphabet='{}[]":,0123456789.eE+-\\utrfalsn ', max_size=30),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_texts_are_read_as_orjson_reads_them(text):
    assert_read_as_orjson_reads(text)


@pytest.mark.parametrize("text", EDGES)
def test_loads_gives_orjsons_data_or_error(text, monkeypatch):
    for left in (json_text.STDLIB_FILES, 0):  # by the standard library, then by orjson
        monkeypatch.setitem(json_text._left, "files", left)
        try:
            got = "data", typed(json_text.loads(text))
        except orjson.JSONDecodeError as exc:
            got = "error", (exc.msg, exc.lineno, exc.colno)
        assert got == orjson_reading(text)


def test_a_few_small_files_do_not_import_orjson_and_many_do():
    code = ("import sys\nfrom bulkpdf_contract.lint import json_text\n"
            "before = [json_text.loads('{\"a\": [1, 2.5, null]}') for _ in range(json_text.STDLIB_FILES)]\n"
            "print('orjson' in sys.modules)\n"
            "json_text.loads('{}')\nprint('orjson' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "True"], result.stderr
