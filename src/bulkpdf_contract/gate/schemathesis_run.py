"""The schemathesis half of the gate, run in-process through schemathesis' own engine.

Why the engine and not ``schemathesis run`` in a subprocess: the engine is what the CLI runs
(``schemathesis.engine.from_schema(schema).execute()``), so a run costs the same, but its events
hand over every check result with the failing case and its curl sample, which the gate turns into
one row per check. Mode ``all`` is fixed (negative-only hides missing body validation, pitfall 3);
the stateful phase follows the spec's POST -> GET link; the hooks of
:mod:`bulkpdf_contract.gate.hooks` send the bearer token's requests the way a correct client would.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import PhaseName
from schemathesis.generation import GenerationMode

from ..spec import spec_path
from .live_run import LiveRun, attach, detach
from .report import FAILED, PASSED, SKIPPED, CheckResult, mask_token

SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
RUN_CHECK = "schemathesis_run"
SOURCE = "schemathesis"


@dataclass
class _Tally:
    passes: int = 0
    failures: int = 0
    best: tuple[int, str, str, list[str]] | None = None  # (curl length, detail, curl, message lines)
    distinct: set[str] = field(default_factory=set)


def build_schema(
    base_url: str,
    token: str,
    *,
    checks: tuple[str, ...] = SCHEMATHESIS_CHECKS,
    max_examples: int = 20,
    seed: int | None = None,
    workers: int = 1,
    request_timeout: float = 30.0,
    spec: str | None = None,
):
    """A loaded schema configured as the gate runs it (also used by the benchmark)."""
    # Imported here, not above: importing the hooks registers a process-wide schemathesis hook,
    # which only a process that builds the gate's schema should get.
    from . import hooks  # noqa: F401

    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    # The gate masks the token itself; schemathesis' sanitizer would also hide Idempotency-Key.
    config.output.sanitization.update(enabled=False)
    project = config.projects.override
    project.update(
        base_url=base_url,
        # With a LiveRun the token of each request is the run's current one (its auth replaces
        # this header); configured here, schemathesis knows the API is authenticated.
        headers={"Authorization": f"Bearer {token}"},
        workers=workers,
        continue_on_failure=True,
        request_timeout=request_timeout,
    )
    project.checks.update(included_check_names=list(checks))
    project.generation.update(modes=list(GenerationMode), max_examples=max_examples)
    return schemathesis.openapi.from_path(spec or str(spec_path()), config=config)


def run_schemathesis(
    base_url: str,
    token: str | None,
    *,
    checks: tuple[str, ...] = SCHEMATHESIS_CHECKS,
    progress: Callable[[str], None] = print,
    live: LiveRun | None = None,
    **options: Any,
) -> list[CheckResult]:
    """Run every phase against ``base_url``; one result per schemathesis check plus the run itself.

    ``live`` (a gate run's token source, 429 policy, documents and job budget) replaces the
    static ``token``. ``options`` are those of :func:`build_schema` (max_examples, seed, workers,
    request_timeout).
    """
    schema = build_schema(base_url, live.tokens.current() if live is not None else token, checks=checks, **options)
    run = _Run(live.tokens.issued if live is not None else [token], progress)
    if live is not None:
        attach(schema, live)
    try:
        for event in from_schema(schema).execute():
            run.handle(event)
    finally:
        if live is not None:
            detach(schema)
    return run.results(checks)


@dataclass
class _Run:
    """What the engine's events add up to: a tally per check, the run's errors and request counts."""

    tokens: list[str]  # every token the run sent (masked in curl lines); grows as tokens are fetched
    progress: Callable[[str], None]
    tallies: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    started: float = field(default_factory=time.monotonic)
    phase_started: float = field(default_factory=time.monotonic)
    phase_requests: int = 0
    links_note: str = ""

    def handle(self, event: Any) -> None:
        if isinstance(event, events.PhaseStarted):
            self._phase_started(event)
        elif isinstance(event, events.PhaseFinished):
            self._phase_finished(event)
        elif isinstance(event, events.ScenarioFinished):
            interactions = len(event.recorder.interactions)
            self.phase_requests += interactions
            self.requests += interactions
            _tally(event.recorder, self.tallies, self.tokens)
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis could not run: {event.exception}")

    def _phase_started(self, event: Any) -> None:
        self.phase_started, self.phase_requests = time.monotonic(), 0
        if event.phase.name == PhaseName.STATEFUL_TESTING and event.payload is not None:
            self.links_note = f"API links: {event.payload.transitions_selected} of {event.payload.transitions_total}"

    def _phase_finished(self, event: Any) -> None:
        if event.phase.name not in (PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING,
                                    PhaseName.STATEFUL_TESTING):
            return
        state = event.status.value if event.phase.skip_reason is None else (
            f"skipped ({event.phase.skip_reason.value})")
        self.progress(f"  schemathesis {event.phase.name.value:<9} {self.phase_requests:>5} requests "
                      f"{time.monotonic() - self.phase_started:6.1f}s  {state}")

    def results(self, checks: tuple[str, ...]) -> list[CheckResult]:
        """One row per check (failed with its shortest reproduction, passed, or skipped), then the run's."""
        elapsed = time.monotonic() - self.started
        results = [_check_result(name, self.tallies.get(name, _Tally()), elapsed) for name in checks]
        summary = f"{self.requests} requests; {self.links_note}" if self.links_note else f"{self.requests} requests"
        if self.errors:
            results.append(CheckResult(RUN_CHECK, SOURCE, FAILED, self.errors[0], None, elapsed, self.requests,
                                       len(self.errors), notes=self.errors[1:4]))
        else:
            results.append(CheckResult(RUN_CHECK, SOURCE, PASSED, summary, None, elapsed, self.requests))
        return results


def _check_result(name: str, tally: _Tally, elapsed: float) -> CheckResult:
    runs = tally.passes + tally.failures
    if tally.failures:
        _, detail, curl, lines = tally.best
        others = [f"also: {other}" for other in sorted(tally.distinct - {detail})[:3]]
        return CheckResult(name, SOURCE, FAILED, detail, curl, elapsed, runs, tally.failures, notes=lines + others)
    if runs:
        return CheckResult(name, SOURCE, PASSED, f"{runs} responses checked", None, elapsed, runs)
    return CheckResult(name, SOURCE, SKIPPED, "no response this check applies to", None, elapsed)


def _tally(recorder, tallies: dict[str, _Tally], tokens: list[str]) -> None:
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            tally = tallies[node.name]
            if node.failure_info is None:
                tally.passes += 1
                continue
            tally.failures += 1
            failure = node.failure_info.failure
            message = [line for line in (failure.message or "").strip().splitlines() if line.strip()]
            detail = f"{failure.code} {failure.title}" + (f" ({failure.operation})" if failure.operation else "")
            tally.distinct.add(detail)
            steps = node.failure_info.steps
            curl = "\n".join(step.curl for step in steps) if len(steps) > 1 else node.failure_info.code_sample
            for token in reversed(tokens):
                curl = mask_token(curl, token)
            if tally.best is None or len(curl) < tally.best[0]:
                tally.best = (len(curl), detail, curl, message[:8])
