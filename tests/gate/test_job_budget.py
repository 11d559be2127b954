"""``--max-jobs``: the budget counts distinct jobs from any thread; the domain phase pays for the
checks of most value first; and every check creates exactly the jobs it declares (proved against
the mock, which counts the jobs it holds), so the budget a run plans is the budget it keeps."""

from __future__ import annotations

import threading

import pytest

from bulkpdf_contract.gate.budget import JobBudget
from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.context import Context
from bulkpdf_contract.gate.domain_phase import fund_checks, run_domain_checks
from bulkpdf_contract.gate.http import Http
from bulkpdf_contract.gate.registry import JOB_BUDGET, Registry
from bulkpdf_contract.gate.report import PASSED, SKIPPED
from bulkpdf_contract.gate.standard_jobs import NO_INDEX, OUTPUT_JOBS
from bulkpdf_contract.mock import run_server
from bulkpdf_contract.spec import load_contract

TOKEN = "budget-token"


def test_the_budget_counts_each_job_once_from_any_thread():
    budget = JobBudget(3)
    threads = [threading.Thread(target=lambda: [budget.record(f"job-{n % 5}") for n in range(200)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    budget.record(None)
    budget.record("")
    assert budget.count == 5 and budget.created == {f"job-{n}" for n in range(5)}


def context(url: str = "http://127.0.0.1:9", limit: int | None = None) -> Context:
    return Context(Http(url, TOKEN), load_contract(), job_timeout=30, budget=JobBudget(limit), seeding=True)


def dummy_checks():
    registry = Registry()
    registry.register(lambda ctx: "", name="free")
    registry.register(lambda ctx: "", name="reads_output", jobs=OUTPUT_JOBS)
    for name in ("rides_1", "rides_2", "rides_3"):
        registry.register(lambda ctx: "", name=name, jobs=OUTPUT_JOBS)
    registry.register(lambda ctx: "", name="own_two", creates=2)
    registry.register(lambda ctx: "", name="own_one", creates=1)
    registry.register(lambda ctx: "", name="own_five", creates=lambda ctx: 5)
    return registry.checks


@pytest.mark.parametrize("limit, reserved, funded", [
    (None, 0, None),
    (0, 0, {"free"}),
    (1, 0, {"free", "own_one"}),
    (3, 0, {"free", "reads_output", "rides_1", "rides_2", "rides_3"}),  # 4 checks for 3 jobs first
    (6, 0, {"free", "reads_output", "rides_1", "rides_2", "rides_3", "own_one", "own_two"}),
    (7, 1, {"free", "reads_output", "rides_1", "rides_2", "rides_3", "own_one", "own_two"}),
    (11, 0, {"free", "reads_output", "rides_1", "rides_2", "rides_3", "own_one", "own_two", "own_five"}),
])
def test_the_budget_pays_for_the_checks_of_most_value_first(limit, reserved, funded):
    ctx = context(limit=limit)
    assert fund_checks(ctx, dummy_checks(), reserved) == funded
    ctx.http.close()


def test_a_run_skips_what_the_budget_does_not_pay_for_with_the_reason():
    registry = Registry()
    registry.register(lambda ctx: "ran", name="one_job", creates=1)
    registry.register(lambda ctx: "ran", name="two_jobs", creates=2)
    ctx = context(limit=2)
    lines: list[str] = []
    cheap, dear = run_domain_checks(ctx, registry.checks, lines.append, reserved_jobs=0)
    assert (cheap.status, dear.status) == (PASSED, SKIPPED)
    assert dear.detail == JOB_BUDGET.why(ctx, registry.checks[1]) and "--max-jobs 2" in dear.detail
    assert "  domain: --max-jobs 2: 1 check(s) left out to keep it (two_jobs)" in lines
    ctx.http.close()


@pytest.fixture(scope="module")
def server():
    with run_server(token=TOKEN, job_process=False) as running:
        yield running


@pytest.mark.parametrize("check", [c for c in DOMAIN_CHECKS if c.jobs or c.creates], ids=lambda c: c.name)
def test_each_check_creates_exactly_the_jobs_it_declares(server, check):
    ctx = context(server.url, limit=1000)
    before = server.state.count_jobs()
    [result] = run_domain_checks(ctx, [check], progress=lambda line: None)
    assert result.status == PASSED, result.detail
    declared = len(check.jobs) + check.own_jobs(ctx)
    assert ctx.budget.count == declared == server.state.count_jobs() - before
    ctx.http.close()


def test_the_reference_job_serves_every_reader(server):
    readers = [c for c in DOMAIN_CHECKS if c.name in ("track_id_echo", "edge_cases_rejected")]
    ctx = context(server.url, limit=1000)
    results = run_domain_checks(ctx, readers, progress=lambda line: None)
    assert [r.status for r in results] == [PASSED, PASSED]
    assert ctx.budget.count == 1 + 2  # one reference job for both, and the echo check's two POSTs
    assert NO_INDEX not in ctx.jobs
    ctx.http.close()
