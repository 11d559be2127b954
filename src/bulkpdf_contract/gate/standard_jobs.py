"""The standard jobs: export jobs the domain phase submits before the first check runs, so the
server works on them while other checks go on. A check names the ones it reads (``jobs=`` of
``@domain_check``) and waits for them; each is submitted once per run, however many checks read it.

``OUTPUT_JOBS`` are read for their ZIPs (names, documents, index formats) and need documents that
exist (the run's pool). ``SEEDED_JOBS`` each hold one special document (archived, or without a
PDF): one ``--documents`` marks as such, else one the plan seeds on a server that seeds.
``reference`` is a small job whose ID the requests about an existing job use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .context import REFERENCE, Context
from .documents import TargetDocument, groups, object_ids

LARGE, CSV, NO_INDEX = "large", "csv", "no-index"
OUTPUT_JOBS = (LARGE, CSV, NO_INDEX)
ARCHIVED_FAIL, ARCHIVED_SKIP = "archived-fail", "archived-skip"
MISSING_SKIP, MISSING_GENERATE = "missing-skip", "missing-generate"
SEEDED_JOBS = (ARCHIVED_FAIL, ARCHIVED_SKIP, MISSING_SKIP, MISSING_GENERATE)

Plan = tuple[dict[str, Any], list[str]]  # the request body, the object IDs its ZIPs must hold


@dataclass(frozen=True)
class StandardJob:
    """``build(ctx)`` plans the job (and records in ``ctx.seeded`` the documents it seeds);
    ``seeds``: whether the plan depends on the server seeding documents (or ``--documents``)."""

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
    ctx.seeded[object_id] = ctx.known[object_id] = doc
    return doc


def _body(ctx: Context, label: str, docs: list[TargetDocument], **fields: Any) -> Plan:
    body = {"documents": groups(docs), "fileName": ctx.name(label), "indexFileFormat": "JSON", **fields}
    return body, [d.id for d in docs]


def _large(ctx: Context) -> Plan:
    """More documents than one ZIP holds (as many as the pool has, up to that), in two groups on
    an open world, with a JSON index."""
    docs = ctx.documents(LARGE, ctx.contract.documents_per_zip + 50)
    if not ctx.pool.finite:
        split = (len(docs) * 2) // 3
        docs = docs[:split] + [TargetDocument(d.id, "CreditMemo") for d in docs[split:]]
    return _body(ctx, LARGE, docs, name="bulkpdf gate")


def _csv(ctx: Context) -> Plan:
    """Three documents with a CSV index; seeded when the server can and they are not known
    already, so the index rows are known."""
    docs = ctx.documents(CSV, 3)
    if ctx.seeding and not ctx.pool.finite:
        for doc in docs:
            seed_document(ctx, doc.id)
    return _body(ctx, CSV, docs, indexFileFormat="CSV")


def _no_index(ctx: Context) -> Plan:
    """Three documents with ``persistIndexFile`` false."""
    return _body(ctx, "noindex", ctx.documents(NO_INDEX, 3), persistIndexFile=False)


def _reference(ctx: Context) -> Plan:
    """Two documents, for a job ID to ask about."""
    return _body(ctx, "ref", ctx.documents(REFERENCE, 2))


def special_document(ctx: Context, label: str, **special: Any) -> TargetDocument:
    """A document in a special state: one ``--documents`` marks so, else one seeded for ``label``
    (a check needing one is skipped when neither can be had)."""
    marked = ctx.pool.archived if special.get("archived") else ctx.pool.without_pdf
    if marked:
        return marked[0]
    object_id = object_ids(f"{ctx.seed}/{label}/special", 1)[0]
    seed_document(ctx, object_id, **special)
    return TargetDocument(object_id, has_pdf=special.get("hasPdf", True), archived=special.get("archived", False))


def _with_special_document(label: str, flag_field: str, flag: bool, special: dict[str, Any],
                           special_expected: bool) -> Callable[[Context], Plan]:
    """A job of one special document (``special`` fields) and one normal one, with ``flag_field``
    set to ``flag``; the special one is expected in the ZIPs when ``special_expected``."""

    def build(ctx: Context) -> Plan:
        doc = special_document(ctx, label, **special)
        normal = [d for d in ctx.documents(label, 2) if d.id != doc.id][:1]
        if ctx.seeding and not ctx.pool.finite:
            for other in normal:
                seed_document(ctx, other.id)
        body, ids = _body(ctx, label, [doc, *normal], **{flag_field: flag})
        return body, ids if special_expected else ids[1:]

    return build


STANDARD_JOBS: dict[str, StandardJob] = {job.label: job for job in (
    StandardJob(REFERENCE, _reference),
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
