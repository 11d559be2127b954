"""Domain checks of what the output jobs produce: they complete, and their ZIPs are named, filled
and indexed as requested."""

from __future__ import annotations

from ..archives import file_name, index_entries, pdfs, read_index
from ..context import Broken, Context
from ..registry import DOCUMENTS, domain_check
from ..standard_jobs import LARGE, OUTPUT_JOBS


@domain_check(jobs=OUTPUT_JOBS, needs=(DOCUMENTS,))
def check_job_completes(ctx: Context) -> str:
    """Each submitted job reaches Completed within the timeout."""
    finished = []
    for label in OUTPUT_JOBS:
        job = ctx.wait(label)
        if job.status != "Completed":
            reasons = (job.last_poll.json() or {}).get("reasons")
            raise Broken(f"job {label!r} ended {job.status!r}, not 'Completed'"
                         + (f": {reasons}" if reasons else ""), job.submit, job.last_poll)
        finished.append(f"{label} ({len(job.expected)} documents)")
    return ", ".join(finished)


@domain_check(jobs=OUTPUT_JOBS, needs=(DOCUMENTS,))
def check_zip_names(ctx: Context) -> str:
    """``fileUrls`` name the ZIPs ``<fileName>_<n>.zip``, n = 1.. ceil(documents / per-zip limit)."""
    for label in OUTPUT_JOBS:
        job = ctx.completed(label)
        expected = ctx.contract.zip_file_names(job.body["fileName"], len(job.expected))
        names = [file_name(url) for url, _, _ in job.zips]
        if names != expected:
            raise Broken(f"job {label!r} ({len(job.expected)} documents) has files {names}; expected {expected}",
                         job.submit, job.last_poll)
    return f"{len(ctx.jobs[LARGE].zips)} ZIPs for {len(ctx.jobs[LARGE].expected)} documents"


@domain_check(jobs=OUTPUT_JOBS, needs=(DOCUMENTS,))
def check_zip_documents(ctx: Context) -> str:
    """Each ZIP downloads without the token, holds at most the per-zip limit, and together they hold
    exactly the requested documents as PDFs (named as known, when their names are: seeded or in --documents)."""
    per_zip = ctx.contract.documents_per_zip
    for label in OUTPUT_JOBS:
        job = ctx.completed(label)
        total: list[str] = []
        for url, exchange, archive in job.zips:
            if archive is None:
                raise Broken(f"{file_name(url)} of job {label!r} is not a ZIP file ({exchange.status})", exchange)
            names = pdfs(archive)
            if len(names) > per_zip:
                raise Broken(f"{file_name(url)} of job {label!r} holds {len(names)} documents; "
                             f"at most {per_zip} are allowed", job.submit, exchange)
            for name in names[:5]:
                if not archive.read(name).startswith(b"%PDF-"):
                    raise Broken(f"{name} in {file_name(url)} is not a PDF", exchange)
            total += names
        if len(total) != len(job.expected) or len(set(total)) != len(total):
            raise Broken(f"job {label!r} asked for {len(job.expected)} documents; its ZIPs hold {len(total)} PDFs "
                         f"({len(set(total))} distinct names)", job.submit, job.last_poll)
        named = [ctx.known[i]["pdfFileName"] for i in job.expected if "pdfFileName" in ctx.known.get(i, {})]
        if not set(named) <= set(total):  # the counts match already: all named is all the same
            raise Broken(f"job {label!r}: the ZIP holds {sorted(total)}; the documents are {sorted(named)}",
                         job.submit, job.last_poll)
    return "PDF counts and names match the requests"


@domain_check(jobs=OUTPUT_JOBS, needs=(DOCUMENTS,))
def check_zip_index(ctx: Context) -> str:
    """Each ZIP has one index in the requested format listing its PDFs; none when persistIndexFile is false."""
    for label in OUTPUT_JOBS:
        job = ctx.completed(label)
        wanted = job.body["indexFileFormat"] if job.body.get("persistIndexFile", True) else None
        for url, exchange, archive in job.zips:
            if archive is None:
                raise Broken(f"{file_name(url)} of job {label!r} is not a ZIP file", exchange)
            entries = index_entries(archive)
            if wanted is None:
                if entries:
                    raise Broken(f"job {label!r} asked for no index (persistIndexFile false); "
                                 f"{file_name(url)} holds {entries}", job.submit)
                continue
            if len(entries) != 1:
                raise Broken(f"{file_name(url)} of job {label!r} should hold one {wanted} index; it holds {entries}",
                             job.submit)
            found, rows = read_index(archive, entries[0], ctx.contract.index_columns)
            if found != wanted:
                raise Broken(f"job {label!r} asked for a {wanted} index; {file_name(url)} holds "
                             f"{entries[0]!r} in {found} format", job.submit)
            listed = sorted(r.get("pdfFileName", "") for r in rows)
            if listed != sorted(pdfs(archive)) or any(set(ctx.contract.index_columns) - set(r) for r in rows):
                raise Broken(f"the {wanted} index of {file_name(url)} (job {label!r}) does not list exactly its "
                             f"PDFs with the six columns", job.submit)
            named = {ctx.known[i]["pdfFileName"]: ctx.known[i] for i in job.expected
                     if "pdfFileName" in ctx.known.get(i, {})}
            for row in rows:
                doc = named.get(row.get("pdfFileName"), {})
                if any(row.get(f) != doc[f] for f in ("accountNumber", "documentNumber") if f in doc):
                    raise Broken(f"index row {row} does not match the document {doc}", job.submit)
    return "JSON, CSV and no index as requested"
