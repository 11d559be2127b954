"""Faults and the journal where the bytes are: around each request at the ASGI layer.

:class:`Recording` fills one journal entry: it reads the request body ahead of the app (so its
size and digest are known even when a fault or a 401 answers without reading it), records the
status and the bytes of the answer as they go out, and at the end the validators' findings
(the handler's own when it validated the request, see :func:`~.journal.note`).

:func:`fault_response` is a ``respond`` rule's answer, :class:`Cut` a ``disconnect`` or
``truncate`` rule's. Dropping a connection needs the connection: under uvicorn the server's
protocol (:data:`~.server.PROTOCOL`) puts it into the scope as the
``bulkpdf.connection`` extension; without it (an in-process ASGI client) a drop raises
:class:`ConnectionDropped` to the caller instead, which is what a lost connection looks like there.
"""

from __future__ import annotations

import hashlib
from typing import Any, Awaitable, Callable

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ..spec import COLLECTION_PATH, TOKEN_PATH
from .errors import ErrorCategory
from .faults import Disconnect, Respond, Truncate
from .journal import Entry, Journal, finding_dicts, note_of, request_findings
from .responses import error_response, s3_error, server_error
from .routes.bulk_pdf import LARGE_BODY_BYTES, MAX_REASONS
from .routes.files import FILES_PREFIX
from .routes.harness import HARNESS_PATHS

CONNECTION_EXTENSION = "bulkpdf.connection"
_POLL_PREFIX = COLLECTION_PATH + "/"


class ConnectionDropped(ConnectionError):
    """A fault dropped the connection of a request that has no real one (in-process ASGI)."""


def classify(path: str) -> str:
    """The journal's ``kind`` of a request path (see :data:`~.journal.KINDS`)."""
    if path == COLLECTION_PATH:
        return "submit"
    if path.startswith(_POLL_PREFIX) and "/" not in path[len(_POLL_PREFIX):]:
        return "poll"
    if path.startswith(FILES_PREFIX + "/"):
        return "download"
    if path == TOKEN_PATH:
        return "token"
    return "control" if path.startswith("/_mock/") else "other"


def is_harness(path: str) -> bool:
    """The harness API itself (faults, journal, clock): never journaled nor faulted."""
    return path in HARNESS_PATHS


class Recording:
    """One request's journal entry while the request is answered. The entry is complete
    (:meth:`complete`) before the last byte of the answer goes out, or before its connection is
    dropped, so whoever reads the journal after seeing the answer finds it whole."""

    def __init__(self, journal: Journal, entry: Entry, scope, contract, max_bytes: int):
        self.journal = journal
        self.entry = entry
        self.scope = scope
        self.contract = contract
        self.max_bytes = max_bytes
        self.raw: bytes | None = b""
        self._digest = hashlib.sha256()
        self._size = 0
        self._done = False

    async def read_ahead(self, receive):
        """Read the body (up to ``max_bytes``) before the app; a ``receive`` that replays it."""
        length = next((v for k, v in self.scope["headers"] if k == b"content-length"), b"")
        if length.isdigit() and int(length) > self.max_bytes:
            self.raw = None  # too large to keep: only counted as it passes
            return self._counting(receive)
        chunks, more, early = [], True, None
        while more:
            message = await receive()
            if message["type"] != "http.request":
                early = message
                break
            chunk = message.get("body", b"")
            self._count(chunk)
            chunks.append(chunk)
            more = message.get("more_body", False)
            if self._size > self.max_bytes:
                break
        body = b"".join(chunks)
        self.raw = body if self._size <= self.max_bytes else None
        replay: list[dict[str, Any]] = [early] if early else [
            {"type": "http.request", "body": body, "more_body": more}]
        counting = self._counting(receive)

        async def replaying():
            return replay.pop(0) if replay else await counting()

        return replaying

    def _count(self, chunk: bytes) -> None:
        self._size += len(chunk)
        self._digest.update(chunk)

    def _counting(self, receive):
        async def counting():
            message = await receive()
            if message["type"] == "http.request":
                self._count(message.get("body", b""))
            return message

        return counting

    def wrap(self, send):
        entry = self.entry

        async def recording(message):
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.retry_after = next((v.decode("latin-1") for k, v in message.get("headers", [])
                                          if k.lower() == b"retry-after"), None)
            elif message["type"] == "http.response.body":
                entry.response_bytes += len(message.get("body", b""))
                if not message.get("more_body", False):
                    await self.complete("answered")
            await send(message)

        return recording

    async def complete(self, outcome: str) -> None:
        """Fill in the rest once (findings, job, how the answer ended): before the last byte,
        before a drop, or when the app is done without either (``unfinished``)."""
        if self._done:
            return
        self._done = True
        entry = self.entry
        entry.outcome, entry.duration = outcome, self.journal.now() - entry.received
        if outcome == "dropped":
            entry.status = None
        entry.body_bytes = self._size
        entry.body_sha256 = self._digest.hexdigest() if self._size else None
        noted = note_of(self.scope)
        entry.job = noted.get("job", entry.job)
        entry.job_created = bool(noted.get("job_created", False))
        entry.job_status = noted.get("job_status")
        if entry.kind not in ("submit", "poll", "token"):
            return
        findings = noted.get("findings")
        if findings is None:
            args = (entry.kind, entry.method, self.journal.decode(entry).headers, self.raw, self.contract)
            kwargs = {"max_bytes": self.max_bytes, "max_findings": MAX_REASONS}
            if self.raw is not None and len(self.raw) > LARGE_BODY_BYTES:
                findings = await anyio.to_thread.run_sync(lambda: request_findings(*args, **kwargs))
            else:
                findings = request_findings(*args, **kwargs)
        entry.findings = finding_dicts(findings)


