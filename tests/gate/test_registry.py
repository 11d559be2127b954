"""The domain-check registry: what ``@domain_check`` records, its order, and how preconditions
decide a skip. Every test registers into a registry of its own, never the global one."""

from __future__ import annotations

import pytest

from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.context import Context
from bulkpdf_contract.gate.http import Http
from bulkpdf_contract.gate.registry import REGISTRY, SEEDING, DomainCheck, Precondition, Registry
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


def test_the_checks_declare_their_jobs_and_preconditions():
    declared = {c.name: (c.jobs, c.needs) for c in DOMAIN_CHECKS if c.jobs or c.needs}
    assert declared == {
        "job_completes": (OUTPUT_JOBS, ()),
        "zip_names": (OUTPUT_JOBS, ()),
        "zip_documents": (OUTPUT_JOBS, ()),
        "zip_index": (OUTPUT_JOBS, ()),
        "archived_documents": (SEEDED_JOBS[:2], (SEEDING,)),
        "missing_pdfs": (SEEDED_JOBS[2:], (SEEDING,)),
    }
    assert set(STANDARD_JOBS) == set(OUTPUT_JOBS) | set(SEEDED_JOBS)


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
    assert registry.checks == [
        DomainCheck("bare", check_bare),
        DomainCheck("renamed", check_with_options, OUTPUT_JOBS[:1], (SEEDING,)),
    ]
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


def test_seeding_is_met_exactly_when_the_server_seeds(ctx):
    check = DomainCheck("seeded", lambda c: "", needs=(SEEDING,))
    assert check.unmet(ctx) == SEEDING.reason
    assert "seeds documents" in SEEDING.reason
    ctx.seeding = True
    assert check.unmet(ctx) is None
