"""Valid requests: every example passes the validators with no finding.

Typical examples are small (a few groups of a few IDs) so that the mock server and the gate
stay fast; one body in about ``LARGE_ODDS`` lists more IDs than one ZIP file holds, and
``large=True``/``False`` forces or forbids that.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from ..spec import JOB_PATH, Contract, load_contract
from .bound import composite
from .limits import fixed_shape
from .model import Request
from .values import ID_SEEDS, LARGE_ODDS, file_names, from_schema, id_sequence, job_names, object_id_strategy

# Typical requests stay small: at most this many IDs per group unless the body is large.
SMALL_IDS_PER_GROUP = 8
# One in REPEAT_ODDS bodies has a docType in two groups (allowed, but unusual).
REPEAT_ODDS = 6
# A large body lists up to this many ZIP files' worth of IDs.
LARGE_ZIPS = 3


def _ids_schema(contract: Contract) -> dict[str, Any]:
    return contract.property_schema("documents", "items", "objectIds", "items")


def allows_upper(schema: dict[str, Any]) -> bool:
    """Whether the object-ID pattern accepts upper-case hex (the validators compare case-insensitively)."""
    shape = fixed_shape(schema.get("pattern", ""))
    return shape is not None and set("ABCDEF") <= set(shape.alphabet)


def split_groups(draw, ids: list[str], doc_types: list[str], min_per_group: int) -> list[dict[str, Any]]:
    """Spread ``ids`` over one group per doc type, each group at least ``min_per_group`` long."""
    groups = len(doc_types)
    spare = len(ids) - groups * min_per_group
    cuts = sorted(draw(st.lists(st.integers(0, spare), min_size=groups - 1, max_size=groups - 1)))
    bounds = [0] + [c + (k + 1) * min_per_group for k, c in enumerate(cuts)] + [len(ids)]
    return [
        {"docType": doc_type, "objectIds": ids[start:end]}
        for doc_type, start, end in zip(doc_types, bounds, bounds[1:])
    ]


@functools.lru_cache(maxsize=32)
def group_limits(contract: Contract) -> tuple[tuple[str, ...], int, int, int]:
    """(docType enum, minimum IDs per group, fewest and most groups of a typical valid body)."""
    docs = contract.property_schema("documents")
    doc_types = tuple(contract.property_schema("documents", "items", "docType")["enum"])
    per_group = max(1, contract.property_schema("documents", "items", "objectIds").get("minItems", 1))
    least = max(1, docs.get("minItems", 1))
    most = min(docs.get("maxItems", len(doc_types) + 1), len(doc_types) + 1,
               contract.max_object_ids // per_group)
    return doc_types, per_group, least, max(most, least)


@composite
def _documents(draw, contract: Contract, large: bool | None, types: st.SearchStrategy) -> list[dict[str, Any]]:
    doc_types, per_group, _, most = group_limits(contract)
    chosen = draw(types)
    if len(chosen) < most and draw(st.integers(1, REPEAT_ODDS)) == REPEAT_ODDS:
        chosen.append(chosen[draw(st.integers(0, len(chosen) - 1))])  # the same docType twice
    schema = _ids_schema(contract)
    if large is None:
        large = draw(st.integers(1, LARGE_ODDS)) == LARGE_ODDS
    floor = len(chosen) * per_group
    limit = contract.max_object_ids
    if large and contract.documents_per_zip < limit:
        top = min(limit, LARGE_ZIPS * contract.documents_per_zip)
        count = draw(st.integers(max(floor, contract.documents_per_zip + 1), top))
    else:
        count = draw(st.integers(floor, min(limit, len(chosen) * SMALL_IDS_PER_GROUP)))
    ids = id_sequence(schema, count, draw(st.integers(0, ID_SEEDS - 1)))
    if allows_upper(schema) and draw(st.integers(0, 7)) == 7:
        ids = [i.upper() for i in ids]
    return split_groups(draw, ids, chosen, per_group)


def documents(contract: Contract, large: bool | None = None) -> st.SearchStrategy[list[dict[str, Any]]]:
    """One group per docType for a few of them (sometimes a docType in two groups), distinct IDs."""
    doc_types, _, least, most = group_limits(contract)
    distinct = st.lists(st.sampled_from(doc_types), min_size=least, max_size=min(most, len(doc_types)), unique=True)
    return _documents(contract, large, distinct)


def _property(contract: Contract, name: str, schema: dict[str, Any], large: bool | None):
    if name == "documents":
        return documents(contract, large)
    if name == "fileName":
        return file_names(schema)
    if name == "name":
        return job_names(schema)
    return from_schema(schema)


@functools.lru_cache(maxsize=64)
def _valid_bodies(contract: Contract, large: bool | None) -> st.SearchStrategy[dict[str, Any]]:
    schema = contract.request_schema()
    required = set(schema.get("required", ()))
    fields = {n: _property(contract, n, s, large) for n, s in schema["properties"].items()}
    return st.fixed_dictionaries(
        {n: s for n, s in fields.items() if n in required},
        optional={n: s for n, s in fields.items() if n not in required},
    )


def valid_bodies(contract: Contract | None = None, *, large: bool | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST bodies; ``large`` forces (True) or forbids (False) more IDs than one ZIP holds."""
    return _valid_bodies(contract or load_contract(), large)


