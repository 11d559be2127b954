"""The standard jobs: export jobs the domain phase submits before the first check runs, so the
server works on them while other checks go on. A check names the ones it reads (``jobs=`` of
``@domain_check``) and waits for them; each is submitted once per run, however many checks read it.

``OUTPUT_JOBS`` are read for their ZIPs (names, documents, index formats) and need nothing from the
server beyond the API. ``SEEDED_JOBS`` each hold one special document (archived, or without a PDF)
that only a server seeding documents has; their plan seeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .context import Context
from .edge_requests import object_ids, valid_body

LARGE, CSV, NO_INDEX = "large", "csv", "no-index"
OUTPUT_JOBS = (LARGE, CSV, NO_INDEX)
ARCHIVED_FAIL, ARCHIVED_SKIP = "archived-fail", "archived-skip"
MISSING_SKIP, MISSING_GENERATE = "missing-skip", "missing-generate"
SEEDED_JOBS = (ARCHIVED_FAIL, ARCHIVED_SKIP, MISSING_SKIP, MISSING_GENERATE)

Plan = tuple[dict[str, Any], list[str]]  # the request body, the object IDs its ZIPs must hold


@dataclass(frozen=True)
class StandardJob:
    """``build(ctx)`` plans the job (and records in ``ctx.seeded`` the documents it seeds);
    ``seeds``: whether the plan depends on the server seeding documents."""

    label: str
    build: Callable[[Context], Plan]
    seeds: bool = False


def seed_document(ctx: Context, object_id: str, **fields: Any) -> dict[str, Any]:
    """Record a document to seed for ``object_id`` (numbered in seeding order, unique to the run)."""
    n = len(ctx.seeded) + 1
    doc = {
        "docType": "Invoice", "id": object_id, "pdfFileName": f"gate-{ctx.seed[:6]}-{n:04d}.pdf",
        "hasPdf": True, "archived": False, "accountNumber": f"GATE{n:04d}",
        "documentNumber": f"INV-GATE-{ctx.seed[:6]}-{n:04d}", **fields,
    }
    ctx.seeded[object_id] = doc
    return doc


def _large(ctx: Context) -> Plan:
    """More documents than one ZIP holds, in two groups, with a JSON index."""
    ids = object_ids(f"{ctx.seed}/large", ctx.contract.documents_per_zip + 50)
    split = (len(ids) * 2) // 3
    body = {"documents": [{"docType": "Invoice", "objectIds": ids[:split]},
                          {"docType": "CreditMemo", "objectIds": ids[split:]}],
            "fileName": ctx.name(LARGE), "name": "bulkpdf gate", "indexFileFormat": "JSON"}
    return body, ids


def _csv(ctx: Context) -> Plan:
    """Three documents with a CSV index; seeded when the server can, so the index rows are known."""
    ids = object_ids(f"{ctx.seed}/csv", 3)
    if ctx.seeding:
        for i in ids:
            seed_document(ctx, i)
    return valid_body(f"{ctx.seed}/csv", 3, fileName=ctx.name(CSV), indexFileFormat="CSV"), ids


def _no_index(ctx: Context) -> Plan:
    """Three documents with ``persistIndexFile`` false."""
    ids = object_ids(f"{ctx.seed}/noindex", 3)
    return valid_body(f"{ctx.seed}/noindex", 3, fileName=ctx.name("noindex"), persistIndexFile=False), ids


def _with_special_document(label: str, flag_field: str, flag: bool, special: dict[str, Any],
                           special_expected: bool) -> Callable[[Context], Plan]:
    """A job of one special document (``special`` fields) and one normal one, with ``flag_field``
    set to ``flag``; the special one is expected in the ZIPs when ``special_expected``."""

    def build(ctx: Context) -> Plan:
        special_id, normal_id = object_ids(f"{ctx.seed}/{label}", 2)
        seed_document(ctx, special_id, **special)
        seed_document(ctx, normal_id)
        body = valid_body(f"{ctx.seed}/{label}", fileName=ctx.name(label), **{flag_field: flag})
        body["documents"][0]["objectIds"] = [special_id, normal_id]
        return body, [special_id, normal_id] if special_expected else [normal_id]

    return build


STANDARD_JOBS: dict[str, StandardJob] = {job.label: job for job in (
    StandardJob(LARGE, _large),
    StandardJob(CSV, _csv, seeds=True),
    StandardJob(NO_INDEX, _no_index),
    StandardJob(ARCHIVED_FAIL, _with_special_document(ARCHIVED_FAIL, "ignoreArchivedFiles", False,
                                                      {"archived": True}, False), seeds=True),
    StandardJob(ARCHIVED_SKIP, _with_special_document(ARCHIVED_SKIP, "ignoreArchivedFiles", True,
                                                      {"archived": True}, False), seeds=True),
    StandardJob(MISSING_SKIP, _with_special_document(MISSING_SKIP, "generateMissingPDF", False,
                                                     {"hasPdf": False}, False), seeds=True),
    StandardJob(MISSING_GENERATE, _with_special_document(MISSING_GENERATE, "generateMissingPDF", True,
                                                         {"hasPdf": False}, True), seeds=True),
)}
