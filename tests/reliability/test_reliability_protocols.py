"""The mock's HTTP stack: httptools (llhttp) with uvloop when installed, h11 otherwise; both give
Zuora's body for what they cannot parse, refuse an oversized head, and hand each request its
connection (what a fault drops)."""

from __future__ import annotations

import gc
import http.client

import orjson
import pytest
from reliability_support import raw_exchange

from bulkpdf_contract.mock.server import (
    MAX_HEAD_BYTES,
    PROTOCOL,
    Connection,
    ZuoraH11Protocol,
    ZuoraHttpToolsProtocol,
    serve_app,
    tune_gc_for_serving,
)
from bulkpdf_contract.mock.wire import CONNECTION_EXTENSION

STACKS = [ZuoraH11Protocol, ZuoraHttpToolsProtocol]


def test_the_mock_serves_with_httptools():
    assert PROTOCOL is ZuoraHttpToolsProtocol  # httptools is a dependency


def seen_scopes():
    scopes = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        scopes.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    return app, scopes


def exchange(url: str, raw: bytes):
    """Sent in chunks, stopping when the answer starts (a refused head is not read to its end)."""
    return raw_exchange(url, raw[:4096], [raw[i:i + 4096] for i in range(4096, len(raw), 4096)], timeout=20)


def zuora_400(answer) -> dict:
    assert answer.status == 400, answer.raw_head
    assert answer.headers["zuora-request-id"] and answer.headers["content-type"].startswith("application/json")
    payload = orjson.loads(answer.body)
    assert payload["success"] is False and payload["reasons"][0]["code"] == "51580090"
    return payload


@pytest.mark.parametrize("protocol", STACKS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("raw", [
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (16 * MAX_HEAD_BYTES) + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(30_000)) + b"\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
    b"GET /" + b"p" * (16 * MAX_HEAD_BYTES) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
], ids=["long-header", "many-headers", "nul-in-value", "long-url"])
def test_what_the_server_cannot_take_gets_zuoras_400(protocol, raw):
    app, scopes = seen_scopes()
    running = serve_app(app, http=protocol, lifespan="off")
    try:
        zuora_400(exchange(running.url, raw))
    finally:
        running.stop()
    assert scopes == []  # never reached the app


@pytest.mark.parametrize("counted, status", [(MAX_HEAD_BYTES, 200), (MAX_HEAD_BYTES + 1, 400)])
def test_httptools_reads_a_head_up_to_h11s_limit(counted, status):
    """llhttp has no limit of its own: the mock's protocol counts the URL and each header (name,
    value and 4 bytes of ``: `` and CRLF) as they are parsed, and refuses past the limit."""
    app, _ = seen_scopes()
    fixed = len("/") + len("Host") + len("x") + 4 + len("Connection") + len("close") + 4 + len("X-Pad") + 4
    raw = (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: " + b"a" * (counted - fixed)
           + b"\r\n\r\n")
    running = serve_app(app, http=ZuoraHttpToolsProtocol, lifespan="off")
    try:
        assert exchange(running.url, raw).status == status
    finally:
        running.stop()


@pytest.mark.parametrize("protocol", STACKS, ids=lambda p: p.__name__)
def test_each_request_carries_its_connection(protocol):
    app, scopes = seen_scopes()
    running = serve_app(app, http=protocol, lifespan="off")
    host, port = running.url.removeprefix("http://").split(":")
    try:
        keep_alive = http.client.HTTPConnection(host, int(port), timeout=10)
        for path in ("/a", "/b"):
            keep_alive.request("GET", path)
            assert keep_alive.getresponse().read() == b"ok"
        keep_alive.close()
    finally:
        running.stop()
    connections = [s["extensions"][CONNECTION_EXTENSION] for s in scopes]
    assert [s["path"] for s in scopes] == ["/a", "/b"]
    assert all(isinstance(c, Connection) for c in connections) and connections[0] is connections[1]


def test_a_serving_process_collects_garbage_less_often():
    before = gc.get_threshold()
    try:
        tune_gc_for_serving()
        assert gc.get_threshold()[0] >= 10_000 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _Recorded:
    """A transport that records what reaches the socket."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closed or self.aborted

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def get_write_buffer_size(self):
        return 0

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 1) if name == "peername" else default


def test_a_responses_writes_in_one_loop_turn_leave_in_one_system_call():
    import asyncio

    from bulkpdf_contract.mock.server import CoalescingTransport

    async def scenario():
        real = _Recorded()
        transport = CoalescingTransport(real, asyncio.get_running_loop())
        head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"
        transport.write(head)
        transport.write(b"ok")
        assert real.writes == [] and transport.get_write_buffer_size() == len(head) + 2
        await asyncio.sleep(0)  # the loop turns
        assert real.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
        big = b"x" * CoalescingTransport.FLUSH_BYTES
        transport.write(b"head")
        transport.write(big)  # past the threshold: written at once, nothing held
        assert real.writes[-1] == b"head" + big and transport.get_write_buffer_size() == 0
        transport.write(b"last words")
        transport.close()  # what is pending goes out before the connection closes
        assert real.writes[-1] == b"last words" and real.closed
        await asyncio.sleep(0)
        assert len(real.writes) == 3  # the scheduled flush found nothing more
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1)

        dropped = _Recorded()
        transport = CoalescingTransport(dropped, asyncio.get_running_loop())
        transport.write(b"never sent")
        transport.abort()  # as a transport drops its buffer
        await asyncio.sleep(0)
        assert dropped.writes == [] and dropped.aborted

    asyncio.run(scenario())
