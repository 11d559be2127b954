"""The domain checks' HTTP side: every request is recorded, so any failure has its curl line.

Responses are asked for uncompressed (``Accept-Encoding: identity``) unless a check asks for
gzip: httpx would otherwise ask for gzip on every request and the gzip rule could not be told
apart from the client's defaults. The run's bearer token comes from its
:class:`~bulkpdf_contract.live.TokenSource` (a new one after a 401) and 429s are waited out
under its :class:`~bulkpdf_contract.live.RatePolicy`; an exchange records the answer after them.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from ..live import BearerAuth, RatePolicy, TokenSource
from .report import curl_line


@dataclass
class Exchange:
    """One request as sent and the response as received (content already decoded)."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None
    gzipped: bool
    status: int
    response_headers: httpx.Headers
    content: bytes
    api: bool = True
    token: str | None = None  # the run's own token it was sent with (masked in its curl line)

    def json(self) -> Any:
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            return None

    def header(self, name: str) -> str | None:
        return self.response_headers.get(name)

    def curl(self, token: str | None = None) -> str:
        return curl_line(self.method, self.url, self.headers, self.body, token=self.token or token,
                         gzip_body=self.gzipped)

    def describe(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"


@dataclass
class Http:
    """An httpx client bound to the server under test, with the run's token, 429 policy and a transcript."""

    base_url: str
    token: str | TokenSource
    timeout: float = 30.0
    rate: RatePolicy | None = None
    transcript: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.tokens = self.token if isinstance(self.token, TokenSource) else TokenSource(token=self.token)
        self.client = httpx.Client(timeout=self.timeout, follow_redirects=False)

    @property
    def current_token(self) -> str:
        return self.tokens.current()

    def close(self) -> None:
        self.client.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, Any] | None = None,
        auth: bool | str = True,
        gzip_request: bool = False,
        accept_gzip: bool = False,
    ) -> Exchange:
        """Send one request; ``auth`` False sends no token, a string sends that token instead."""
        sent: dict[str, Any] = {"Accept-Encoding": "gzip" if accept_gzip else "identity"}
        body = content
        if json is not None:
            body = orjson.dumps(json)
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        wire = body
        if gzip_request and body is not None:
            sent["Content-Encoding"] = "gzip"
            wire = gzip.compress(body, mtime=0)
        # httpx refuses non-ASCII str header values; an edge case sends them as UTF-8 bytes.
        sent = {k: v.encode("utf-8") if isinstance(v, str) and not v.isascii() else v for k, v in sent.items()}
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        tokens = self.tokens if auth is True else (TokenSource(token=auth) if auth else None)
        response = self.client.request(method, url, content=wire, headers=sent, auth=BearerAuth(tokens, self.rate))
        authorization = response.request.headers.get("Authorization")
        recorded = [(k, v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in sent.items()]
        if authorization is not None:
            recorded.insert(0, ("Authorization", authorization))
        exchange = Exchange(
            method=method,
            url=url,
            headers=recorded,
            body=body,
            gzipped=gzip_request and body is not None,
            status=response.status_code,
            response_headers=response.headers,
            content=response.content,
            api=url.startswith(self.base_url + "/v1/"),
            token=authorization.removeprefix("Bearer ") if auth is True and authorization else None,
        )
        self.transcript.append(exchange)
        return exchange

    def download(self, url: str) -> Exchange:
        """Fetch a file URL the way a client fetches a pre-signed S3 URL: no bearer token."""
        return self.send("GET", url, auth=False)
