"""One gate run against one server: probe it, then run the schemathesis half and the domain
checks side by side.

The two halves run concurrently (schemathesis in the calling thread, the domain checks in a
second one): the domain checks spend most of their time waiting for the server to export jobs,
so overlapping them with schemathesis' request stream keeps a gate run close to the time of a
plain ``schemathesis run``. Without a URL the embedded mock is started on a free 127.0.0.1 port
with a temporary data directory and stopped afterwards.

Both halves share the run's token source (a static token, or client credentials), its 429
policy, the documents the target holds and the job budget (:mod:`.live_run`, :mod:`.budget`).
After both, the run's own rows: ``token_endpoint`` (with client credentials: the token
responses the run got) and ``rate_limit_hints`` (when it met a 429: each said when to retry).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from ..live import CredentialsRefused, RatePolicy, TokenSource, token_url_for
from ..options import DEFAULT_TOKEN
from ..spec import JOB_PATH, load_contract
from .budget import DEFAULT_URL_MAX_JOBS, JobBudget
from .checks import DOMAIN_CHECKS
from .context import Context
from .documents import DocumentPool, TargetDocument, load_target_documents, object_ids
from .domain_phase import DOCUMENTS_PATH, probe_capabilities, run_domain_checks
from .http import Http
from .live_run import LiveRun
from .report import FAILED, PASSED, SKIPPED, CheckResult
from .schemathesis_run import SCHEMATHESIS_CHECKS, run_schemathesis

RUN_CHECKS = ("token_endpoint", "rate_limit_hints")
ALL_CHECKS = tuple(SCHEMATHESIS_CHECKS) + tuple(c.name for c in DOMAIN_CHECKS) + RUN_CHECKS
POSITIVE_CHECKS = ("positive_data_acceptance",)
"""schemathesis checks that judge requests meant to be accepted: they need existing documents."""
NEEDS_DOCUMENTS = "needs --documents for a server that cannot be seeded"


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
    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None
    documents: str | None = None
    """A documents file naming documents the target holds (the mock's format)."""
    max_jobs: int | None = None
    """The most jobs the run may create; None: unlimited for the embedded mock, 10 for ``url``."""


@dataclass
class GateOutcome:
    target: str
    results: list[CheckResult] = field(default_factory=list)
    elapsed: float = 0.0
    embedded: bool = False
    jobs_created: int = 0
    max_jobs: int | None = None
    rate_limited: int = 0
    rate_waited: float = 0.0
    tokens_fetched: int = 0

    @property
    def failed(self) -> bool:
        return any(r.status == FAILED for r in self.results)


def probe(url: str, token: str | TokenSource, timeout: float = 10.0) -> None:
    """Raise :class:`Unreachable` unless ``url`` answers HTTP and accepts the token."""
    tokens = token if isinstance(token, TokenSource) else TokenSource(token=token)
    try:
        bearer = tokens.current()
        response = httpx.get(url.rstrip("/") + JOB_PATH.replace("{jobId}", "0" * 32),
                             headers={"Authorization": f"Bearer {bearer}"}, timeout=timeout)
    except CredentialsRefused as exc:
        raise Unreachable(f"no token for the client credentials: {exc}") from None
    except httpx.HTTPError as exc:
        raise Unreachable(f"cannot reach {url}: {exc or type(exc).__name__}") from None
    if response.status_code == 401:
        how = "the token from the client credentials" if tokens.oauth else "the bearer token"
        raise Unreachable(f"{url} refused {how} (401); pass the right one with --token or BULKPDF_TOKEN, "
                          "or --client-id/--client-secret")


def run_gate(options: GateOptions, progress: Callable[[str], None] = print) -> GateOutcome:
    """Run the selected checks; raises :class:`Unreachable` before any check when the server is
    unusable, ValueError for a documents file that cannot be used."""
    documents = load_target_documents(options.documents) if options.documents else None
    rate = RatePolicy()
    if options.url is not None:
        tokens = _token_source(options, options.url, rate)
        probe(options.url, tokens)
        limit = options.max_jobs if options.max_jobs is not None else DEFAULT_URL_MAX_JOBS
        return _run(options.url, options, progress, None, tokens, rate, documents, limit)
    from ..mock import start_server

    clients = {options.client_id: options.client_secret} if options.client_id else ()
    world = [{"docType": d.doc_type, "id": d.id, "hasPdf": d.has_pdf, "archived": d.archived, **d.known}
             for d in documents] if documents else None
    server = start_server(token=options.token, clients=clients, documents=world)
    # schemathesis sends malformed requests on purpose; uvicorn's warning for each is noise here.
    # Set after the server starts: uvicorn's Config sets its loggers' levels itself.
    logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
    try:
        progress(f"embedded mock server: {server.url} (data directory {server.data_dir})")
        tokens = _token_source(options, server.url, rate)
        return _run(server.url, options, progress, server, tokens, rate, documents, options.max_jobs)
    finally:
        server.stop()


def _token_source(options: GateOptions, url: str, rate: RatePolicy) -> TokenSource:
    if options.client_id is None:
        return TokenSource(token=options.token, rate=rate)
    return TokenSource(client_id=options.client_id, client_secret=options.client_secret,
                       token_url=options.token_url or token_url_for(url), timeout=options.request_timeout, rate=rate)


def _jobs_counter(server: Any) -> Callable[[str], int | None] | None:
    """On the embedded mock, how many jobs carry a file name (to see a replay start no second job)."""
    state = getattr(server, "state", None)
    if state is None:
        return None
    return lambda file_name: state.count_jobs(file_name=file_name)


def _pool(http: Http, seed: str, documents: list[TargetDocument] | None, capabilities: dict[str, Any],
          documents_per_zip: int) -> tuple[DocumentPool, list[str]]:
    """The run's documents: the file's; on a closed world that seeds, a pool seeded now (its IDs
    returned, to remove at the end); on an open world that seeds, any ID; else unknown."""
    if documents is not None:
        return DocumentPool(seed, documents, exists=any(d.normal for d in documents)), []
    seeding = capabilities.get("seeding") is True
    if seeding and capabilities.get("openWorld") is False:
        docs = [{"docType": "Invoice", "id": object_id, "pdfFileName": f"gate-{seed[:6]}-pool-{n:04d}.pdf"}
                for n, object_id in enumerate(object_ids(f"{seed}/pool", documents_per_zip + 50))]
        if http.send("POST", DOCUMENTS_PATH, json=docs).status != 200:
            return DocumentPool(seed, exists=False), []
        seeded = [TargetDocument(d["id"], known={"pdfFileName": d["pdfFileName"]}) for d in docs]
        return DocumentPool(seed, seeded), [d.id for d in seeded]
    return DocumentPool(seed, exists=seeding), []


def _run(url: str, options: GateOptions, progress: Callable[[str], None], embedded: Any, tokens: TokenSource,
         rate: RatePolicy, documents: list[TargetDocument] | None, limit: int | None) -> GateOutcome:
    started = time.monotonic()
    outcome = GateOutcome(target=url, embedded=embedded is not None, max_jobs=limit)
    contract = load_contract()
    seed = uuid.uuid4().hex  # names, IDs and keys of this run (never another run's: see Context)
    budget = JobBudget(limit)
    http = Http(url, tokens, timeout=options.request_timeout, rate=rate)
    capabilities = probe_capabilities(http)
    pool, pooled = _pool(http, seed, documents, capabilities, contract.documents_per_zip)
    domain = tuple(c for c in DOMAIN_CHECKS if c.name in options.checks)
    schemathesis_checks = tuple(c for c in SCHEMATHESIS_CHECKS if c in options.checks)
    runnable = tuple(c for c in schemathesis_checks if pool.exists or c not in POSITIVE_CHECKS)
    reserved = 1 if limit is not None and runnable else 0  # schemathesis' positive POSTs share one key
    domain_results: list[CheckResult] = []
    crash: list[BaseException] = []

    def domain_half() -> None:
        ctx = Context(http, contract, seed=seed, job_timeout=options.job_timeout, jobs_with_file_name=_jobs_counter(
            embedded), seeding=capabilities.get("seeding") is True, pool=pool, budget=budget)
        ctx.known.update({d.id: d.as_known() for d in pool.documents or ()})
        try:
            domain_results.extend(run_domain_checks(ctx, domain, progress, reserved_jobs=reserved))
        except BaseException as exc:  # reported by the caller's thread
            crash.append(exc)

    thread = threading.Thread(target=domain_half, name="bulkpdf-gate-domain", daemon=True)
    if domain:
        thread.start()
    st_results: list[CheckResult] = []
    try:
        if runnable:
            live = LiveRun(tokens, rate, pool, budget, shared_key=f"gate-st-{seed}" if limit is not None else None)
            st_results = run_schemathesis(
                url, None, checks=runnable, max_examples=options.max_examples, seed=options.seed,
                workers=options.workers, request_timeout=options.request_timeout, progress=progress, live=live,
            )
        st_results += [CheckResult(c, "schemathesis", SKIPPED, NEEDS_DOCUMENTS) for c in schemathesis_checks
                       if c not in runnable]
    finally:
        if domain:
            thread.join()
        if pooled:
            http.send("DELETE", DOCUMENTS_PATH, json=pooled)
        http.close()
    if crash:
        raise crash[0]
    run_rows = [row for row in (_token_row(tokens), _rate_row(rate)) if row is not None and row.name in options.checks]
    order = {name: i for i, name in enumerate(ALL_CHECKS)}
    outcome.results = sorted(st_results + domain_results + run_rows, key=lambda r: order.get(r.name, len(order)))
    outcome.jobs_created, outcome.rate_limited, outcome.rate_waited = budget.count, len(rate.met), rate.waited
    outcome.tokens_fetched = tokens.fetched
    outcome.elapsed = time.monotonic() - started
    return outcome


def _token_row(tokens: TokenSource) -> CheckResult | None:
    """Whether every token response of the run was Zuora's (no row for a static token)."""
    if not tokens.oauth:
        return None
    if tokens.findings:
        return CheckResult("token_endpoint", "gate", FAILED, tokens.findings[0], None, 0.0, tokens.fetched,
                           len(tokens.findings), notes=tokens.findings[1:4])
    return CheckResult("token_endpoint", "gate", PASSED, f"{tokens.fetched} token(s) fetched, each a valid answer",
                       requests=tokens.fetched)


def _rate_row(rate: RatePolicy) -> CheckResult | None:
    """Every 429 said when to retry (``Retry-After``, else ``RateLimit-Reset``); no row without a 429."""
    if not rate.met:
        return None
    bare = rate.without_hint()
    if bare:
        first = bare[0]
        return CheckResult("rate_limit_hints", "gate", FAILED,
                           f"a 429 without Retry-After or RateLimit-Reset ({first.method} {first.url}): "
                           "a client cannot know when to retry", f"curl -sS -i -X {first.method} '{first.url}'",
                           requests=len(rate.met), failures=len(bare))
    return CheckResult("rate_limit_hints", "gate", PASSED,
                       f"{len(rate.met)} 429(s) met, each with a retry hint; waited {rate.waited:.1f}s",
                       requests=len(rate.met))