@functools.lru_cache(maxsize=64)
def _valid_headers(contract: Contract, method: str) -> st.SearchStrategy[dict[str, str]]:
    params = contract.header_parameters(method)
    fields = {n: from_schema(p["schema"], header=n) for n, p in params.items()}
    return st.fixed_dictionaries(
        {n: s for n, s in fields.items() if params[n].get("required")},
        optional={n: s for n, s in fields.items() if not params[n].get("required")},
    )


def valid_headers(contract: Contract | None = None, method: str = "POST") -> st.SearchStrategy[dict[str, str]]:
    """The spec's request headers of ``method`` (canonical names), each sometimes present."""
    contract = contract or load_contract()
    if contract.operation(method) is None:
        raise ValueError(f"{method} is not an operation of the contract; use POST or GET")
    return _valid_headers(contract, method.upper())


def object_ids(contract: Contract | None = None) -> st.SearchStrategy[str]:
    """Single Zuora-like object IDs of the spec's shape (lowercase hex)."""
    return object_id_strategy(_ids_schema(contract or load_contract()))


def job_paths(contract: Contract | None = None) -> st.SearchStrategy[str]:
    """``/v1/operations/bulk-pdf/<jobId>`` with a Zuora-like 32-hex job ID."""
    contract = contract or load_contract()
    return object_id_strategy(_ids_schema(contract)).map(lambda j: JOB_PATH.replace("{jobId}", j))


@functools.lru_cache(maxsize=64)
def _valid_requests(contract: Contract, methods: tuple[str, ...], large: bool | None) -> st.SearchStrategy[Request]:
    options = []
    for method in methods:
        if method == "POST":
            options.append(st.builds(Request, st.just("POST"), _valid_headers(contract, "POST"),
                                     _valid_bodies(contract, large)))
        elif method == "GET":
            options.append(st.builds(Request, st.just("GET"), _valid_headers(contract, "GET"),
                                     st.none(), job_paths(contract)))
        else:
            raise ValueError(f"{method} is not an operation of the contract; use POST or GET")
    return st.one_of(options)


def valid_requests(
    contract: Contract | None = None,
    *,
    methods: tuple[str, ...] = ("POST", "GET"),
    large: bool | None = None,
) -> st.SearchStrategy[Request]:
    """Valid requests of ``methods``: a POST with headers and body, or a GET poll of a job."""
    return _valid_requests(contract or load_contract(), tuple(m.upper() for m in methods), large)