# -- respond --------------------------------------------------------------------------------------
_CATEGORIES = {
    400: ErrorCategory.INVALID_VALUE, 401: ErrorCategory.AUTHENTICATION, 403: ErrorCategory.AUTHENTICATION,
    404: ErrorCategory.NOT_FOUND, 405: ErrorCategory.UNSUPPORTED_METHOD, 409: ErrorCategory.LOCKING,
    422: ErrorCategory.BUSINESS_RULE, 429: ErrorCategory.RATE_LIMIT, 502: ErrorCategory.TEMPORARY,
    503: ErrorCategory.TEMPORARY, 504: ErrorCategory.TEMPORARY,
}
_MESSAGES = {
    401: "the access token expired; request a new token",
    429: "too many requests; retry after the time in Retry-After",
    502: "bad gateway; retry later", 503: "the service is temporarily unavailable; retry later",
    504: "gateway timeout; retry later",
}
_S3_CODES = {403: "AccessDenied", 404: "NoSuchKey", 500: "InternalError", 503: "SlowDown"}
RETRY_AFTER_DEFAULT = 1  # seconds, for a 429 rule that names none (Zuora always sends one)


def retry_after(action: Respond) -> int | None:
    if action.retry_after is None and action.status == 429:
        return RETRY_AFTER_DEFAULT
    return action.retry_after


def fault_response(request: Request, kind: str, action: Respond) -> Response:
    """Zuora's error answer for ``action.status`` (S3's XML one on a download URL)."""
    status, wait = action.status, retry_after(action)
    headers = {} if wait is None else {"Retry-After": str(wait)}
    message = action.message or _MESSAGES.get(status) or f"fault injected by the mock: HTTP {status}"
    if kind == "download":
        response = s3_error(status, _S3_CODES.get(status, "ServiceUnavailable" if status >= 500 else "InvalidRequest"),
                            message)
        response.headers.update(headers)
        return response
    if status == 500:
        response = server_error(request, action.message or "")
        response.headers.update(headers)
        return response
    if status == 401:
        headers["WWW-Authenticate"] = ('Bearer realm="bulkpdf-mock", error="invalid_token", '
                                       'error_description="The access token expired"')
    category = _CATEGORIES.get(status, ErrorCategory.INVALID_VALUE if status < 500 else ErrorCategory.INTERNAL)
    return error_response(request, status, category, message, headers=headers)


# -- disconnect / truncate -------------------------------------------------------------------------
class Cut:
    """The answer of a request whose connection a rule drops: before its first byte
    (``disconnect``) or after ``bytes`` bytes of its body (``truncate``)."""

    def __init__(self, action: Disconnect | Truncate, scope, before_drop: Callable[[str], Awaitable[None]] | None):
        self.action = action
        self.connection = scope.get("extensions", {}).get(CONNECTION_EXTENSION)
        self.before_drop = before_drop  # the journal completes its entry first
        self.dropped = False
        self.truncated = False

    @property
    def outcome(self) -> str | None:
        if self.truncated:
            return "truncated"
        return "dropped" if self.dropped else None

    async def drop(self) -> None:
        """Close the connection (and wait until the server saw it close), or raise without one."""
        self.dropped = True
        if self.before_drop is not None:
            await self.before_drop(self.outcome)
        if self.connection is None:
            raise ConnectionDropped("the mock dropped the connection (fault)")
        await self.connection.drop()

    def wrap(self, send):
        if isinstance(self.action, Disconnect):
            async def swallow(message):  # the app answers into the void; the drop follows
                return None

            return swallow
        left = self.action.bytes

        async def cutting(message):
            nonlocal left
            if self.dropped:
                raise ConnectionDropped("the mock cut the answer short (fault)")
            if message["type"] != "http.response.body":
                return await send(message)
            body = message.get("body", b"")
            if len(body) < left or (len(body) == left and not message.get("more_body", False)):
                left -= len(body)
                return await send(message)
            await send({"type": "http.response.body", "body": body[:left], "more_body": True})
            self.truncated = True
            await self.drop()
            raise ConnectionDropped("the mock cut the answer short (fault)")

        return cutting
