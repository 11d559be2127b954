"""The proxy as a plain ASGI app: every request forwarded to the upstream (:mod:`.upstream`),
bodies streamed both ways and tapped for the checks, then handed to the
:class:`~.recorder.Recorder`.

What the client sends reaches the upstream unchanged (``Authorization``, ``Content-Encoding:
gzip``, ``Accept-Encoding``, ``/oauth/token`` and every other path included) except for the
hop-by-hop headers, ``Host`` and ``Expect`` (:data:`NOT_FORWARDED`); what the upstream answers
reaches the client unchanged (the raw bytes: gzip stays gzip). Only ``--enforce`` changes
anything: a request the contract rejects is answered here, in Zuora's shape, and never
forwarded. An upstream that cannot be reached gets the client a 502 (504 on a timeout) with
Zuora's error body.

Bodies are forwarded as they arrive; the checks see at most the contract's
``max_inflated_bytes`` of each (a larger body is still forwarded, its check a finding). A
request body that came in one piece (the usual JSON POST) is forwarded in one piece. When the
upstream answers before a streamed request body is complete, the rest is read (and dropped past
the limit) before the answer is passed on, so the request is still judged whole. A client that
goes away mid-request ends its exchange (recorded as aborted, nothing judged); nothing waits on it.

A plain ASGI app rather than Starlette: the proxy routes nothing, and every layer costs latency.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

from yarl import URL

from ..spec import TOKEN_PATH, load_contract
from ..validators.exchanges import Body, Exchange, Violation, request_violations
from ..validators import Finding
from ..validators.exchanges import contract_path, wire_body
from .answers import Answer, failure, refusal, unreachable
from .config import ProxySettings
from .har import Timings
from .recorder import LARGE_BODY_BYTES, Finished, Recorder, log
from .upstream import UNREACHABLE, Upstream, timed_out

HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"proxy-authenticate", b"te", b"trailer",
    b"transfer-encoding", b"upgrade",
})
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"expect"}
"""Request headers the upstream does not get. ``Expect: 100-continue`` is met by the proxy's own
server (its ``100 Continue`` goes out when the body is first read); forwarded, aiohttp would hold
the body until the upstream's 100, with no timeout: forever from a server that ignores it."""


class ClientGone(Exception):
    """The client disconnected before its request was complete."""


class Tap:
    """The first ``limit + 1`` bytes of a body (what the checks may read) and how many passed."""

    __slots__ = ("limit", "data", "size")

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.limit + 1 - len(self.data)
        if room > 0 and chunk:
            self.data += chunk[:room]


class ProxyApp:
    """The validating proxy's ASGI app; ``recorder`` holds what it saw."""

    def __init__(self, settings: ProxySettings):
        self.settings = settings
        self.contract = settings.contract or load_contract()
        self.limit = self.contract.max_inflated_bytes
        self.upstream = settings.upstream.rstrip("/")
        self.recorder = Recorder(settings, self.contract)
        self.connections = Upstream(settings)

    async def aclose(self) -> None:
        await self.connections.aclose()

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] == "http":
            await _Flight(self, scope, receive, send).run()
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # websocket: not the endpoint's; returning without accepting closes it


