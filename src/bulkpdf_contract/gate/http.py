"""The domain checks' HTTP side: every request is recorded, so any failure has its curl line.

Responses are asked for uncompressed (``Accept-Encoding: identity``) unless a check asks for
gzip: httpx would otherwise ask for gzip on every request and the gzip rule could not be told
apart from the client's defaults.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

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

    def json(self) -> Any:
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            return None

    def header(self, name: str) -> str | None:
        return self.response_headers.get(name)

    def curl(self, token: str | None) -> str:
        return curl_line(self.method, self.url, self.headers, self.body, token=token, gzip_body=self.gzipped)

    def describe(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"


@dataclass
class Http:
    """An httpx client bound to the server under test, with the bearer token and a transcript."""

    base_url: str
    token: str
    timeout: float = 30.0
    transcript: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.client = httpx.Client(timeout=self.timeout, follow_redirects=False)

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
        if auth:
            sent["Authorization"] = f"Bearer {self.token if auth is True else auth}"
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
        response = self.client.request(method, url, content=wire, headers=sent)
        exchange = Exchange(
            method=method,
            url=url,
            headers=[(k, v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in sent.items()],
            body=body,
            gzipped=gzip_request and body is not None,
            status=response.status_code,
            response_headers=response.headers,
            content=response.content,
            api=url.startswith(self.base_url + "/v1/"),
        )
        self.transcript.append(exchange)
        return exchange

    def download(self, url: str) -> Exchange:
        """Fetch a file URL the way a client fetches a pre-signed S3 URL: no bearer token."""
        return self.send("GET", url, auth=False)
