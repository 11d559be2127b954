"""The rules that span exchanges, remembered per tenant: what one response cannot show alone.

- ``idempotency.replay-job-id``: a POST that reuses an ``Idempotency-Key`` gets the stored
  result of the first one (its ``jobId``), not a new job, for as long as keys are kept.
- ``job.zip-names``: a finished job's ``fileUrls`` end in ``<fileName>_<n>.zip`` for the
  ``fileName`` of the POST that created it, n = 1 .. ceil(documents / 1,000).
- ``job.status-backwards`` / ``job.terminal-changed``: a job's status only moves forward
  (``Submitted``, ``Executing``, then a terminal one) and a terminal status is final.

A tenant is the bearer token (or the OAuth client it was issued to, when this conversation saw
``POST /oauth/token`` hand it out) with the ``Zuora-Entity-Ids`` entity, as the contract scopes
jobs and keys. Tokens are kept only as digests.

Exchanges are fed in the order they finished. Concurrent exchanges do not judge each other: an
observation counts against an exchange only when it finished before that exchange started, so
two polls in flight at once, or a replay sent while the first request was still in flight, are
never false violations. What is remembered is bounded (:data:`MAX_REMEMBERED` jobs, keys and
tokens each, the oldest forgotten first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..spec import COLLECTION_PATH, JOB_PATH, TOKEN_PATH, Contract, load_contract
from .exchanges import RESPONSE, Exchange, Violation, contract_path
from .findings import Finding

MAX_REMEMBERED = 100_000


def url_file_name(url: str) -> str:
    """The file name a download URL ends in (``<fileName>_<n>.zip``), percent-decoded."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


@dataclass
class _Seen:
    """The first time a status was seen: when that exchange finished, and which it was."""

    finished: float
    exchange: int


@dataclass
class _Job:
    file_name: str | None = None
    documents: int | None = None  # requested IDs less the invalid ones
    seen: dict[str, _Seen] = field(default_factory=dict)


@dataclass
class _Key:
    status: int
    job_id: Any
    finished: float
    exchange: int


