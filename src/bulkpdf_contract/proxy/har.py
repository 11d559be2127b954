"""Every exchange as HAR 1.2, bearer tokens masked, readable after each entry.

The entries are built with ``harfile``'s models (schemathesis' HAR writer, so its field set is
the well-kept one), but the file is written here: ``harfile.HarFile`` writes the closing
``]}}`` only in ``close()`` and does not flush per entry, so a proxy killed with SIGKILL would
leave a file no HAR reader opens. Here the file is a complete HAR document after every entry:
each entry goes out in one write that also rewrites the closing brackets behind it.

Secrets: ``Authorization`` values, the ``access_token`` of ``POST /oauth/token`` answers and the
``client_secret`` of its form become ``masked-<16 hex>``, an HMAC under a key of this run, so one
token is the same pseudonym throughout the file (``bulkpdf lint --har`` still tells tenants
apart) and cannot be recovered. Download URLs (pre-signed, valid 24 h) are kept: treat the file
as sensitive.

Bodies are stored decoded (as ``content.text`` is in HAR), as text when they are UTF-8, else
base64. ``_bulkpdf`` (custom fields start with ``_`` in HAR) holds the exchange id, whether the
proxy answered itself, why a body was not recorded, and an error for an exchange without answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import harfile
import orjson

from .. import __version__
from ..spec import TOKEN_PATH
from ..validators.exchanges import Body, Exchange

SUFFIX = b"\n]}}\n"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


@dataclass(frozen=True)
class Timings:
    """Milliseconds: the request sent on (``send``), waiting for the answer, reading it."""

    send: float = 0.0
    wait: float = 0.0
    receive: float = 0.0


class Masker:
    """Replaces credentials with stable pseudonyms (one key per run)."""

    def __init__(self, key: bytes | None = None):
        self._key = key or secrets.token_bytes(32)

    def token(self, secret: str) -> str:
        return "masked-" + hmac.new(self._key, secret.encode("utf-8", "surrogateescape"),
                                    hashlib.sha256).hexdigest()[:16]

    def header(self, name: str, value: str) -> str:
        if name.lower() not in SECRET_HEADERS:
            return value
        scheme, _, credentials = value.partition(" ")
        return f"{scheme} {self.token(credentials.strip())}" if credentials.strip() else self.token(value)

    def token_form(self, text: str) -> str:
        pairs = parse_qsl(text, keep_blank_values=True)
        return urlencode([(k, self.token(v) if k == "client_secret" else v) for k, v in pairs])

    def token_answer(self, data: bytes) -> bytes:
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            return data
        if isinstance(body, dict) and isinstance(body.get("access_token"), str):
            body["access_token"] = self.token(body["access_token"])
            return orjson.dumps(body)
        return data


def iso_time(microseconds: int) -> str:
    """HAR's ``startedDateTime`` with microseconds (ISO 8601, UTC)."""
    return datetime.fromtimestamp(microseconds / 1e6, timezone.utc).isoformat(timespec="microseconds")


def entry(exchange: Exchange, url: str, timings: Timings, masker: Masker, error: str | None = None) -> dict:
    """The HAR entry of one exchange."""
    started_us = round(exchange.started * 1e6)
    elapsed_ms = (round(exchange.finished * 1e6) - started_us) / 1000
    token_call = exchange.path == TOKEN_PATH
    request = harfile.Request(
        method=exchange.method, url=url, httpVersion="HTTP/1.1",
        headers=[harfile.Record(k, masker.header(k, v)) for k, v in exchange.request_headers],
        queryString=[harfile.Record(k, v) for k, v in parse_qsl(url.partition("?")[2], keep_blank_values=True)],
        bodySize=exchange.request_body.size,
    ).asdict()
    post = _post_data(exchange, masker if token_call else None)
    if post is not None:
        request["postData"] = post
    response = _response(exchange, masker if token_call else None)
    extra: dict[str, Any] = {"exchange": exchange.id, "byProxy": exchange.by_proxy}
    for side, body in (("request", exchange.request_body), ("response", exchange.response_body)):
        if body.problem is not None:
            extra[f"{side}Problem"] = {"rule": body.problem.rule, "message": body.problem.message}
    if error is not None:
        extra["error"] = error
    return {
        "startedDateTime": iso_time(started_us), "time": elapsed_ms, "request": request,
        "response": response, "cache": {},
        "timings": harfile.Timings(send=timings.send, wait=timings.wait, receive=timings.receive).asdict(),
        "_bulkpdf": extra,
    }


def _text(data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def _post_data(exchange: Exchange, token_masker: Masker | None) -> dict | None:
    body = exchange.request_body
    if not body.size and not body.data:
        return None
    mime = exchange.request_header("content-type") or ""
    if body.data is None:
        return harfile.PostData(mimeType=mime).asdict()
    text, encoding = _text(body.data)
    if token_masker is not None and encoding is None:
        text = token_masker.token_form(text)
    post = harfile.PostData(mimeType=mime, text=text).asdict()
    if encoding is not None:
        post["_encoding"] = encoding
    return post


def _response(exchange: Exchange, token_masker: Masker | None) -> dict:
    if exchange.status is None:
        return harfile.Response(status=0, statusText="", httpVersion="", bodySize=-1).asdict()
    body: Body = exchange.response_body
    content = harfile.Content(size=body.size, mimeType=exchange.response_header("content-type") or "")
    if body.data is not None:
        data = token_masker.token_answer(body.data) if token_masker is not None else body.data
        content.text, content.encoding = _text(data)
        content.size = len(body.data)
        if body.size != len(body.data):
            content.compression = len(body.data) - body.size
    try:
        phrase = http.HTTPStatus(exchange.status).phrase
    except ValueError:
        phrase = ""
    return harfile.Response(
        status=exchange.status, statusText=phrase, httpVersion="HTTP/1.1",
        headers=[harfile.Record(k, v) for k, v in exchange.response_headers],
        content=content, redirectURL=exchange.response_header("location") or "", bodySize=body.size,
    ).asdict()


class HarWriter:
    """A HAR file that is complete after every :meth:`add` (see the module's docstring)."""

    def __init__(self, path: str | Path, masker: Masker | None = None):
        self.path = Path(path)
        self.masker = masker or Masker()
        self.entries = 0
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        head = orjson.dumps({"version": "1.2", "creator": {"name": "bulkpdf proxy", "version": __version__}})
        head = b'{"log": ' + head[:-1] + b', "entries": ['
        self._end = len(head)
        self._write_at(0, head + SUFFIX)

    def add(self, exchange: Exchange, url: str, timings: Timings, error: str | None = None) -> None:
        data = orjson.dumps(entry(exchange, url, timings, self.masker, error))
        chunk = (b",\n" if self.entries else b"\n") + data
        self._write_at(self._end, chunk + SUFFIX)
        self._end += len(chunk)
        self.entries += 1

    def _write_at(self, offset: int, data: bytes) -> None:
        os.lseek(self._fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
