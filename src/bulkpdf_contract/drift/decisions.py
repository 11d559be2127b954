"""Differences matched to the fragment's decision records, by pointer; unmatched records are stale.

A record covers exact fragment pointers (``Decision.covers``), so a difference is decided only
when its ``where`` is one of them: a new difference next to a decided one (another enum value,
another required field) stays undecided.
"""

from __future__ import annotations

from ..spec import Contract
from .model import Difference


def apply_decisions(differences: list[Difference], contract: Contract) -> list[Difference]:
    """``differences`` with their decision ids, then one ``stale`` entry per covered pointer
    that no difference has."""
    out = []
    matched = set()
    for difference in differences:
        decision = contract.decision_covering(difference.where) if difference.where else None
        if decision is not None:
            matched.add(difference.where)
        out.append(difference.decided(decision.id if decision else None))
    for decision in contract.decisions():
        for pointer in decision.covers:
            if pointer not in matched:
                out.append(Difference(
                    pointer, None, "stale",
                    f"decision {decision.id} covers {pointer}, but Zuora's file no longer differs "
                    "there: update or remove the record.",
                    decision.id,
                ))
    return out
