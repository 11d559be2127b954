"""A stand-in for a live Zuora tenant: a closed-world mock (only listed documents exist, OAuth
clients only, no static token) behind a front that hides the mock's own ``/_mock/*`` API (but
not the download URLs, the S3 stand-in), answers some requests 429 and, once, refuses a valid
token with 401 (as a tenant does for a revoked one). Over real HTTP with ``run_server(front)``.

The 429s come in a fixed rotation: every ``every``-th API or token request; the first says
``Retry-After: 1``, the others ``Retry-After: 0`` and ``RateLimit-Reset: 0`` alone in turn, or,
for the broken variant ``hints=False``, nothing at all.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bulkpdf_contract.mock import create_app

CLIENT_ID = "7c3e1a52-9b0d-4f6e-8a21-5d4c3b2a1f00"
CLIENT_SECRET = "front-secret"
FILES_PREFIX = "/_mock/files/"


def world(normal: int = 40) -> list[dict[str, Any]]:
    """The tenant's documents: ``normal`` ones with a PDF (half invoices, half credit memos), one
    archived, two without a PDF, and one listed as not existing."""
    docs = [{"docType": "Invoice" if n % 2 else "CreditMemo", "id": f"{n:032x}", "pdfFileName": f"DOC-{n:04d}.pdf",
             "accountNumber": f"A{n:08d}", "documentNumber": f"DOC-{n:04d}"} for n in range(1, normal + 1)]
    docs += [{"docType": "Invoice", "id": "a1" * 16, "archived": True, "pdfFileName": "ARCHIVED-1.pdf"},
             {"docType": "Invoice", "id": "b1" * 16, "hasPdf": False, "pdfFileName": "NOPDF-1.pdf"},
             {"docType": "Invoice", "id": "b2" * 16, "hasPdf": False},
             {"docType": "Invoice", "id": "c1" * 16, "exists": False}]
    return docs


def documents_file(tmp_path: Path, docs: list[dict[str, Any]], name: str = "documents.yaml") -> Path:
    """The documents file a user writes for the gate (here: all of the tenant's documents)."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"documents": docs}, sort_keys=False))
    return path


def closed_world_mock(docs: list[dict[str, Any]] | None = None, **settings: Any):
    return create_app(token=(), clients={CLIENT_ID: CLIENT_SECRET}, documents=docs or world(), **settings)


def _error(status: int, message: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[dict, dict]:
    request_id = str(uuid.uuid4())
    body = json.dumps({"success": False, "processId": uuid.uuid4().hex[:16].upper(), "requestId": request_id,
                       "reasons": [{"code": {429: "51580070", 401: "51580011"}.get(status, "51580040"),
                                    "message": message}]})
    start = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"zuora-request-id", request_id.encode()), *headers]}
    return start, {"type": "http.response.body", "body": body.encode()}


@dataclass
class Front:
    """The ASGI front; ``limited`` counts the 429s it answered, ``refused`` the 401 it made up
    (for the first API request from the ``refuse_once_at``-th request on)."""

    app: Any
    mock: Any = None  # the mock inside (default: ``app``), whose jobs a test counts
    every: int = 9
    hints: bool = True
    refuse_once_at: int | None = 40
    limited: int = 0
    refused: int = 0
    _counter: Any = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def state(self):
        return (self.mock or self.app).state

    def jobs(self) -> int:
        """How many jobs the tenant holds."""
        return self.state.mock.count_jobs()

    def _hint(self) -> list[tuple[bytes, bytes]]:
        """The first 429 says wait a second; then ``Retry-After: 0`` and ``RateLimit-Reset: 0`` alone, in turn."""
        if not self.hints:
            return []
        if self.limited == 1:
            header = (b"retry-after", b"1")
        else:
            header = (b"retry-after", b"0") if self.limited % 2 else (b"ratelimit-reset", b"0")
        return [header, (b"ratelimit-limit", b"100"), (b"ratelimit-remaining", b"0")]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.startswith("/_mock/") and not path.startswith(FILES_PREFIX):
            for message in _error(404, f"no resource at {path}"):
                await send(message)
            return
        if path.startswith("/v1/") or path == "/oauth/token":
            with self._lock:
                n = next(self._counter)
                answer = None
                if n % self.every == self.every - 1:
                    self.limited += 1
                    answer = _error(429, "too many requests", self._hint())
                elif self.refuse_once_at is not None and n >= self.refuse_once_at and path.startswith("/v1/") \
                        and not self.refused:
                    self.refused += 1
                    answer = _error(401, "the token was revoked")
            if answer is not None:
                for message in answer:
                    await send(message)
                return
        await self.app(scope, receive, send)
