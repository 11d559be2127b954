"""The domain-check registry: what ``@domain_check`` records, its order, and how preconditions
decide a skip. Every test registers into a registry of its own, never the global one."""

from __future__ import annotations

import pytest

from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.context import Context
from bulkpdf_contract.gate.http import Http
from bulkpdf_contract.gate.context import REFERENCE
from bulkpdf_contract.gate.registry import (
    ARCHIVED,
    DOCUMENTS,
    JOB_BUDGET,
    REGISTRY,
    SEEDING,
    WITHOUT_PDF,
    DomainCheck,
    Precondition,
    Registry,
)
from bulkpdf_contract.gate.standard_jobs import OUTPUT_JOBS, SEEDED_JOBS, STANDARD_JOBS
from bulkpdf_contract.spec import load_contract

REPORT_ORDER = (
    "track_id_echo", "edge_cases_rejected", "exact_limits_accepted", "idempotent_replay", "job_completes",
    "zip_names", "zip_documents", "zip_index", "archived_documents", "missing_pdfs", "gzip_honoured",
    "request_id_header", "error_body_shape",
)


@pytest.fixture
def ctx():
    http = Http("http://127.0.0.1:9", "unused-token")  # these tests send no request
    yield Context(http, load_contract())
    http.close()


def test_the_registry_order_is_the_report_order():
    assert tuple(c.name for c in DOMAIN_CHECKS) == REPORT_ORDER
    assert tuple(REGISTRY.checks) == DOMAIN_CHECKS


def test_the_checks_declare_their_jobs_and_preconditions(ctx):
    declared = {c.name: (c.jobs, c.needs, c.own_jobs(ctx)) for c in DOMAIN_CHECKS if c.jobs or c.needs or c.creates}
    assert declared == {
        "track_id_echo": ((REFERENCE,), (), 2),
        "edge_cases_rejected": ((REFERENCE,), (), 0),
        "exact_limits_accepted": ((), (DOCUMENTS,), 5),
        "idempotent_replay": ((), (DOCUMENTS,), 1),
        "job_completes": (OUTPUT_JOBS, (DOCUMENTS,), 0),
        "zip_names": (OUTPUT_JOBS, (DOCUMENTS,), 0),
        "zip_documents": (OUTPUT_JOBS, (DOCUMENTS,), 0),
        "zip_index": (OUTPUT_JOBS, (DOCUMENTS,), 0),
        "archived_documents": (SEEDED_JOBS[:2], (ARCHIVED,), 0),
        "missing_pdfs": (SEEDED_JOBS[2:], (WITHOUT_PDF,), 0),
        "gzip_honoured": ((), (DOCUMENTS,), 1),
    }
    assert set(STANDARD_JOBS) == {REFERENCE} | set(OUTPUT_JOBS) | set(SEEDED_JOBS)
    for check in DOMAIN_CHECKS:  # every check that creates or reads jobs is under the budget, last
        assert (check.preconditions[-1:] == (JOB_BUDGET,)) == bool(check.jobs or check.creates)
    ctx.pool.exists = False  # without documents the echo is checked on error responses only
    assert next(c for c in DOMAIN_CHECKS if c.name == "track_id_echo").own_jobs(ctx) == 0


def test_the_budget_precondition_names_the_limit(ctx):
    check = next(c for c in DOMAIN_CHECKS if c.name == "idempotent_replay")
    assert check.unmet(ctx) is None  # no budget: every check is paid for
    ctx.budget.limit, ctx.funded = 10, set()
    assert check.unmet(ctx) == JOB_BUDGET.why(ctx, check)
    assert "past --max-jobs 10" in check.unmet(ctx)
    ctx.funded = {"idempotent_replay"}
    assert check.unmet(ctx) is None


def test_the_decorator_records_the_function_and_returns_it_unchanged():
    registry = Registry()

    def check_bare(ctx):
        """First paragraph ``quoted``
        over two lines.

        Second paragraph."""
        return "bare"

    assert registry.register(check_bare) is check_bare

    @registry.register(name="renamed", jobs=OUTPUT_JOBS[:1], needs=(SEEDING,))
    def check_with_options(ctx):
        return "options"

    assert check_with_options(None) == "options"
    @registry.register(creates=lambda c: 3)
    def check_creating(ctx):
        return "creates"

    assert registry.checks[:2] == [
        DomainCheck("bare", check_bare),
        DomainCheck("renamed", check_with_options, OUTPUT_JOBS[:1], (SEEDING,)),
    ]
    assert registry.checks[2].own_jobs(None) == 3 and registry.checks[0].own_jobs(None) == 0
    assert registry.checks[0].description == "First paragraph quoted over two lines."
    assert REGISTRY.checks == list(DOMAIN_CHECKS)  # the global registry is untouched


def test_an_unknown_job_or_a_second_check_of_one_name_is_refused():
    registry = Registry()
    with pytest.raises(ValueError, match="unknown standard job"):
        registry.register(lambda ctx: "", name="typo", jobs=("larg",))

    def check_once(ctx):
        return ""

    registry.register(check_once)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(check_once)
    assert [c.name for c in registry.checks] == ["once"]


def test_unmet_names_the_first_precondition_that_does_not_hold(ctx):
    seen = []
    holds = Precondition("holds", "never reported", lambda c, check: seen.append(check.name) is None)
    fails = Precondition("fails", "the first unmet reason", lambda c, check: False)
    also = Precondition("also fails", "a later unmet reason", lambda c, check: False)
    assert DomainCheck("x", lambda c: "", needs=(holds, fails, also)).unmet(ctx) == "the first unmet reason"
    assert DomainCheck("y", lambda c: "", needs=(holds,)).unmet(ctx) is None
    assert DomainCheck("z", lambda c: "").unmet(ctx) is None
    assert seen == ["x", "y"]  # a precondition is asked about the check it guards
    worded = Precondition("worded", lambda c, check: f"{check.name} cannot run", lambda c, check: False)
    assert DomainCheck("w", lambda c: "", needs=(worded,)).unmet(ctx) == "w cannot run"


def test_documents_and_special_documents_come_from_seeding_or_the_file(ctx):
    from bulkpdf_contract.gate.documents import DocumentPool, TargetDocument

    needs = {p: DomainCheck(p.label, lambda c: "", needs=(p,)) for p in (DOCUMENTS, ARCHIVED, WITHOUT_PDF)}
    ctx.seeding = False
    assert needs[DOCUMENTS].unmet(ctx) is None  # an open world (the default pool)
    assert needs[ARCHIVED].unmet(ctx) == ARCHIVED.reason and needs[WITHOUT_PDF].unmet(ctx) == WITHOUT_PDF.reason
    ctx.pool = DocumentPool("s", exists=False)
    assert needs[DOCUMENTS].unmet(ctx) == "needs --documents for a server that cannot be seeded"
    ctx.pool = DocumentPool("s", [TargetDocument("1" * 32), TargetDocument("2" * 32, archived=True)])
    assert needs[ARCHIVED].unmet(ctx) is None and needs[WITHOUT_PDF].unmet(ctx) == WITHOUT_PDF.reason
    ctx.seeding = True
    assert all(check.unmet(ctx) is None for check in needs.values())


def test_seeding_is_met_exactly_when_the_server_seeds(ctx):
    check = DomainCheck("seeded", lambda c: "", needs=(SEEDING,))
    assert check.unmet(ctx) == SEEDING.reason
    assert "seeds documents" in SEEDING.reason
    ctx.seeding = True
    assert check.unmet(ctx) is None
