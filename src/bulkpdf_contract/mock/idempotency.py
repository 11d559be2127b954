"""Idempotency-Key: a request's result kept under its key, per tenant, for the retention time.

The record and the job it created are written in one transaction (see
:meth:`Storage.store_result_in`), so two concurrent requests with one key can never both create
a job: the second finds the first's record and replays it. Retention is measured on the mock's
clock. ``request_delay`` marks the key *in flight* first and holds the request on the clock, so
a test can see the 409 a concurrent retry gets.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..validators import validate_headers
from .auth import authenticate
from .errors import ApiError, ErrorCategory
from .journal import note
from .responses import raw_response
from .state import MockState
from .storage import IdempotencyRecord, StoredResponse


def idempotency_key(request: Request) -> str | None:
    """The request's valid Idempotency-Key, or None."""
    key = request.headers.get("idempotency-key")
    contract = request.app.state.mock.config.contract
    if key is None or validate_headers({"Idempotency-Key": key}, contract=contract):
        return None  # an invalid key is reported by validation and never stored
    return key


async def reject_misuse(request: Request) -> None:
    """A key already used for another URL or method: 422, as Zuora documents."""
    state: MockState = request.app.state.mock
    key = idempotency_key(request)
    if key is None or request.method not in state.config.contract.idempotent_methods:
        return
    tenant, _ = authenticate(request)
    record = state.storage.idempotency_record(tenant, key, _not_before(state, state.clock.now()))
    if record is not None and (record.method, record.path) != (request.method, request.scope["path"]):
        raise _mismatch(key, record)


async def store(
    request: Request, tenant: str, owner: str, response: StoredResponse, job: dict[str, Any] | None
) -> Response | None:
    """Create ``job`` (if any) and keep ``response`` under the request's key, atomically.

    None when this request's result was stored; otherwise the answer the key already holds
    (its replay, or 409 while it is in flight, or 422 for another URL), and nothing was written.
    """
    state: MockState = request.app.state.mock
    storage = state.storage
    key = idempotency_key(request)
    now = state.clock.now()
    not_before = _not_before(state, now)
    delay = state.config.settings.request_delay
    claimed = False
    if key is not None and delay:
        record = storage.claim_key(tenant, key, request.method, request.scope["path"], owner, now, not_before)
        if record is not None:
            return replay(request, key, record)
        claimed = True
    try:
        if claimed:
            await state.clock.sleep(delay)
        record = await state.commits.run(functools.partial(
            storage.store_result_in, tenant=tenant, key=key, method=request.method, path=request.scope["path"],
            owner=owner, now=now, not_before=not_before, response=response, job=job,
        ))
    except BaseException:
        if claimed:
            with contextlib.suppress(Exception):
                storage.release_key(tenant, key, owner)
        raise
    return None if record is None else replay(request, key, record)


def replay(request: Request, key: str, record: IdempotencyRecord) -> Response:
    """The stored answer for a retry under ``key``: the same status, body and headers."""
    if (record.method, record.path) != (request.method, request.scope["path"]):
        raise _mismatch(key, record)
    if record.state != "done":
        raise ApiError(409, ErrorCategory.LOCKING, (
            f"a request with the Idempotency-Key {key!r} is still in progress; "
            "wait and retry with the same key"
        ))
    stored = record.response
    if stored.status == 200:  # the journal names the job a replay answers with
        with contextlib.suppress(ValueError, AttributeError):
            note(request.scope, job=orjson.loads(stored.body).get("jobId"))
    return raw_response(request, stored.status, stored.body, stored.headers)


def _not_before(state: MockState, now: float) -> float:
    """Records created before this moment are past their retention at ``now``."""
    return now - state.config.settings.idempotency_ttl


def _mismatch(key: str, record: IdempotencyRecord) -> ApiError:
    return ApiError(422, ErrorCategory.BUSINESS_RULE, (
        f"the Idempotency-Key {key!r} was already used for {record.method} {record.path}; "
        "use a new key for a different operation"
    ))
