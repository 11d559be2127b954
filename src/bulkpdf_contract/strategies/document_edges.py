"""Edge families of the ``documents`` list: duplicate IDs and PDF file names, and ID counts."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from ..spec import Contract, load_contract
from ..validators import pointer_of
from .bound import composite
from .model import Labelled, Request
from .placement import base_request, verdict
from .valid import allows_upper, group_limits, split_groups
from .values import ID_SEEDS, id_sequence, object_id_strategy

DUPLICATE = "duplicate"
DOCUMENT_COUNT = "document-count"

# How Zuora-like PDF names start, per docType (the number follows).
_PDF_PREFIX = {"Invoice": "INV", "CreditMemo": "CM", "DebitMemo": "DM"}


def _ids_schema(contract: Contract) -> dict[str, Any]:
    return contract.property_schema("documents", "items", "objectIds", "items")


def _positions(body: dict[str, Any]) -> list[tuple[int, int]]:
    return [(g, i) for g, group in enumerate(body["documents"]) for i in range(len(group["objectIds"]))]


def _pointer(position: tuple[int, int]) -> str:
    return pointer_of(("documents", position[0], "objectIds", position[1]))


@composite
def _duplicate_id(draw, contract: Contract, across: bool, other_case: bool) -> Labelled:
    """An ID listed again, in its own group or another one, maybe in the other letter case; the
    validators point at whichever occurrence comes second."""
    request = base_request(draw, contract)
    body = copy.deepcopy(request.body)
    docs = body["documents"]
    assume(len(_positions(body)) < contract.max_object_ids)
    g = draw(st.integers(0, len(docs) - 1))
    i = draw(st.integers(0, len(docs[g]["objectIds"]) - 1))
    original = docs[g]["objectIds"][i]
    again = original.swapcase() if other_case else original
    if across:
        if len(docs) == 1:
            doc_types = group_limits(contract)[0]
            docs.append({"docType": draw(st.sampled_from(doc_types)), "objectIds": []})
            h = 1
        else:
            h = draw(st.integers(0, len(docs) - 2))
            h += h >= g
        j = draw(st.integers(0, len(docs[h]["objectIds"])))
        docs[h]["objectIds"].insert(j, again)
        second = max((g, i), (h, j))
    else:
        j = draw(st.integers(0, len(docs[g]["objectIds"])))
        docs[g]["objectIds"].insert(j, again)
        second = (g, max(j, i + (j <= i)))
    return Labelled(replace(request, body=body), "documents.duplicate-object-id", _pointer(second), family=DUPLICATE)


@composite
def _duplicate_file_name(draw, contract: Contract, fresh_ids: st.SearchStrategy[str]) -> Labelled:
    """Distinct IDs that a file-name mapping gives the same PDF name (``INV00001234.pdf``)."""
    request = base_request(draw, contract)
    body = copy.deepcopy(request.body)
    docs = body["documents"]
    if len(_positions(body)) < 2:
        taken = {i.lower() for group in docs for i in group["objectIds"]}
        fresh = draw(fresh_ids)
        assume(fresh.lower() not in taken)
        docs[0]["objectIds"].append(fresh)
    positions = _positions(body)
    assume(len(positions) <= contract.max_object_ids)
    start = draw(st.integers(1, 10**7))
    names = {}
    for n, (g, i) in enumerate(positions):
        prefix = _PDF_PREFIX.get(docs[g]["docType"], str(docs[g]["docType"])[:3].upper())
        names[docs[g]["objectIds"][i]] = f"{prefix}{start + n:08d}.pdf"
    a = draw(st.integers(0, len(positions) - 2))
    b = draw(st.integers(a + 1, len(positions) - 1))
    first, second = positions[a], positions[b]
    first_id, second_id = (docs[p[0]]["objectIds"][p[1]] for p in (first, second))
    names[second_id] = names[first_id]
    return Labelled(replace(request, body=body), "documents.duplicate-pdf-file-name", _pointer(second),
                    file_names=names, family=DUPLICATE)


def duplicate_documents(contract: Contract | None = None) -> st.SearchStrategy[Labelled]:
    """The same objectId twice in a group, in two groups, in two letter cases
    (``documents.duplicate-object-id``), and two IDs with one PDF file name
    (``documents.duplicate-pdf-file-name``, with the ``file_names`` mapping)."""
    contract = contract or load_contract()
    options = [_duplicate_id(contract, across, False) for across in (False, True)]
    if allows_upper(_ids_schema(contract)):
        options += [_duplicate_id(contract, across, True) for across in (False, True)]
    options.append(_duplicate_file_name(contract, object_id_strategy(_ids_schema(contract))))
    return st.one_of(options)


@composite
def _counted(draw, contract: Contract, low: int, high: int, groups: tuple[int, int]) -> Request | Labelled:
    """A body with ``low..high`` distinct IDs in ``groups[0]..groups[1]`` groups."""
    request = base_request(draw, contract)
    doc_types, per_group, _, _ = group_limits(contract)
    total = draw(st.integers(low, high))
    count = draw(st.integers(min(groups[0], total // per_group), min(groups[1], total // per_group)))
    types = draw(st.lists(st.sampled_from(doc_types), min_size=count, max_size=count))
    ids = id_sequence(_ids_schema(contract), total, draw(st.integers(0, ID_SEEDS - 1)))
    body = {**request.body, "documents": split_groups(draw, ids, types, per_group)}
    over = total > contract.max_object_ids
    return verdict(replace(request, body=body), "documents.too-many-object-ids" if over else None,
                   "/documents", DOCUMENT_COUNT)


def document_counts(contract: Contract | None = None, *, heavy: bool = True) -> st.SearchStrategy[Request | Labelled]:
    """Large ID lists: many small groups and several ZIP files' worth (valid), and with
    ``heavy`` exactly the per-request maximum (valid) and more (``documents.too-many-object-ids``).

    The heavy cases hold 50,000 IDs with the shipped spec; leave them out where each example
    costs real work (a server that builds the ZIP files)."""
    contract = contract or load_contract()
    limit, per_zip = contract.max_object_ids, contract.documents_per_zip
    per_group = group_limits(contract)[1]
    options = [
        _counted(contract, min(limit, 20 * per_group), min(limit, 400 * per_group), (20, 200)),
        _counted(contract, min(limit, per_zip + 1), min(limit, 3 * per_zip), (1, 3)),
    ]
    if heavy:
        options += [_counted(contract, limit, limit, (1, 3)), _counted(contract, limit + 1, limit + per_zip, (1, 3))]
    return st.one_of(options)