class Conversation:
    """What the exchanges so far established; :meth:`observe` checks the next one against it."""

    def __init__(self, contract: Contract | None = None, max_remembered: int = MAX_REMEMBERED):
        self.contract = contract or load_contract()
        self.max_remembered = max_remembered
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._keys: dict[tuple[str, str], _Key] = {}
        self._clients: dict[str, str] = {}  # token digest -> "client:<id>"
        statuses = self.contract.job_statuses
        terminal = self.contract.terminal_statuses
        progress = [s for s in statuses if s not in terminal]
        self._rank = {s: (len(progress) if s in terminal else progress.index(s)) for s in statuses}

    def observe(self, exchange: Exchange, request_valid: bool = True) -> list[Violation]:
        """The conversation violations of ``exchange``, which is then remembered."""
        if exchange.status is None or exchange.by_proxy:
            return []
        body, unreadable = exchange.response_json
        if unreadable or not isinstance(body, dict):
            return []
        if exchange.path == TOKEN_PATH and exchange.method.upper() == "POST" and exchange.status == 200:
            self._learn_token(exchange, body)
            return []
        template = contract_path(exchange.path)
        method = exchange.method.upper()
        if template == COLLECTION_PATH and method == "POST":
            return self._created(exchange, body, request_valid)
        if template == JOB_PATH and method == "GET" and exchange.status == 200:
            return self._polled(exchange, body)
        return []

    # -- tenants -------------------------------------------------------------------------------
    def tenant(self, exchange: Exchange) -> str:
        _, _, token = (exchange.request_header("authorization") or "").partition(" ")
        digest = _digest(token.strip())
        principal = self._clients.get(digest, digest)
        return f"{principal}\x00{exchange.request_header('zuora-entity-ids') or ''}"

    def _learn_token(self, exchange: Exchange, body: dict) -> None:
        token = body.get("access_token")
        form = parse_qs((exchange.request_body.data or b"").decode("utf-8", "replace"))
        client = form.get("client_id", [None])[0]
        if isinstance(token, str) and client:
            self._remember(self._clients, _digest(token), f"client:{client}")

    def _remember(self, store: dict, key: Any, value: Any) -> None:
        store.pop(key, None)
        store[key] = value
        while len(store) > self.max_remembered:
            del store[next(iter(store))]

    # -- POST: jobs created, keys replayed -----------------------------------------------------
    def _created(self, exchange: Exchange, body: dict, request_valid: bool) -> list[Violation]:
        tenant = self.tenant(exchange)
        status, job_id = exchange.status, body.get("jobId")
        violations = []
        key = exchange.request_header("idempotency-key") if request_valid else None
        first = self._keys.get((tenant, key)) if key is not None else None
        if first is not None and exchange.started - first.finished > self.contract.idempotency_retention_seconds:
            first = None  # the key has expired: a new job is right
        if first is not None and first.finished < exchange.started and status == 200 and (
            first.status != 200 or job_id != first.job_id
        ):
            was = f"jobId {first.job_id!r}" if first.status == 200 else "no job"
            violations.append(self._violation(exchange, "idempotency.replay-job-id", "/jobId", (
                f"Idempotency-Key {key!r} was answered {first.status} with {was} in exchange "
                f"{first.exchange}; its replay was answered 200 with jobId {job_id!r} (a replay "
                "must return the stored result, not start another job)")))
        if key is not None and first is None and status in (200, 400):
            self._remember(self._keys, (tenant, key), _Key(status, job_id, exchange.finished, exchange.id))
        if status == 200 and isinstance(job_id, str) and (tenant, job_id) not in self._jobs:
            self._remember(self._jobs, (tenant, job_id), self._new_job(exchange, body))
        return violations

    def _new_job(self, exchange: Exchange, body: dict) -> _Job:
        request, _ = exchange.request_json
        if not isinstance(request, dict):
            return _Job()
        name = request.get("fileName")
        invalid = body.get("invalidIds")
        requested = _count_ids(request.get("documents"))
        return _Job(name if isinstance(name, str) else None,
                    requested - (len(invalid) if isinstance(invalid, list) else 0))

    # -- GET: statuses move forward, finished jobs name their ZIPs ------------------------------
    def _polled(self, exchange: Exchange, body: dict) -> list[Violation]:
        job_id = unquote(exchange.path.rsplit("/", 1)[-1])
        key = (self.tenant(exchange), job_id)
        job = self._jobs.get(key)
        if job is None:
            job = _Job()
            self._remember(self._jobs, key, job)
        status = body.get("status")
        if status not in self._rank:
            return []  # the body's schema check reports it
        violations = self._status_order(exchange, job_id, job, status)
        if status not in job.seen:
            job.seen[status] = _Seen(exchange.finished, exchange.id)
        if status in self.contract.succeeded_statuses and job.file_name is not None:
            violations += self._zip_names(exchange, job_id, job, body)
        return violations

    def _status_order(self, exchange: Exchange, job_id: str, job: _Job, status: str) -> list[Violation]:
        terminal = self.contract.terminal_statuses
        for before, seen in job.seen.items():
            if seen.finished >= exchange.started or before == status:
                continue
            if before in terminal:
                return [self._violation(exchange, "job.terminal-changed", "/status", (
                    f"job {job_id} is {status!r} here after it ended {before!r} in exchange "
                    f"{seen.exchange}; a terminal status is final"))]
            if self._rank[before] > self._rank[status]:
                return [self._violation(exchange, "job.status-backwards", "/status", (
                    f"job {job_id} is {status!r} here after it was {before!r} in exchange "
                    f"{seen.exchange}; a job's status only moves forward"))]
        return []

    def _zip_names(self, exchange: Exchange, job_id: str, job: _Job, body: dict) -> list[Violation]:
        urls = body.get("fileUrls")
        urls = [urls] if isinstance(urls, str) else urls
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls) or job.documents is None:
            return []
        zipped = job.documents - _count_ids(body.get("skippedDocuments")) - _count_ids(body.get("failedDocuments"))
        expected = self.contract.zip_file_names(job.file_name, zipped)
        names = [url_file_name(u) for u in urls]
        if names == expected:
            return []
        return [self._violation(exchange, "job.zip-names", "/fileUrls", (
            f"job {job_id} ({zipped} documents in ZIPs, fileName {job.file_name!r}) has the files "
            f"{_listed(names)}; the contract names them {_listed(expected)} "
            f"(<fileName>_<n>.zip, one per {self.contract.documents_per_zip:,} documents)"))]

    @staticmethod
    def _violation(exchange: Exchange, rule: str, pointer: str, message: str) -> Violation:
        return Violation.of(exchange, RESPONSE, Finding(rule, pointer, message))


def _count_ids(groups: Any) -> int:
    """Object IDs over document groups (``documents``, ``skippedDocuments``, ...)."""
    if not isinstance(groups, list):
        return 0
    return sum(len(g["objectIds"]) for g in groups
               if isinstance(g, dict) and isinstance(g.get("objectIds"), list))


def _listed(names: list[str], shown: int = 4) -> str:
    if len(names) <= shown:
        return repr(names)
    return f"[{', '.join(map(repr, names[:shown]))}, ... ({len(names)} in all)]"