class _Flight:
    """One exchange on its way through: the request read and forwarded, the answer streamed back."""

    def __init__(self, app: ProxyApp, scope: dict, receive, send):
        self.app, self.receive, self.send = app, receive, send
        self.id, self.started_us = app.recorder.begin()
        self.t0 = time.perf_counter()
        self.t_sent = self.t_answer = self.t_end = None
        self.finished_us: int | None = None  # when the answer was complete (or the exchange ended)
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        self.headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers)
        raw_path = (scope.get("raw_path") or self.path.encode("utf-8")).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        self.url = app.upstream + raw_path + (f"?{query}" if query else "")
        self.checked = contract_path(self.path) is not None or self.path == TOKEN_PATH
        keep = app.limit if self.checked or app.recorder.har is not None else 0
        self.request_tap, self.response_tap = Tap(keep), Tap(keep)
        self.request_done = False
        self.client_gone = False
        self.reading: asyncio.Lock | None = None  # set when the body streams: one reader at a time
        self.status: int | None = None
        self.response_headers: tuple[tuple[str, str], ...] = ()
        self.answer: Answer | None = None
        self.requested: list[Violation] | None = None
        self.error: str | None = None  # why the exchange has no whole answer
        self.cut_off = False  # the upstream broke off its answer
        self.answering = False  # the answer has started: nothing else can be sent

    def header(self, name: bytes) -> str | None:
        for key, value in self.raw_headers:
            if key == name:
                return value.decode("latin-1")
        return None

    async def run(self) -> None:
        try:
            content = await self._request_content()
            if self.app.settings.enforce and self.checked:
                content = await self._enforce(content)
            if self.answer is None:
                await self._forward(content)
            if self.answer is not None:
                await self._send_answer()
        except ClientGone:
            self.error = "the client disconnected before its request was complete"
        except Exception as exc:  # a bug of the proxy's own: Zuora's 500, never a traceback
            log.exception("exchange %d (%s %s) failed in the proxy", self.id, self.method, self.path)
            if not self.answering:
                self.answer = failure(exc, self.header(b"zuora-track-id"))
                await self._send_answer()
        finally:
            self.t_end, self.finished_us = time.perf_counter(), self.app.recorder.now_us()
            await self.app.recorder.finish(self.id, self._finished)

    # -- the request -------------------------------------------------------------------------
    async def _request_content(self) -> bytes | AsyncIterator[bytes] | None:
        """The body to forward: bytes when it came in one piece, else a stream of its chunks."""
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.client_gone = True
            raise ClientGone
        first = message.get("body", b"")
        self.request_tap.feed(first)
        if not message.get("more_body", False):
            self._request_complete()
            declared = self.header(b"content-length") is not None or self.header(b"transfer-encoding") is not None
            return first if first or declared else None
        self.reading = asyncio.Lock()
        return self._stream(first)

    async def _stream(self, first: bytes) -> AsyncIterator[bytes]:
        if first:
            yield first
        while not self.request_done:
            chunk = await self._next_chunk()
            if chunk:
                yield chunk

    async def _next_chunk(self) -> bytes:
        """The next piece of the request body. Two may ask: aiohttp's task writing the body to the
        upstream, and :meth:`_relay` reading the rest when the upstream answered early."""
        async with self.reading:
            if self.request_done:
                return b""
            message = await self.receive()
        if message["type"] == "http.disconnect":
            self.client_gone = True
            raise ClientGone
        chunk = message.get("body", b"")
        self.request_tap.feed(chunk)
        if not message.get("more_body", False):
            self._request_complete()
        return chunk

    def _request_complete(self) -> None:
        self.request_done = True
        self.t_sent = time.perf_counter()

    async def _enforce(self, content: Any) -> bytes | None:
        """Read the whole request (within the limit) and check it; an invalid one gets its
        refusal as the answer. Returns the body to forward."""
        while not self.request_done and self.request_tap.size <= self.app.limit:
            await self._next_chunk()
        exchange = self._exchange()
        if exchange.request_body.size > LARGE_BODY_BYTES:
            self.requested = await asyncio.to_thread(request_violations, exchange, self.app.contract)
        else:
            self.requested = request_violations(exchange, self.app.contract)
        if self.requested:
            self.answer = refusal(self.requested, self.header(b"zuora-track-id"))
        return content if content is None or isinstance(content, bytes) else bytes(self.request_tap.data)

    # -- forwarding ----------------------------------------------------------------------------
    async def _forward(self, content: Any) -> None:
        headers = [(k.decode("latin-1"), _text(v)) for k, v in self.raw_headers if k not in NOT_FORWARDED]
        try:
            response = await self.app.connections.session().request(
                self.method, URL(self.url, encoded=True), headers=headers, data=content, allow_redirects=False)
        except UNREACHABLE as exc:
            if self.client_gone:  # aiohttp reports the failure of our body stream as its own
                raise ClientGone from exc
            self.answer = unreachable(self.app.upstream, exc, self.header(b"zuora-track-id"), timed_out=timed_out(exc))
            return
        try:
            await self._relay(response)
        finally:
            response.release()  # back to the pool when read to the end, else closed

    async def _relay(self, response: Any) -> None:
        self.t_answer = time.perf_counter()
        while not self.request_done:  # the upstream answered early: judge the request whole anyway
            await self._next_chunk()
        headers = [(k, v) for k, v in response.raw_headers if k.lower() not in HOP_BY_HOP]
        self.status = response.status
        self.response_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in headers)
        self.answering = True
        await self.send({"type": "http.response.start", "status": self.status, "headers": headers})
        pending: bytes | None = None
        while True:
            try:
                chunk = await response.content.readany()
            except UNREACHABLE as exc:  # the answer cannot be completed honestly: the connection closes
                self.error = (f"the upstream broke off its answer after {self.response_tap.size:,} body bytes: "
                              f"{type(exc).__name__}: {exc}")
                self.cut_off = True
                return
            if not chunk:
                break
            self.response_tap.feed(chunk)
            if pending is not None:
                await self.send({"type": "http.response.body", "body": pending, "more_body": True})
            pending = chunk
        await self.send({"type": "http.response.body", "body": pending or b"", "more_body": False})

    async def _send_answer(self) -> None:
        answer = self.answer
        self.t_answer = time.perf_counter()
        self.status = answer.status
        self.response_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.headers)
        self.response_tap.feed(answer.body)
        self.answering = True
        await self.send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await self.send({"type": "http.response.body", "body": answer.body, "more_body": False})

    # -- the record ----------------------------------------------------------------------------
    def _exchange(self) -> Exchange:
        encoding = next((v for k, v in self.response_headers if k.lower() == "content-encoding"), None)
        return Exchange(
            id=self.id, method=self.method, path=self.path, request_headers=self.headers,
            request_body=self._body(self.request_tap, self.header(b"content-encoding"), "request"),
            status=self.status, response_headers=self.response_headers,
            response_body=self._body(self.response_tap, encoding, "response"),
            started=self.started_us / 1e6, finished=(self.finished_us or self.app.recorder.now_us()) / 1e6,
            by_proxy=self.answer is not None,
        )

    def _body(self, tap: Tap, encoding: str | None, where: str) -> Body:
        size = tap.size
        declared = self.header(b"content-length")
        if where == "request" and not self.request_done and declared and declared.isdigit():
            size = max(size, int(declared))  # not read to the end (refused as too large)
        if where == "response" and self.cut_off:
            return Body(None, size, Finding("response.incomplete", "", self.error))
        if not tap.limit:
            return Body(None, size)
        return wire_body(bytes(tap.data), size, encoding, self.app.limit, where)

    def _finished(self) -> Finished:
        end = self.t_end or time.perf_counter()
        sent = self.t_sent or end
        answer = self.t_answer or end
        timings = Timings(send=round((sent - self.t0) * 1000, 3), wait=round(max(answer - sent, 0) * 1000, 3),
                          receive=round(max(end - answer, 0) * 1000, 3))
        return Finished(self._exchange(), self.url, timings, self.requested, self.error,
                        checked=self.request_done)


def _text(value: bytes) -> str:
    """A header value for aiohttp, which sends ``str`` as UTF-8: ASCII and UTF-8 values go out byte
    for byte; other bytes (all but unheard of) are read as Latin-1, so they reach it as UTF-8."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")
