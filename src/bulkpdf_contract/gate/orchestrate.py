"""One gate run against one server: probe it, then run the schemathesis half and the domain
checks side by side.

The two halves run concurrently (schemathesis in the calling thread, the domain checks in a
second one): the domain checks spend most of their time waiting for the server to export jobs,
so overlapping them with schemathesis' request stream keeps a gate run close to the time of a
plain ``schemathesis run``. Without a URL the embedded mock is started on a free 127.0.0.1 port
with a temporary data directory and stopped afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from ..options import DEFAULT_TOKEN
from ..spec import JOB_PATH, load_contract
from .checks import DOMAIN_CHECKS
from .context import Context
from .domain_phase import run_domain_checks
from .http import Http
from .report import FAILED, CheckResult
from .schemathesis_run import SCHEMATHESIS_CHECKS, run_schemathesis

ALL_CHECKS = tuple(SCHEMATHESIS_CHECKS) + tuple(c.name for c in DOMAIN_CHECKS)


class Unreachable(Exception):
    """The server cannot be used at all (no connection, or it refuses the token)."""


@dataclass
class GateOptions:
    url: str | None = None
    token: str = DEFAULT_TOKEN
    max_examples: int = 20
    seed: int | None = None
    workers: int = 1
    checks: tuple[str, ...] = ALL_CHECKS
    job_timeout: float = 60.0
    request_timeout: float = 30.0


@dataclass
class GateOutcome:
    target: str
    results: list[CheckResult] = field(default_factory=list)
    elapsed: float = 0.0
    embedded: bool = False

    @property
    def failed(self) -> bool:
        return any(r.status == FAILED for r in self.results)


def probe(url: str, token: str, timeout: float = 10.0) -> None:
    """Raise :class:`Unreachable` unless ``url`` answers HTTP and accepts ``token``."""
    try:
        response = httpx.get(url.rstrip("/") + JOB_PATH.replace("{jobId}", "0" * 32),
                             headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise Unreachable(f"cannot reach {url}: {exc or type(exc).__name__}") from None
    if response.status_code == 401:
        raise Unreachable(f"{url} refused the bearer token (401); pass the right one with --token "
                          "or BULKPDF_TOKEN")


def run_gate(options: GateOptions, progress: Callable[[str], None] = print) -> GateOutcome:
    """Run the selected checks; raises :class:`Unreachable` before any check when the server is unusable."""
    if options.url is not None:
        probe(options.url, options.token)
        return _run(options.url, options, progress, embedded=None)
    from ..mock import start_server

    server = start_server(token=options.token)
    # schemathesis sends malformed requests on purpose; uvicorn's warning for each is noise here.
    # Set after the server starts: uvicorn's Config sets its loggers' levels itself.
    logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
    try:
        progress(f"embedded mock server: {server.url} (data directory {server.data_dir})")
        return _run(server.url, options, progress, embedded=server)
    finally:
        server.stop()


def _jobs_counter(server: Any) -> Callable[[str], int | None] | None:
    """On the embedded mock, how many jobs carry a file name (to see a replay start no second job)."""
    state = getattr(server, "state", None)
    if state is None:
        return None
    return lambda file_name: state.count_jobs(file_name=file_name)


def _run(url: str, options: GateOptions, progress: Callable[[str], None], embedded: Any) -> GateOutcome:
    started = time.monotonic()
    outcome = GateOutcome(target=url, embedded=embedded is not None)
    domain = tuple(c for c in DOMAIN_CHECKS if c.name in options.checks)
    schemathesis_checks = tuple(c for c in SCHEMATHESIS_CHECKS if c in options.checks)
    domain_results: list[CheckResult] = []
    crash: list[BaseException] = []

    def domain_half() -> None:
        http = Http(url, options.token, timeout=options.request_timeout)
        ctx = Context(http, load_contract(), job_timeout=options.job_timeout,
                      jobs_with_file_name=_jobs_counter(embedded))
        try:
            domain_results.extend(run_domain_checks(ctx, domain, progress))
        except BaseException as exc:  # reported by the caller's thread
            crash.append(exc)
        finally:
            http.close()

    thread = threading.Thread(target=domain_half, name="bulkpdf-gate-domain", daemon=True)
    if domain:
        thread.start()
    st_results: list[CheckResult] = []
    if schemathesis_checks:
        st_results = run_schemathesis(
            url, options.token, checks=schemathesis_checks, max_examples=options.max_examples,
            seed=options.seed, workers=options.workers, request_timeout=options.request_timeout,
            progress=progress,
        )
    if domain:
        thread.join()
    if crash:
        raise crash[0]
    order = {name: i for i, name in enumerate(ALL_CHECKS)}
    outcome.results = sorted(st_results + domain_results, key=lambda r: order.get(r.name, len(order)))
    outcome.elapsed = time.monotonic() - started
    return outcome
