"""An httpx client for the bulk-PDF endpoint with the steps a test needs: submit, poll, download, open.

It is the ``bulkpdf_client`` fixture of the pytest plugin, usable on its own too, and
:class:`BulkPdfServer`, the ``bulkpdf_server`` fixture's handle on the server those clients talk
to. The helpers fail with messages that carry Zuora's ``reasons`` and ``Zuora-Request-Id``,
because that is what a person reading a failed test needs first.
"""

from __future__ import annotations

import contextlib
import io
import time
import unittest
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx

from .live import BearerAuth, RatePolicy, TokenSource
from .spec import COLLECTION_PATH, load_contract

SUCCEEDED = load_contract().succeeded_statuses
FAILED = load_contract().failed_statuses
TERMINAL = load_contract().terminal_statuses


class BulkPdfError(Exception):
    """The endpoint answered something a helper cannot go on with (non-200, ``success: false``, ...)."""


class JobTimeout(BulkPdfError, TimeoutError):
    """A job did not reach a terminal status in time."""


class SeedingUnavailable(unittest.SkipTest):
    """The server has no test-control endpoints (``/_mock/...``), so documents cannot be seeded.

    A :class:`unittest.SkipTest`, which pytest reports as a skip with this message: a test that
    seeds documents is skipped against a real Zuora sandbox, and this module needs no pytest.
    """


@dataclass
class Export:
    """A finished job: its last poll body and its ZIP files, opened in memory."""

    job: dict[str, Any]
    zips: list[zipfile.ZipFile] = field(default_factory=list)

    @property
    def job_id(self) -> str:
        return self.job["jobId"]

    @property
    def status(self) -> str:
        return self.job.get("status", "")

    def names(self) -> list[str]:
        """Every member name over all ZIPs, in ZIP order (index files included)."""
        return [name for archive in self.zips for name in archive.namelist()]


def describe(response: httpx.Response) -> str:
    """``POST /v1/... -> 400 (Zuora-Request-Id ...): 51580020 All Document IDs ...`` for error messages."""
    request = response.request
    head = f"{request.method} {request.url.path} -> {response.status_code}"
    request_id = response.headers.get("Zuora-Request-Id")
    if request_id:
        head += f" (Zuora-Request-Id {request_id})"
    try:
        body = response.json()
    except ValueError:
        return f"{head}: {response.text[:300]!r}"
    reasons = body.get("reasons") if isinstance(body, dict) else None
    if reasons:
        return head + ": " + "; ".join(f"{r.get('code')} {r.get('message')}" for r in reasons)
    return f"{head}: {body!r}"[:600]


