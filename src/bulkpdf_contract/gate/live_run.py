"""What schemathesis' requests share with the rest of a gate run: the run's token (a new one
after a 401), its 429 policy, the documents the target holds, its job budget.

A :class:`LiveRun` is attached to the loaded schema (:func:`attach`); the global ``before_call``
hook of :mod:`.hooks` finds it through the case's schema, so two runs in one process do not mix.
Per request it sets a :class:`RequestsAuth` (the ``requests`` form of
:class:`~bulkpdf_contract.live.Retries`: the bearer token, and the same request sent again after
a 401 or a 429 under the run's policy, the way ``requests``' digest auth resends after its 401).
A POST of a job names the pool's documents in place of its well-formed IDs (a target refuses IDs
it does not hold, and a case must be refused for what it is about); one a correct server accepts gets, when
the job budget is limited, one Idempotency-Key for the whole run, so a server that keeps the
contract replays the first such job instead of starting another: schemathesis then creates one
job at most. A schema-scoped ``after_call`` hook counts the jobs POSTs started.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from ..live import RatePolicy, Retries, TokenSource
from ..spec import COLLECTION_PATH
from .budget import JobBudget
from .documents import DocumentPool, with_pool_documents

_RUNS: dict[int, "LiveRun"] = {}
_LOCK = threading.Lock()


@dataclass
class LiveRun:
    tokens: TokenSource
    rate: RatePolicy | None = None
    pool: DocumentPool | None = None
    budget: JobBudget = field(default_factory=JobBudget)
    shared_key: str | None = None
    _counter: Any = field(default_factory=itertools.count, repr=False)

    def name_pool_documents(self, case: Any) -> None:
        """A POST of a job names documents of the pool in place of its well-formed IDs (a finite
        pool only: an open world holds the generated IDs; see
        :func:`~.documents.with_pool_documents`), so the target accepts or refuses it for what the
        case is about, not for IDs it does not hold."""
        if self.pool is not None:
            body = with_pool_documents(case.body, self.pool, f"schemathesis/{next(self._counter)}")
            if body is not case.body:
                case.body = body

    def prepare_acceptable_post(self, case: Any) -> None:
        """Under a limited budget, the run's shared Idempotency-Key; with it, or with a finite
        pool, no generated ``Zuora-Entity-Ids``: another entity holds neither the documents nor
        the key."""
        if self.shared_key is None and (self.pool is None or not self.pool.finite):
            return
        for name in [n for n in (case.headers or {}) if n.lower() == "zuora-entity-ids"]:
            del case.headers[name]
        if self.shared_key is not None:
            for name in [n for n in (case.headers or {}) if n.lower() == "idempotency-key"]:
                del case.headers[name]
            if case.headers is None:
                case.headers = {}
            case.headers["Idempotency-Key"] = self.shared_key

    def count_job(self, context: Any, case: Any, response: Any) -> None:
        """``after_call``: a POST of a job answered 200 with a jobId started (or replayed) a job."""
        if case.method.upper() != "POST" or case.operation.path != COLLECTION_PATH or response.status_code != 200:
            return
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict):
            self.budget.record(body.get("jobId"))


def attach(schema: Any, run: LiveRun) -> None:
    with _LOCK:
        _RUNS[id(schema)] = run
    schema.hooks.register_hook_with_name(run.count_job, "after_call")


def detach(schema: Any) -> None:
    with _LOCK:
        _RUNS.pop(id(schema), None)


def attached(schema: Any) -> LiveRun | None:
    with _LOCK:
        return _RUNS.get(id(schema))


class RequestsAuth(requests.auth.AuthBase):
    """Per request: the run's bearer token; after a 401 or a 429, the request again as
    :class:`~bulkpdf_contract.live.Retries` decides (the last answer is the one schemathesis sees)."""

    def __init__(self, run: LiveRun, bearer: bool = True):
        self.run = run
        self.bearer = bearer  # False: 429s only, the Authorization header left as it is
        self.retries: Retries | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        tokens = self.run.tokens if self.bearer else None
        self.retries = Retries(tokens, self.run.rate, request.method or "", request.url or "")
        if self.retries.authorization is not None:
            request.headers["Authorization"] = self.retries.authorization
        request.register_hook("response", self._again)
        return request

    def _again(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        while self.retries.again(response.status_code, response.headers):
            response.content  # noqa: B018  (read it, so the connection can be used again)
            response.close()
            prepared = response.request.copy()
            if self.retries.authorization is not None:
                prepared.headers["Authorization"] = self.retries.authorization
            retried = response.connection.send(prepared, **kwargs)
            retried.history = [*response.history, response]
            retried.request = prepared
            response = retried
        return response
