"""The domain phase against the real mock over HTTP: checks with unmet preconditions are skipped
with their reason and get no jobs; satisfied ones get their jobs (once, however many read them)
and run; a seeding that fails turns the seeded checks into skips. Dummy checks live in registries
of their own, never the global one."""

from __future__ import annotations

import pytest

from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.context import Context
from bulkpdf_contract.gate.domain_phase import DOCUMENTS_PATH, plan_jobs, run_domain_checks
from bulkpdf_contract.gate.http import Http
from bulkpdf_contract.gate.context import REFERENCE
from bulkpdf_contract.gate.registry import ARCHIVED, WITHOUT_PDF, Precondition, Registry
from bulkpdf_contract.gate.report import FAILED, PASSED, SKIPPED
from bulkpdf_contract.gate.standard_jobs import CSV, NO_INDEX, OUTPUT_JOBS, SEEDED_JOBS, STANDARD_JOBS
from bulkpdf_contract.mock import create_app, run_server
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

TOKEN = "domain-phase-token"


@pytest.fixture(scope="module")
def server():
    with run_server(token=TOKEN) as running:
        yield running


def context(url: str) -> Context:
    return Context(Http(url, TOKEN), load_contract(), job_timeout=30)


def submitted(ctx: Context) -> list[str]:
    return [e.url for e in ctx.http.transcript if e.method == "POST" and e.url.endswith(COLLECTION_PATH)]


def flag(met: bool) -> Precondition:
    return Precondition("needs the flag", "needs the flag (set by the test)", lambda ctx, check: met)


def dummy_registry(met: bool, calls: list[str]) -> Registry:
    registry = Registry()

    @registry.register(jobs=(NO_INDEX,), needs=(flag(met),))
    def check_reads_a_job(ctx):
        calls.append("reads_a_job")
        job = ctx.completed(NO_INDEX)
        return f"{len(job.zips)} ZIP(s) of {len(job.expected)} documents"

    @registry.register(jobs=(NO_INDEX,))
    def check_reads_it_too(ctx):
        calls.append("reads_it_too")
        return f"job {ctx.wait(NO_INDEX).status}"

    return registry


def test_an_unmet_precondition_skips_the_check_with_its_reason_and_plans_no_job_for_it(server):
    calls: list[str] = []
    ctx = context(server.url)
    lines: list[str] = []
    [skipped] = run_domain_checks(ctx, dummy_registry(False, calls).checks[:1], lines.append)
    assert (skipped.name, skipped.status, skipped.detail) == ("reads_a_job", SKIPPED,
                                                              "needs the flag (set by the test)")
    assert calls == [] and ctx.jobs == {} and ctx.http.transcript == []
    assert any("reads_a_job" in line and "SKIPPED" in line for line in lines)
    ctx.http.close()


def test_a_job_is_still_submitted_for_a_reader_that_can_run(server):
    calls: list[str] = []
    ctx = context(server.url)
    skipped, other = run_domain_checks(ctx, dummy_registry(False, calls).checks, progress=lambda line: None)
    assert skipped.status == SKIPPED and skipped.requests == 0
    assert (other.status, other.detail) == (PASSED, "job Completed")
    assert calls == ["reads_it_too"]
    assert list(ctx.jobs) == [NO_INDEX] and len(submitted(ctx)) == 1
    ctx.http.close()


def test_a_met_precondition_runs_the_check_on_its_job(server):
    calls: list[str] = []
    ctx = context(server.url)
    results = run_domain_checks(ctx, dummy_registry(True, calls).checks, progress=lambda line: None)
    assert [(r.name, r.status) for r in results] == [("reads_a_job", PASSED), ("reads_it_too", PASSED)]
    assert results[0].detail == "1 ZIP(s) of 3 documents"
    assert calls == ["reads_a_job", "reads_it_too"]
    assert list(ctx.jobs) == [NO_INDEX] and len(submitted(ctx)) == 1  # one job for both readers
    ctx.http.close()


def test_checks_without_jobs_or_seeding_needs_send_nothing_before_they_run(server):
    registry = Registry()
    registry.register(lambda ctx: "nothing", name="quiet", needs=(flag(False),))
    ctx = context(server.url)
    [result] = run_domain_checks(ctx, registry.checks, progress=lambda line: None)
    assert result.status == SKIPPED and ctx.http.transcript == []  # not even the capabilities probe
    ctx.http.close()


def test_plans_follow_the_standard_jobs_order_and_seed_only_on_a_seeding_server():
    ctx = context("http://127.0.0.1:9")  # planning sends nothing
    assert list(plan_jobs(ctx, {NO_INDEX, CSV})) == [CSV, NO_INDEX] and ctx.seeded == {}
    seeding = context("http://127.0.0.1:9")
    seeding.seeding = True
    plans = plan_jobs(seeding, set(STANDARD_JOBS))
    assert list(plans) == [REFERENCE, *OUTPUT_JOBS, *SEEDED_JOBS]
    body, expected = plans[CSV]
    assert list(seeding.seeded)[:3] == expected == body["documents"][0]["objectIds"]
    assert len(seeding.seeded) == 3 + 2 * len(SEEDED_JOBS)  # each seeded job: one special, one normal
    assert ctx.http.transcript == seeding.http.transcript == []
    ctx.http.close()
    seeding.http.close()


def failing_seeding_server():
    mock = create_app(token=TOKEN)

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == DOCUMENTS_PATH:
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await mock(scope, receive, send)

    return app


def test_a_failed_seeding_skips_the_seeded_checks_and_their_jobs():
    names = ("job_completes", "zip_documents", "zip_index", "archived_documents", "missing_pdfs")
    checks = [c for c in DOMAIN_CHECKS if c.name in names]
    lines: list[str] = []
    with run_server(failing_seeding_server()) as running:
        ctx = context(running.url)
        results = {r.name: r for r in run_domain_checks(ctx, checks, lines.append)}
        ctx.http.close()
    assert "  domain: seeding documents failed (500); seeded checks are skipped" in lines
    for name in ("job_completes", "zip_documents", "zip_index"):  # no document expected that was never seeded
        assert results[name].status == PASSED, results[name].detail
    for name, precondition in (("archived_documents", ARCHIVED), ("missing_pdfs", WITHOUT_PDF)):
        assert (results[name].status, results[name].detail) == (SKIPPED, precondition.reason)
    assert sorted(ctx.jobs) == sorted(OUTPUT_JOBS)  # the seeded jobs were planned, not submitted
    assert not ctx.seeding and ctx.seeded == {}
    assert FAILED not in {r.status for r in results.values()}
