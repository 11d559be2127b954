"""``bulkpdf drift``: the fragment held against Zuora's published OpenAPI file.

``check_drift(published)`` compares the fragment's operations (``POST /v1/operations/bulk-pdf``,
``GET /v1/operations/bulk-pdf/{jobId}``, ``POST /oauth/token``) with Zuora's, constraint by
constraint, and returns every :class:`Difference`, each with the id of the decision record that
covers it or None, followed by the records that no longer match anything (``stale``).
"""

from __future__ import annotations

from typing import Any

from ..spec import Contract, load_contract
from .decisions import apply_decisions
from .document import Document, DriftError
from .examples import compare_url_lifetime
from .load import parse_spec, read_spec
from .model import KINDS, Comparison, Difference
from .operations import compare_operations


def check_drift(published: Any, contract: Contract | None = None, label: str = "SPEC") -> list[Difference]:
    """Every difference between ``contract`` (default: the shipped fragment) and ``published``,
    a parsed copy of Zuora's file; raises DriftError when ``published`` cannot be used."""
    contract = contract or load_contract()
    comparison = Comparison(Document(contract.spec, "the fragment"), Document(published, label))
    compare_operations(comparison)
    compare_url_lifetime(comparison)
    return apply_decisions(comparison.found, contract)


def failed(differences: list[Difference]) -> bool:
    """Whether any difference lacks a decision, or any decision is stale (exit code 1)."""
    return any(not d.covered for d in differences)


__all__ = ["KINDS", "Difference", "DriftError", "check_drift", "failed", "parse_spec", "read_spec"]
