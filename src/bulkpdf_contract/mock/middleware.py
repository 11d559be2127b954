"""The outer ASGI layer: the headers Zuora puts on every response, the configured 429 limits,
and the test harness's hold on every request: its journal entry and the fault rules that act on it.

It sits outside the routes because these headers belong to every answer, including a replayed
idempotent response (which brings its own stored ``Zuora-Request-Id`` but gets this request's
``Zuora-Track-Id`` echo and rate headers) and answers the routes never see (429, a fault's).
The journal records outside the headers (what the client got); faults act inside them (a
fault's 429 carries Zuora's headers). The mechanics of both are in :mod:`.wire`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request

from ..spec import TOKEN_PATH
from ..validators import validate_headers
from .auth import limit_key
from .errors import ErrorCategory
from .faults import NO_FAULT, Disconnect, Plan
from .journal import note
from .responses import error_response
from .state import MockState
from .wire import ConnectionDropped, Cut, Recording, classify, fault_response, is_harness, retry_after

# Zuora's production limits, reported in the headers (enforced only when configured).
RATE_LIMIT_PER_MINUTE = 50000
CONCURRENCY_LIMIT = 40
RATE_WINDOW_SECONDS = 60
_OWN_HEADERS = frozenset({
    b"zuora-track-id", b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset",
    b"x-ratelimit-limit-minute", b"x-ratelimit-remaining-minute",
    b"concurrency-limit-type", b"concurrency-limit-limit", b"concurrency-limit-remaining",
})


@dataclass
class _Usage:
    """One request's standing against its tenant's limits (what the headers report)."""

    requests: int  # in this token's current rate window, this one included
    reset: int  # seconds until the window starts again
    in_flight: int  # this token's requests being answered, this one included
    exhausted: bool = False  # a fault's 429: nothing remains until ``reset``
    token_request: bool = False  # POST /oauth/token: per address, with the token headers


class MockApp:
    """The app ``create_app`` returns: the Starlette app (``.app``; its state as ``.state``, the
    mock's own as ``.state.mock``) inside the layer that adds ``Zuora-Request-Id``, the
    ``Zuora-Track-Id`` echo and the rate/concurrency headers to every response, and enforces
    the configured limits."""

    def __init__(self, app: Starlette, state: MockState, inner=None):
        self.app = app
        self._inner = inner or app  # what answers: the app, or a dispatcher in front of it
        self.state = app.state
        self.mock = state
        self._contract = state.config.contract
        self._windows: dict[str, list[float]] = {}
        self._in_flight: dict[str, int] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if is_harness(path):
            return await self._answer(scope, receive, send, NO_FAULT, None, "control")
        kind = classify(path)
        recording = None
        entry = self.mock.journal.begin(kind, scope["method"], path, scope.get("query_string", b"").decode("latin-1"),
                                        scope["headers"], self.mock.clock.now())
        if entry is not None:
            recording = Recording(self.mock.journal, entry, scope, self._contract,
                                  self.mock.config.settings.max_body_bytes)
            receive = await recording.read_ahead(receive)
            send = recording.wrap(send)
        plan = NO_FAULT if kind == "control" else self.mock.faults.plan(scope["method"], path)
        if entry is not None:
            entry.faults = list(plan.rules)
        cut = None
        if plan.cut is not None:
            cut = Cut(plan.cut, scope, recording.complete if recording is not None else None)
        try:
            await self._answer(scope, receive, send, plan, cut, kind)
        finally:
            if recording is not None:
                await recording.complete("unfinished")

    async def _answer(self, scope, receive, send, plan: Plan, cut: Cut | None, kind: str) -> None:
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        track, auth = self._track_id_and_auth(scope)
        token_request = scope["path"] == TOKEN_PATH
        if token_request:  # Zuora limits token requests by the caller's address
            key = "address\x00" + str((scope.get("client") or ("",))[0])
        else:
            key = limit_key(self.mock, auth)
        requests, reset = self._count(key)
        in_flight = self._in_flight[key] = self._in_flight.get(key, 0) + 1
        usage = _Usage(requests, reset, in_flight, token_request=token_request)
        try:
            if plan.advance:
                self.mock.clock.advance(plan.advance)
            if plan.delay:
                await self.mock.clock.sleep(plan.delay)
            if plan.respond is not None and plan.respond.status == 429:
                usage.exhausted, usage.reset = True, retry_after(plan.respond)
            send_with_headers = self._adding_headers(send, request_id, track, usage)
            scope["app"] = self.app
            if (token_request or scope["path"].startswith("/v1/")) and self._over_limit(usage):
                response = error_response(
                    Request(scope, receive), 429, ErrorCategory.RATE_LIMIT,
                    "too many requests; retry after the time in Retry-After",
                    headers={"Retry-After": str(max(1, reset))},
                )
                await response(scope, receive, send_with_headers)
            elif plan.respond is not None:
                await fault_response(Request(scope, receive), kind, plan.respond)(scope, receive, send_with_headers)
            else:
                if plan.job is not None:
                    note(scope, job_fault=plan.job.to_dict())
                await self._handle(scope, receive, send_with_headers, cut)
        finally:
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key]

    async def _handle(self, scope, receive, send, cut: Cut | None) -> None:
        """The app's answer, or what a ``disconnect``/``truncate`` rule leaves of it."""
        if cut is None:
            return await self._inner(scope, receive, send)
        try:
            if not (isinstance(cut.action, Disconnect) and not cut.action.effect):
                await self._inner(scope, receive, cut.wrap(send))
            if isinstance(cut.action, Disconnect):
                await cut.drop()
        except ConnectionDropped:
            if cut.connection is None:  # in-process: the caller sees the lost connection
                raise

    def _track_id_and_auth(self, scope) -> tuple[str | None, str]:
        """The ``Zuora-Track-Id`` to echo (None: absent or invalid) and the ``Authorization`` header."""
        track = auth = None
        for name, value in scope["headers"]:
            if name == b"zuora-track-id":
                track = value.decode("latin-1")
            elif name == b"authorization":
                auth = value.decode("latin-1")
        if track is not None and validate_headers({"Zuora-Track-Id": track}, contract=self._contract):
            track = None  # an invalid ID is rejected (400) and not echoed: the echo must obey the spec too
        return track, auth or ""

    def _count(self, key: str) -> tuple[int, int]:
        """Count a request in its token's window of the clock's minute: ``(requests, reset)``."""
        now = self.mock.clock.now()
        window = self._windows.get(key)
        if window is None or now - window[0] >= RATE_WINDOW_SECONDS:
            if len(self._windows) > 10000:
                self._windows.clear()
            window = self._windows[key] = [now, 0]
        window[1] += 1
        return int(window[1]), max(0, int(RATE_WINDOW_SECONDS - (now - window[0])))

    def _over_limit(self, usage: _Usage) -> bool:
        settings = self.mock.config.settings
        return (settings.rate_limit is not None and usage.requests > settings.rate_limit) or (
            not usage.token_request and settings.concurrency_limit is not None
            and usage.in_flight > settings.concurrency_limit
        )

    def _adding_headers(self, send, request_id: str, track: str | None, usage: _Usage):
        settings = self.mock.config.settings
        limit = settings.rate_limit or RATE_LIMIT_PER_MINUTE
        concurrency = settings.concurrency_limit or CONCURRENCY_LIMIT

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                # Raw header pairs: a replayed response brings its own Zuora-Request-Id; any
                # other value of the headers set here is replaced.
                raw = [(k, v) for k, v in message.get("headers", []) if k not in _OWN_HEADERS]
                if not any(k == b"zuora-request-id" for k, _ in raw):
                    raw.append((b"zuora-request-id", request_id.encode()))
                if track is not None:
                    raw.append((b"zuora-track-id", track.encode("latin-1")))
                remaining = b"%d" % (0 if usage.exhausted else max(0, limit - usage.requests))
                if usage.token_request:
                    raw += ((b"x-ratelimit-limit-minute", b"%d" % limit), (b"x-ratelimit-remaining-minute", remaining))
                else:
                    raw += ((b"ratelimit-limit", b"%d" % limit), (b"ratelimit-remaining", remaining),
                            (b"ratelimit-reset", b"%d" % usage.reset))
                if message["status"] in (200, 400) and not usage.token_request:
                    raw += (
                        (b"concurrency-limit-type", b"Default"),
                        (b"concurrency-limit-limit", b"%d" % concurrency),
                        (b"concurrency-limit-remaining", b"%d" % max(0, concurrency - usage.in_flight)),
                    )
                message = {**message, "headers": raw}
            await send(message)

        return send_with_headers
