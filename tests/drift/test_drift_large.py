"""Zuora's file is about 11 MB: a stand-in padded to that size with thousands of unrelated paths
and schemas gives the same result as the bare stand-in, as YAML and as JSON, and the loader's
memory stays within a small multiple of the input (timing lives in benchmarks/drift.py)."""

from __future__ import annotations

import tracemalloc

import pytest
from zuora_fixture import REAL_FILE_CHARS, padded, published, to_json, to_yaml

from bulkpdf_contract.drift import check_drift, parse_spec


@pytest.fixture(scope="module")
def large():
    doc = published()
    doc["components"]["schemas"]["DocumentList"]["properties"]["docType"]["enum"].append("Quote")
    return doc, padded(doc)


@pytest.mark.parametrize("dump", [lambda d: to_yaml(d).encode(), to_json], ids=["yaml", "json"])
def test_a_file_of_zuoras_size_gives_the_result_of_the_small_one(large, dump):
    small, big = large
    data = dump(big)
    assert len(data) > 0.9 * REAL_FILE_CHARS
    assert len(big["paths"]) > 2000
    tracemalloc.start()
    try:
        parsed = parse_spec(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * len(data)  # the parsed document, not a copy per node
    assert check_drift(parsed) == check_drift(small)
    assert [d.kind for d in check_drift(parsed) if not d.covered] == ["stricter", "stricter"]
