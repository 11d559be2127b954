"""Running the mock under uvicorn in a background thread, on a free port of 127.0.0.1.

The socket is bound here (port 0 lets the OS choose) and handed to uvicorn, so the URL is known
before the server starts and no other process can take the port in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import h11
import orjson
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed
    HttpToolsProtocol = None

from .errors import ErrorCategory, error_body, reason
from .responses import JSON_TYPE
from .wire import CONNECTION_EXTENSION


@dataclass
class RunningServer:
    url: str
    app: Any
    server: uvicorn.Server = field(repr=False)
    thread: threading.Thread = field(repr=False)

    @property
    def state(self):
        """The mock's state (data directory, storage, world), when ``app`` is the mock."""
        return getattr(getattr(self.app, "state", None), "mock", None)

    @property
    def data_dir(self):
        return self.state.data_dir if self.state is not None else None

    def stop(self, timeout: float = 30.0) -> None:
        """Shut down (lifespan shutdown runs: the mock stops its workers and closes its database)."""
        if self.thread.is_alive():
            self.server.should_exit = True
            self.thread.join(timeout)


class Connection:
    """One TCP connection, as the ``bulkpdf.connection`` scope extension: what a fault needs to
    drop it (:mod:`.wire`). ASGI has no way to close a connection without answering."""

    def __init__(self, transport: asyncio.Transport):
        self._transport = transport
        self._lost = asyncio.Event()

    async def drop(self, timeout: float = 5.0) -> None:
        """Close it (what was written so far still goes out) and wait until the server saw it
        close, so uvicorn neither answers nor reports the unfinished response."""
        self._transport.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._lost.wait(), timeout)

    def lost(self) -> None:
        self._lost.set()


MAX_HEAD_BYTES = 16 * 1024
"""The request line and headers the mock reads, as h11 counts them (its default limit); past it
the request is malformed (a 20 MB header must not be buffered)."""


