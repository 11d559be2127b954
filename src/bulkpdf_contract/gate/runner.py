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

from ..spec import spec_path
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
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.generation import GenerationMode

    from . import hooks  # noqa: F401  (registers the before_call hook)

    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    # The gate masks the token itself; schemathesis' sanitizer would also hide Idempotency-Key.
    config.output.sanitization.update(enabled=False)
    project = config.projects.override
    project.update(
        base_url=base_url,
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
    token: str,
    *,
    checks: tuple[str, ...] = SCHEMATHESIS_CHECKS,
    progress: Callable[[str], None] = print,
    **options: Any,
) -> list[CheckResult]:
    """Run every phase against ``base_url``; one result per schemathesis check plus the run itself.

    ``options`` are those of :func:`build_schema` (max_examples, seed, workers, request_timeout).
    """
    from schemathesis.engine import events, from_schema
    from schemathesis.engine.run import PhaseName

    schema = build_schema(base_url, token, checks=checks, **options)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    errors: list[str] = []
    requests = 0
    phase_started = started = time.monotonic()
    phase_requests = 0
    links_note = ""
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            phase_started, phase_requests = time.monotonic(), 0
            if event.phase.name == PhaseName.STATEFUL_TESTING and event.payload is not None:
                links_note = f"API links: {event.payload.transitions_selected} of {event.payload.transitions_total}"
        elif isinstance(event, events.PhaseFinished):
            if event.phase.name in (PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING,
                                    PhaseName.STATEFUL_TESTING):
                state = event.status.value if event.phase.skip_reason is None else (
                    f"skipped ({event.phase.skip_reason.value})")
                progress(f"  schemathesis {event.phase.name.value:<9} {phase_requests:>5} requests "
                         f"{time.monotonic() - phase_started:6.1f}s  {state}")
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            phase_requests += len(recorder.interactions)
            requests += len(recorder.interactions)
            _tally(recorder, tallies, token)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis could not run: {event.exception}")
    elapsed = time.monotonic() - started
    results = []
    for name in checks:
        tally = tallies.get(name, _Tally())
        runs = tally.passes + tally.failures
        if tally.failures:
            _, detail, curl, lines = tally.best
            others = [f"also: {other}" for other in sorted(tally.distinct - {detail})[:3]]
            results.append(CheckResult(name, SOURCE, FAILED, detail, curl, elapsed, runs, tally.failures,
                                       notes=lines + others))
        elif runs:
            results.append(CheckResult(name, SOURCE, PASSED, f"{runs} responses checked", None, elapsed, runs))
        else:
            results.append(CheckResult(name, SOURCE, SKIPPED, "no response this check applies to", None,
                                       elapsed))
    summary = f"{requests} requests; {links_note}" if links_note else f"{requests} requests"
    if errors:
        results.append(CheckResult(RUN_CHECK, SOURCE, FAILED, errors[0], None, elapsed, requests,
                                   len(errors), notes=errors[1:4]))
    else:
        results.append(CheckResult(RUN_CHECK, SOURCE, PASSED, summary, None, elapsed, requests))
    return results


def _tally(recorder, tallies: dict[str, _Tally], token: str) -> None:
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
            curl = mask_token(curl, token)
            if tally.best is None or len(curl) < tally.best[0]:
                tally.best = (len(curl), detail, curl, message[:8])
