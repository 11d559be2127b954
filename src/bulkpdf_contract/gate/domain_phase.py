"""The domain phase of a gate run: find out what the server can do, plan and submit the standard
jobs the selected checks read, run the checks in registry order, clean up.

Jobs are submitted before the first check runs, so the server exports them while the other checks
go on; the checks that read their output wait for them. A check whose preconditions are unmet
gets no jobs and is reported as skipped with the precondition's reason. Whether the server seeds
documents is asked (``GET /_mock/capabilities`` answering ``{"seeding": true}``) only when a
selected check or one of its jobs depends on it; documents the gate seeds are removed at the end.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from .checks import DOMAIN_CHECKS
from .context import Broken, Context, Skip
from .http import Http
from .registry import ARCHIVED, JOB_BUDGET, SEEDING, WITHOUT_PDF, DomainCheck
from .report import FAILED, PASSED, SKIPPED, CheckResult
from .standard_jobs import STANDARD_JOBS

SOURCE = "domain"
DOCUMENTS_PATH = "/_mock/documents"


def probe_capabilities(http: Http) -> dict[str, Any]:
    """What the server says it can do (the mock's own extension, ``GET /_mock/capabilities``);
    any other answer means nothing: no seeding, world unknown."""
    exchange = http.send("GET", "/_mock/capabilities")
    body = exchange.json()
    return body if exchange.status == 200 and isinstance(body, dict) else {}


def probe_seeding(http: Http) -> bool:
    """Whether the server seeds documents."""
    return probe_capabilities(http).get("seeding") is True


def run_domain_checks(
    ctx: Context, checks: Iterable[DomainCheck] = DOMAIN_CHECKS, progress: Callable[[str], None] = print,
    reserved_jobs: int = 0,
) -> list[CheckResult]:
    """Run ``checks`` in order (submitting their jobs first); one result each. ``reserved_jobs``
    of the job budget are kept for others (schemathesis' positive POSTs)."""
    checks = tuple(checks)
    if ctx.seeding is None:
        seeds = (SEEDING, ARCHIVED, WITHOUT_PDF)
        if any(set(seeds) & set(c.needs) or any(STANDARD_JOBS[label].seeds for label in c.jobs) for c in checks):
            ctx.seeding = probe_seeding(ctx.http)
    ctx.funded = fund_checks(ctx, checks, reserved_jobs)
    if ctx.funded is not None:
        unfunded = [c.name for c in checks if c.unmet(ctx) == JOB_BUDGET.why(ctx, c)]
        progress(f"  domain: --max-jobs {ctx.budget.limit}: {len(unfunded)} check(s) left out to keep it"
                 + (f" ({', '.join(unfunded)})" if unfunded else ""))
    plans = plan_jobs(ctx, jobs_needed(ctx, checks))
    results: list[CheckResult] = []
    try:
        _seed_documents(ctx, progress)
        needed = jobs_needed(ctx, checks)  # again: a failed seeding leaves checks unmet
        for label, (body, expected) in plans.items():
            if label in needed:
                ctx.submit(label, body, expected)
        for check in checks:
            results.append(run_check(ctx, check, progress))
    finally:
        if ctx.seeded and ctx.seeding:
            ctx.http.send("DELETE", DOCUMENTS_PATH, json=list(ctx.seeded))
    return results


def fund_checks(ctx: Context, checks: Iterable[DomainCheck], reserved_jobs: int = 0) -> set[str] | None:
    """The checks the job budget pays for (None: an unlimited budget pays for all).

    Greedy, best value first: a check's cost is the jobs it adds (a standard job already paid
    for is free to its next reader), its value itself plus the checks its standard jobs would
    then pay for entirely (the ZIP checks ride on the output jobs); ties go in report order. A
    check left out is skipped by the budget precondition.
    """
    if ctx.budget.limit is None:
        return None
    ctx.funded = None  # while planning, the budget is no precondition
    left = ctx.budget.limit - reserved_jobs - ctx.budget.count
    paid: set[str] = set()
    funded = {c.name for c in checks if not (c.jobs or c.creates)}
    candidates = [c for c in checks if c.name not in funded and c.unmet(ctx) is None]

    def cost(check: DomainCheck) -> int:
        standard = len(set(check.jobs) - paid) if ctx.pool.exists else 0
        return standard + check.own_jobs(ctx)

    def value(check: DomainCheck) -> float:
        riders = sum(1 for c in candidates if c is not check and not c.own_jobs(ctx) and set(c.jobs) <= set(check.jobs))
        return cost(check) / (1 + riders)

    while candidates:
        best = min(candidates, key=value)
        if cost(best) > left:
            candidates.remove(best)  # a cheaper one may still fit
            continue
        left -= cost(best)
        paid |= set(best.jobs)
        funded.add(best.name)
        candidates.remove(best)
    return funded


def jobs_needed(ctx: Context, checks: Iterable[DomainCheck]) -> set[str]:
    """The standard jobs read by the checks whose preconditions ``ctx`` meets (none when the
    target's documents are unknown: every standard job names some)."""
    if not ctx.pool.exists:
        return set()
    return {label for c in checks if c.unmet(ctx) is None for label in c.jobs}


def plan_jobs(ctx: Context, labels: set[str]) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Body and expected object IDs of each job in ``labels``, in the standard jobs' order (which
    is also the order documents are seeded and numbered in)."""
    return {label: job.build(ctx) for label, job in STANDARD_JOBS.items() if label in labels}


def _seed_documents(ctx: Context, progress: Callable[[str], None]) -> None:
    """Seed the planned documents; when the server refuses, it holds none of them, so the checks
    must not expect them either (the output jobs then judge the server's own documents)."""
    if not ctx.seeded:
        return
    seeded = ctx.http.send("POST", DOCUMENTS_PATH, json=list(ctx.seeded.values()))
    if seeded.status != 200:
        ctx.seeding = False
        for object_id in ctx.seeded:
            ctx.known.pop(object_id, None)
        ctx.seeded.clear()
        progress(f"  domain: seeding documents failed ({seeded.status}); seeded checks are skipped")


def run_check(ctx: Context, check: DomainCheck, progress: Callable[[str], None]) -> CheckResult:
    """One check's result: passed with its detail, failed with the requests that show it, or skipped."""
    started = time.monotonic()
    before = len(ctx.http.transcript)
    result = CheckResult(check.name, SOURCE, PASSED)
    try:
        reason = check.unmet(ctx)
        if reason is not None:
            raise Skip(reason)
        result.detail = check.run(ctx)
    except Broken as exc:
        result.status, result.detail = FAILED, str(exc)
        result.curl = "\n".join(e.curl(ctx.token) for e in exc.exchanges) or None
        result.failures = 1
    except Skip as exc:
        result.status, result.detail = SKIPPED, str(exc)
    except Exception as exc:  # the server answered something the check could not even read
        result.status, result.detail = FAILED, f"{type(exc).__name__}: {exc}"
        last = ctx.http.transcript[-1] if len(ctx.http.transcript) > before else None
        result.curl = last.curl(ctx.token) if last is not None else None
        result.failures = 1
    result.duration = time.monotonic() - started
    result.requests = len(ctx.http.transcript) - before
    progress(f"  domain       {check.name:<22} {result.status.upper():<7} {result.duration:5.1f}s  "
             f"{result.detail.splitlines()[0] if result.detail else ''}"[:160])
    return result