def malformed_answer() -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the answer to a request HTTP/1.1 cannot parse: Zuora's error body and
    a ``Zuora-Request-Id``, like every other answer, not uvicorn's text/plain "Invalid HTTP
    request"; the connection closes after it."""
    request_id = str(uuid.uuid4())
    body = orjson.dumps(error_body(request_id, [reason(ErrorCategory.MALFORMED_JSON, (
        "the HTTP request is malformed: a header line HTTP/1.1 does not allow (a CR, LF or NUL "
        "in a value) or headers larger than the server accepts"
    ))]))
    headers = [
        (b"content-type", JSON_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"zuora-request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    return headers, body


class CoalescingTransport:
    """A transport whose writes of one event-loop turn leave in one system call.

    uvicorn writes a response's head and its body separately: two sends, and on loopback the
    sender also pays for the receiving side, so the second is a fifth of a small response's
    cost. Here they are joined and written when the loop next turns (or at once past
    ``FLUSH_BYTES``, so a large body is never held); ``close`` writes what is pending first,
    ``abort`` drops it, as a transport does with its buffer.
    """

    FLUSH_BYTES = 65536

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= self.FLUSH_BYTES:
            self._flush()

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Connected:
    """What both protocols add to uvicorn's: the :class:`Connection` of each TCP connection, and
    its writes coalesced (:class:`CoalescingTransport`)."""

    def connection_made(self, transport) -> None:
        transport = CoalescingTransport(transport, asyncio.get_running_loop())
        super().connection_made(transport)
        self._bulkpdf_connection = Connection(transport)

    def connection_lost(self, exc) -> None:
        super().connection_lost(exc)
        self._bulkpdf_connection.lost()


class ZuoraH11Protocol(_Connected, H11Protocol):
    """uvicorn's h11 protocol with the mock's two changes: :func:`malformed_answer` for what h11
    refuses to parse, and each request's :class:`Connection` in its scope (``bulkpdf.connection``)."""

    def handle_events(self) -> None:
        super().handle_events()
        # A request's task starts only when this returns: its scope gets the extension in time.
        if self.scope is not None:
            self.scope.setdefault("extensions", {})[CONNECTION_EXTENSION] = self._bulkpdf_connection

    def send_400_response(self, msg: str) -> None:
        headers, body = malformed_answer()
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


if HttpToolsProtocol is not None:

    class ZuoraHttpToolsProtocol(_Connected, HttpToolsProtocol):
        """uvicorn's httptools (llhttp) protocol with the same two changes, and h11's limit on the
        size of a request's head, which llhttp does not have (it would buffer any header)."""

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_bytes = 0
            self.scope["extensions"] = {CONNECTION_EXTENSION: self._bulkpdf_connection}

        def _count_head(self, size: int) -> None:
            self._head_bytes += size
            if self._head_bytes > MAX_HEAD_BYTES:
                raise ValueError("request head too large")  # httptools: a parser error -> 400

        def on_url(self, url: bytes) -> None:
            self._count_head(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_head(len(name) + len(value) + 4)
            super().on_header(name, value)

        def send_400_response(self, msg: str) -> None:
            headers, body = malformed_answer()
            head = b"".join(b"%s: %s\r\n" % pair for pair in headers)
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\n" + head + b"\r\n" + body)
            self.transport.close()

    PROTOCOL: type = ZuoraHttpToolsProtocol
else:  # no httptools wheel for this platform: h11, slower but the same answers
    PROTOCOL = ZuoraH11Protocol


def tune_gc_for_serving() -> None:
    """For a process that only serves (``bulkpdf serve``, ``bulkpdf proxy``): collect garbage
    less often. With CPython's defaults a full collection runs every few thousand requests and
    walks everything the server holds (the journal's entries, the contract, the modules): a
    15-25 ms pause that is most of the mock's p99 under load. Start-up objects are frozen out of
    collection, and the young generation is collected every 20,000 allocations instead of 700.
    Never called for a server in a thread of someone else's process (tests, the gate)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (port 0: the OS picks a free one)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn sets TCP_NODELAY only on sockets it binds itself; accepted sockets inherit it
    # from here on Linux. Without it Nagle + delayed ACK add ~45 ms to every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def start_server(app: Any = None, *, host: str = "127.0.0.1", port: int = 0, **create_app_kwargs: Any) -> RunningServer:
    """Start ``app`` (default: ``create_app(**create_app_kwargs)``) and return once it accepts connections."""
    if app is None:
        from .app import create_app

        app = create_app(**create_app_kwargs)
    elif create_app_kwargs:
        raise TypeError("pass either app or create_app arguments, not both")
    return serve_app(app, host=host, port=port)


def serve_app(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, name: str = "bulkpdf-mock-server", **config: Any
) -> RunningServer:
    """Any ASGI app under uvicorn (:data:`PROTOCOL`, the event loop uvicorn picks: uvloop when
    installed) in a thread named ``name``,
    once it accepts connections. ``config``: more ``uvicorn.Config`` options (with
    ``ssl_certfile`` and ``ssl_keyfile`` the URL is ``https://``)."""
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    options = {"log_level": "warning", "lifespan": "on", "access_log": False, "timeout_graceful_shutdown": 5,
               "http": PROTOCOL, **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the server did not start on {host}:{bound_port}")
        time.sleep(0.005)
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if options.get("ssl_certfile") else "http"
    return RunningServer(f"{scheme}://{url_host}:{bound_port}", app, server, thread)


@contextlib.contextmanager
def run_server(app: Any = None, *, host: str = "127.0.0.1", port: int = 0, **create_app_kwargs: Any) -> Iterator[RunningServer]:
    """``with run_server(job_delay=0.1) as server: httpx.get(server.url + ...)``; stops on exit."""
    running = start_server(app, host=host, port=port, **create_app_kwargs)
    try:
        yield running
    finally:
        running.stop()
