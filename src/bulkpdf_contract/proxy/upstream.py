"""The proxy's connections to the upstream: an aiohttp session set up to add nothing to what it
forwards, and the line between an upstream that cannot be reached (502) and one that is too slow
(504).

aiohttp rather than httpx: its HTTP/1.1 parser is llhttp in C and its pool is a dict of idle
connections, where httpx's pure-Python stack cost ~0.5 ms of CPU per exchange against aiohttp's
~0.1-0.15 ms (32 clients, the seed POST; figures in ``benchmarks/proxy.py``) -- most of the CPU the
proxy spent on an exchange. The session belongs to the event loop it was made on; in-process
callers (no lifespan) get one on their first request.
"""

from __future__ import annotations

import asyncio

import aiohttp
import httpx

from .config import ProxySettings

SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "Content-Type", "User-Agent")
"""What aiohttp would add to a request that lacks it: a proxy forwards what the client sent."""
MAX_FIELD_BYTES = 65536
"""Longest upstream header line accepted (aiohttp's default of 8,190 is below h11's 16 KB head)."""


class Upstream:
    """One pooled aiohttp session to the upstream per event loop."""

    def __init__(self, settings: ProxySettings):
        # httpx's reading of ``verify`` (True: certifi or SSL_CERT_FILE; False; an SSLContext), so
        # the setting means what it meant when httpx forwarded.
        self.ssl = httpx.create_ssl_context(verify=settings.verify)
        self.timeout = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=settings.connect_timeout,
                                             sock_read=settings.timeout)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=4.0, ssl=self.ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self.timeout, auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=SKIP_AUTO_HEADERS,
                max_field_size=MAX_FIELD_BYTES, max_line_size=MAX_FIELD_BYTES)
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()


def timed_out(error: BaseException) -> bool:
    """Whether a failure to get an answer was the upstream's slowness (504), not its absence (502):
    a connection that could not be made in time is an upstream that cannot be reached."""
    return isinstance(error, asyncio.TimeoutError) and not isinstance(error, aiohttp.ConnectionTimeoutError)


UNREACHABLE: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
"""What asking the upstream raises when there is no answer to pass on (an URL aiohttp cannot use
is an ``InvalidURL``, a ClientError)."""
