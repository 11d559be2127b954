"""All edge families together: ``edge_cases()`` and the registry of families by name.

An edge case is either a plain :class:`~.model.Request` (a valid boundary: exactly at a limit,
an empty optional value, upper-case IDs, the maximum number of IDs) or a
:class:`~.model.Labelled` one that the validators must refuse with exactly its finding.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Callable, Iterable

from hypothesis import strategies as st

from ..spec import Contract, load_contract
from .document_edges import DOCUMENT_COUNT, DUPLICATE, document_counts, duplicate_documents
from .field_edges import (
    BOUNDARY, CHARSET, EMPTY, ENUM, MISSING_FIELD, PATTERN, UNKNOWN_FIELD, WRONG_TYPE, boundary_lengths,
    charset_violations, empty_values, enum_violations, missing_fields, pattern_violations,
    unknown_fields, wrong_types,
)
from .method_edges import METHOD, method_misuse
from .model import Labelled, Request

EdgeFamily = Callable[[Contract], st.SearchStrategy]

EDGE_FAMILIES: dict[str, EdgeFamily] = {
    BOUNDARY: boundary_lengths,
    CHARSET: charset_violations,
    DUPLICATE: duplicate_documents,
    WRONG_TYPE: wrong_types,
    MISSING_FIELD: missing_fields,
    UNKNOWN_FIELD: unknown_fields,
    ENUM: enum_violations,
    PATTERN: pattern_violations,
    EMPTY: empty_values,
    DOCUMENT_COUNT: document_counts,
    METHOD: method_misuse,
}


def edge_cases_by_family(
    contract: Contract | None = None, families: Iterable[str] | None = None
) -> st.SearchStrategy[tuple[str, Request | Labelled]]:
    """``(family name, example)`` pairs, for statistics and per-family reports."""
    contract = contract or load_contract()
    names = list(EDGE_FAMILIES if families is None else families)
    unknown = [n for n in names if n not in EDGE_FAMILIES]
    if unknown:
        raise ValueError(f"unknown edge families {unknown}; choose from {', '.join(EDGE_FAMILIES)}")
    return st.one_of([EDGE_FAMILIES[n](contract).map(lambda e, n=n: (n, e)) for n in names])


def edge_cases(
    contract: Contract | None = None, families: Iterable[str] | None = None
) -> st.SearchStrategy[Request | Labelled]:
    """Every edge family (or the named ones) in one strategy."""
    return edge_cases_by_family(contract, families).map(itemgetter(1))


def labelled_edge_cases(
    contract: Contract | None = None, families: Iterable[str] | None = None
) -> st.SearchStrategy[Labelled]:
    """Only the invalid, labelled edge cases (for checks that expect a rejection)."""
    return edge_cases(contract, families).filter(lambda e: isinstance(e, Labelled))
