"""Domain checks of documents in a special state (archived, without a PDF): ones ``--documents``
marks as such, or ones the gate seeds on a server that seeds documents: the ``SEEDED_JOBS``. A
document's PDF is recognised in a ZIP by its name when that is known, else by the ZIP's count."""

from __future__ import annotations

from ..archives import zipped_pdfs
from ..context import Broken, Context, Job
from ..registry import ARCHIVED, WITHOUT_PDF, domain_check
from ..standard_jobs import ARCHIVED_FAIL, ARCHIVED_SKIP, MISSING_GENERATE, MISSING_SKIP


def zipped(ctx: Context, job: Job, object_id: str) -> bool:
    """Whether the job's ZIPs hold the document: by its known PDF name, else by the count (the
    special document is the only one of a job that can be left out)."""
    pdfs = zipped_pdfs(job.zips)
    name = ctx.known.get(object_id, {}).get("pdfFileName")
    if name is not None:
        return name in pdfs
    return len(pdfs) == sum(len(group["objectIds"]) for group in job.body["documents"])


@domain_check(jobs=(ARCHIVED_FAIL, ARCHIVED_SKIP), needs=(ARCHIVED,))
def check_archived_documents(ctx: Context) -> str:
    """An archived PDF fails the job; with ignoreArchivedFiles it is skipped into skippedDocuments."""
    failing = ctx.wait(ARCHIVED_FAIL)
    if failing.status in ctx.contract.succeeded_statuses:
        raise Broken(f"a job with an archived document and ignoreArchivedFiles false ended {failing.status!r}",
                     failing.submit, failing.last_poll)
    skipping = ctx.wait(ARCHIVED_SKIP)
    if skipping.status != "Completed":
        raise Broken(f"a job with ignoreArchivedFiles true ended {skipping.status!r}", skipping.submit,
                     skipping.last_poll)
    archived = skipping.body["documents"][0]["objectIds"][0]
    skipped = [i.lower() for g in (skipping.last_poll.json().get("skippedDocuments") or [])
               for i in (g.get("objectIds") or [])]
    if archived.lower() not in skipped:
        raise Broken(f"the archived document {archived} is not in skippedDocuments", skipping.submit,
                     skipping.last_poll)
    if zipped(ctx, skipping, archived):
        raise Broken("the skipped archived document is in the ZIP", skipping.submit, skipping.last_poll)
    return f"failed as {failing.status!r}; skipped with ignoreArchivedFiles"


@domain_check(jobs=(MISSING_SKIP, MISSING_GENERATE), needs=(WITHOUT_PDF,))
def check_missing_pdfs(ctx: Context) -> str:
    """Without generateMissingPDF a document without a PDF is listed in invalidIds and left out;
    with it, its PDF is generated and zipped."""
    skip = ctx.wait(MISSING_SKIP)
    missing = skip.body["documents"][0]["objectIds"][0]
    invalid = [str(i).lower() for i in (skip.submit.json().get("invalidIds") or [])]
    if missing.lower() not in invalid:
        raise Broken(f"the document without a PDF ({missing}) is not in invalidIds {invalid}", skip.submit)
    if zipped(ctx, skip, missing):
        raise Broken("a document listed as invalid was zipped anyway", skip.submit, skip.last_poll)
    generate = ctx.wait(MISSING_GENERATE)
    if generate.status != "Completed":
        raise Broken(f"a job with generateMissingPDF true ended {generate.status!r}", generate.submit,
                     generate.last_poll)
    if not zipped(ctx, generate, generate.body["documents"][0]["objectIds"][0]):
        raise Broken("with generateMissingPDF true the missing PDF was not generated into the ZIP",
                     generate.submit, generate.last_poll)
    return "invalidIds without, generated with generateMissingPDF"