class BulkPdfClient(httpx.Client):
    """``httpx.Client`` with base URL and bearer auth set, plus the job workflow as methods."""

    def __init__(
        self,
        base_url: str,
        token: str | TokenSource,
        *,
        job_timeout: float = 60.0,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``token``: a bearer token, or a :class:`~bulkpdf_contract.live.TokenSource` (OAuth
        client credentials: a token fetched and renewed before it expires and after a 401, and
        429s waited out)."""
        kwargs.setdefault("timeout", httpx.Timeout(30.0))
        # uvicorn (the mock) closes idle connections after 5 s, as httpx does: a poll sent on a
        # connection the server is closing fails with "Server disconnected". Expire sooner.
        kwargs.setdefault("limits", httpx.Limits(keepalive_expiry=2.0))
        if isinstance(token, TokenSource):
            kwargs.setdefault("auth", BearerAuth(token, RatePolicy()))
        else:
            headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        super().__init__(base_url=base_url, headers=headers, **kwargs)
        self.job_timeout = job_timeout

    # -- raw calls ----------------------------------------------------------------------------
    def create_job(self, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """``POST /v1/operations/bulk-pdf`` with ``body`` as JSON; the response as it came."""
        return self.post(COLLECTION_PATH, json=body, headers=headers)

    def get_job(self, job_id: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """``GET /v1/operations/bulk-pdf/{jobId}``; the response as it came."""
        return self.get(f"{COLLECTION_PATH}/{job_id}", headers=headers)

    # -- the workflow -------------------------------------------------------------------------
    def submit(self, body: Any, headers: Mapping[str, str] | None = None) -> str:
        """Create a job and return its ``jobId``; :class:`BulkPdfError` unless the server accepted it."""
        response = self.create_job(body, headers)
        payload = _json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict) or not payload.get("success"):
            raise BulkPdfError(f"the job was not accepted: {describe(response)}")
        return payload["jobId"]

    def wait(
        self,
        job_id: str,
        timeout: float | None = None,
        *,
        interval: float = 0.02,
        max_interval: float = 2.0,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Poll until the job's status is terminal and return that poll's body.

        Polls start fast (the embedded mock finishes small jobs in milliseconds) and back off to
        ``max_interval``, so the same call suits a sandbox. Failed jobs are returned, not raised:
        a test may expect ``Error``.
        """
        timeout = self.job_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            response = self.get_job(job_id, headers)
            body = _json_or_none(response)
            if response.status_code != 200 or not isinstance(body, dict):
                raise BulkPdfError(f"polling job {job_id} failed: {describe(response)}")
            if body.get("status") in TERMINAL:
                return body
            if time.monotonic() + interval > deadline:
                raise JobTimeout(
                    f"job {job_id} is still {body.get('status')}/{body.get('stepStatus')} "
                    f"after {timeout:g} s"
                )
            time.sleep(interval)
            interval = min(interval * 1.5, max_interval)

    def download(self, url: str) -> bytes:
        """The bytes behind one of a job's ``fileUrls``.

        Sent without ``Authorization``: the URLs are pre-signed, and S3 rejects a request that
        carries a second authentication.
        """
        request = self.build_request("GET", url)
        request.headers.pop("Authorization", None)
        response = self.send(request, auth=None)
        if response.status_code != 200:
            raise BulkPdfError(f"downloading {url} failed: {describe(response)}")
        return response.content

    def open_zips(self, job: Mapping[str, Any]) -> list[zipfile.ZipFile]:
        """Download every ``fileUrls`` entry of a finished job and open it as a ZIP, in order."""
        urls = job.get("fileUrls") or []
        if isinstance(urls, str):
            urls = [urls]
        archives = []
        for url in urls:
            data = self.download(url)
            try:
                archives.append(zipfile.ZipFile(io.BytesIO(data)))
            except zipfile.BadZipFile as exc:
                raise BulkPdfError(f"{url} is not a ZIP file ({len(data)} bytes): {exc}") from None
        return archives

    def export(
        self, body: Any, headers: Mapping[str, str] | None = None, *, timeout: float | None = None
    ) -> Export:
        """Submit, wait, download and open: the whole workflow, failing unless the job succeeded."""
        job = self.wait(self.submit(body, headers), timeout)
        if job.get("status") not in SUCCEEDED:
            raise BulkPdfError(f"job {job.get('jobId')} ended {job.get('status')}: {job!r}"[:800])
        return Export(job, self.open_zips(job))


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class BulkPdfServer:
    """Where the tests send requests: the embedded mock (``embedded``) or a live base URL."""

    url: str
    token: str
    embedded: bool
    data_dir: Path | None = None
    app: Any = None
    job_timeout: float = 60.0
    tokens: TokenSource | None = field(default=None, repr=False)
    """With OAuth client credentials: where the tokens come from (``token`` is then the current one)."""
    existing_documents: list[dict[str, Any]] = field(default_factory=list)
    """The documents ``--bulkpdf-documents`` names: ones the server holds, for requests that must be accepted."""
    _seeding: bool | None = field(default=None, repr=False)
    _control: BulkPdfClient | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.tokens is not None and not self.token:
            self.token = self.tokens.current()

    @property
    def headers(self) -> dict[str, str]:
        token = self.tokens.current() if self.tokens is not None else self.token
        return {"Authorization": f"Bearer {token}"}

    def client(self, **kwargs: Any) -> BulkPdfClient:
        """A new :class:`BulkPdfClient` for this server (close it yourself)."""
        kwargs.setdefault("job_timeout", self.job_timeout)
        return BulkPdfClient(self.url, self.tokens or self.token, **kwargs)

    def _control_client(self) -> BulkPdfClient:
        if self._control is None:
            self._control = self.client()
        return self._control

    def control(self) -> BulkPdfClient:
        """The client this handle uses for the mock's ``/_mock`` API (closed by :meth:`close`)."""
        return self._control_client()

    def supports_seeding(self) -> bool:
        """Whether the server has the mock's test-control endpoints (``/_mock/...``)."""
        if self._seeding is None:
            self._seeding = server_has_seeding(self._control_client())
        return self._seeding

    @contextlib.contextmanager
    def documents(self, *documents: Mapping[str, Any] | list) -> Iterator[list[dict[str, Any]]]:
        """Seed documents for the duration of a ``with`` block; removed (or restored) afterwards.

        Each document is ``{docType, id, pdfFileName, hasPdf, archived, accountNumber,
        documentNumber}`` (the mock fills in what is left out). Documents given as lists are
        flattened. A document that replaces an earlier seeded one with the same ``id`` is put
        back on exit, so nested blocks undo cleanly. Against a server without seeding (a real
        Zuora sandbox) it raises :class:`SeedingUnavailable`: under pytest, the test is skipped.
        """
        docs = [dict(d) for d in _flatten(documents)]
        if not self.supports_seeding():
            raise SeedingUnavailable(
                f"seeding documents needs a bulkpdf mock server; {self.url} has none"
            )
        control = self._control_client()
        ids = {str(d.get("id")).lower() for d in docs}
        before = _checked(control.get("/_mock/documents"), "listing seeded documents").json()
        replaced = [d for d in _document_list(before) if str(d.get("id")).lower() in ids]
        _checked(control.post("/_mock/documents", json=docs), "seeding documents")
        try:
            yield docs
        finally:
            _checked(
                control.request("DELETE", "/_mock/documents", json=sorted(ids)),
                "removing seeded documents",
            )
            if replaced:
                _checked(control.post("/_mock/documents", json=replaced), "restoring documents")

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None


def server_has_seeding(client: httpx.Client) -> bool:
    """A probe: any failure (refused, timeout, not JSON) means the server has no seeding."""
    try:
        response = client.get("/_mock/capabilities")
        return response.status_code == 200 and bool(response.json().get("seeding"))
    except Exception:
        return False


def _flatten(items: Any) -> Iterator[Mapping[str, Any]]:
    for item in items:
        if isinstance(item, Mapping):
            yield item
        elif isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            raise TypeError(f"a document is a mapping, got {type(item).__name__}: {item!r}")


def _document_list(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict):
        payload = payload.get("documents", [])
    return [d for d in payload or [] if isinstance(d, dict)]


def _checked(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(f"{what} failed: {describe(response)}")
    return response
