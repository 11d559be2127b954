"""A small client for Zuora's bulk PDF export: submit a job, poll it, download and unzip its files.

This is the kind of code a team writes against the endpoint, and what its tests (beside this file)
check with the bulkpdf-contract pytest plugin. It depends on ``requests`` only and knows nothing of
the toolkit.

    exporter = BulkPdfExporter("https://rest.apisandbox.zuora.com", token)
    result = exporter.export({"Invoice": invoice_ids}, "invoices-2024-01", Path("out"))
    result.pdfs  # the extracted PDF files, ZIP by ZIP

``export_job.py`` beside it is the same client as a program, configured from the environment.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import requests
from zuora_oauth import OAuthToken, TokenRefused, retry_after

__all__ = ["BulkPdfExporter", "ExportError", "ExportFailed", "ExportRejected", "ExportTimeout", "Job", "OAuthToken",
           "TokenRefused"]
API_PATH = "/v1/operations/bulk-pdf"
SUCCEEDED = frozenset({"Completed", "PartialComplete"})
FAILED = frozenset({"Error", "Aborted", "Cancelled"})
RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
DOWNLOAD_ATTEMPTS = 4
RESUME_CHUNK = 8192


class ExportError(Exception):
    """Base of everything this client raises."""


class ExportRejected(ExportError):
    """The server refused a request (4xx/5xx); ``reasons`` are Zuora's ``{code, message}`` items."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.request_id = response.headers.get("Zuora-Request-Id")
        try:
            body = response.json()
        except ValueError:
            body = {}
        self.reasons = body.get("reasons") or [] if isinstance(body, dict) else []
        text = "; ".join(f"{r.get('code')}: {r.get('message')}" for r in self.reasons)
        path = requests.utils.urlparse(response.request.url).path
        super().__init__(
            f"{response.request.method} {path} answered {self.status}"
            f" (Zuora-Request-Id {self.request_id}): {text or response.text[:200]}"
        )


class ExportFailed(ExportError):
    """The job ended Error, Aborted or Cancelled."""

    def __init__(self, job: Job) -> None:
        self.job = job
        super().__init__(f"bulk PDF job {job.job_id} ended {job.status}: {job.reasons or job.failed}")


class ExportTimeout(ExportError):
    """The job was still running when the client's timeout ran out."""


@dataclass(frozen=True)
class Job:
    """One poll of a job (``GET /v1/operations/bulk-pdf/{jobId}``)."""

    job_id: str
    status: str
    step_status: str | None
    file_urls: list[str]
    skipped: dict[str, list[str]]
    failed: dict[str, list[str]]
    reasons: list[dict]
    raw: dict[str, Any]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Job:
        urls = body.get("fileUrls") or []
        return cls(
            job_id=body["jobId"],
            status=body.get("status", ""),
            step_status=body.get("stepStatus"),
            file_urls=[urls] if isinstance(urls, str) else list(urls),
            skipped=_by_type(body.get("skippedDocuments")),
            failed=_by_type(body.get("failedDocuments")),
            reasons=body.get("reasons") or [],
            raw=body,
        )

    @property
    def finished(self) -> bool:
        return self.status in SUCCEEDED or self.status in FAILED


@dataclass(frozen=True)
class Submitted:
    job_id: str
    invalid_ids: list[str]
    idempotency_key: str


@dataclass
class ExportResult:
    job: Job
    invalid_ids: list[str]
    zips: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    indexes: list[Path] = field(default_factory=list)


def _by_type(groups: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for group in groups or []:
        out.setdefault(group.get("docType", ""), []).extend(group.get("objectIds") or [])
    return out


class BulkPdfExporter:
    """Talks to one Zuora tenant (or the bulkpdf mock) with a bearer token, or with OAuth client
    credentials (``oauth``: an :class:`OAuthToken`, renewed when the server refuses a token).

    Polls start ``poll_interval`` seconds apart (at least a second: Zuora asks to wait a few
    seconds between polls) and grow to ``max_poll_interval``; refused calls are retried with
    the same Idempotency-Key, after the server's ``Retry-After`` when it sends one."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        oauth: OAuthToken | None = None,
        session: requests.Session | None = None,
        entity_id: str | None = None,
        timeout: float = 1800.0,
        poll_interval: float = 1.0,
        max_poll_interval: float = 15.0,
        retries: int = 3,
        retry_wait: float = 1.0,
        compress_over: int = 16 * 1024,
    ) -> None:
        if (token is None) == (oauth is None):
            raise ValueError("give either a bearer token or OAuth client credentials")
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.oauth = oauth
        self.token = token
        if entity_id:
            self.session.headers["Zuora-Entity-Ids"] = entity_id
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.retries = retries
        self.retry_wait = retry_wait
        self.compress_over = compress_over

    # -- building requests ----------------------------------------------------------------------
    @staticmethod
    def build_body(
        documents: Mapping[str, Sequence[str]],
        file_name: str,
        *,
        job_name: str | None = None,
        index_format: str = "JSON",
        generate_missing: bool = False,
        ignore_archived: bool = False,
        persist_index: bool = True,
    ) -> dict[str, Any]:
        """The request body for ``{docType: [objectId, ...]}``; empty groups are left out."""
        body: dict[str, Any] = {
            "documents": [
                {"docType": doc_type, "objectIds": list(ids)}
                for doc_type, ids in documents.items() if ids
            ],
            "fileName": file_name,
            "indexFileFormat": index_format,
            "generateMissingPDF": generate_missing,
            "ignoreArchivedFiles": ignore_archived,
            "persistIndexFile": persist_index,
        }
        if job_name is not None:
            body["name"] = job_name
        return body

    def prepare(
        self, body: Mapping[str, Any], *, idempotency_key: str, track_id: str | None = None
    ) -> requests.PreparedRequest:
        """The POST as it goes on the wire; bodies over ``compress_over`` bytes are gzipped."""
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if len(data) > self.compress_over:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        if track_id is not None:
            headers["Zuora-Track-Id"] = track_id
        headers["Authorization"] = f"Bearer {self._token()}"
        request = requests.Request("POST", self.base_url + API_PATH, data=data, headers=headers)
        return self.session.prepare_request(request)

    def _token(self) -> str:
        return self.oauth.current() if self.oauth is not None else self.token

    # -- the workflow -----------------------------------------------------------------------------
    def submit(
        self,
        body: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        track_id: str | None = None,
    ) -> Submitted:
        """Create the job. Retries (with the same Idempotency-Key, so at most one job) on 409/429/5xx."""
        key = idempotency_key or str(uuid.uuid4())
        response = self._send(
            lambda: self.session.send(self.prepare(body, idempotency_key=key, track_id=track_id), timeout=60)
        )
        payload = response.json()
        if not payload.get("success", False):
            raise ExportRejected(response)
        return Submitted(payload["jobId"], list(payload.get("invalidIds") or []), key)

    def status(self, job_id: str) -> Job:
        response = self._send(lambda: self.session.get(
            f"{self.base_url}{API_PATH}/{job_id}", headers={"Authorization": f"Bearer {self._token()}"}, timeout=60,
        ))
        return Job.from_body(response.json())

    def wait(self, job_id: str, on_poll: Callable[[Job], None] | None = None) -> Job:
        """Poll with a growing interval until the job finishes; raise unless it succeeded."""
        deadline = time.monotonic() + self.timeout
        interval = self.poll_interval
        while True:
            job = self.status(job_id)
            if on_poll is not None:
                on_poll(job)
            if job.status in FAILED:
                raise ExportFailed(job)
            if job.status in SUCCEEDED:
                return job
            if time.monotonic() + interval > deadline:
                raise ExportTimeout(f"job {job_id} still {job.status} after {self.timeout:g} s")
            time.sleep(interval)
            interval = min(interval * 1.5, self.max_poll_interval)

    def download(self, job: Job, target_dir: Path) -> list[Path]:
        """Each ZIP of the job into ``target_dir``, under the name its URL ends with: written
        under a temporary name first, resumed where a broken transfer stopped, checked whole."""
        target_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for url in job.file_urls:
            name = Path(requests.utils.urlparse(url).path).name
            if not name.endswith(".zip"):
                raise ExportError(f"{url} does not name a ZIP file")
            path = target_dir / name
            part = path.with_name(path.name + ".part")
            self._fetch(url, part)
            with zipfile.ZipFile(part) as archive:
                broken = archive.testzip()
            if broken is not None:
                part.unlink()
                raise ExportError(f"{name} is damaged: {broken} fails its CRC check")
            part.replace(path)
            paths.append(path)
        return paths

    def _fetch(self, url: str, part: Path) -> None:
        """Download ``url`` into ``part``, resuming with a Range request after a broken transfer."""
        part.unlink(missing_ok=True)
        for attempt in range(DOWNLOAD_ATTEMPTS):
            have = part.stat().st_size if part.exists() else 0
            # Pre-signed URL: no Authorization (S3 refuses a second authentication).
            headers = {"Authorization": None, **({"Range": f"bytes={have}-"} if have else {})}
            try:
                with self.session.get(url, headers=headers, stream=True, timeout=300) as r:
                    if r.status_code == 416 and have:  # nothing left to fetch
                        return
                    if r.status_code not in (200, 206):
                        raise ExportError(f"downloading {part.stem} failed with {r.status_code}")
                    expected = _total_size(r, have)
                    with part.open("ab" if r.status_code == 206 else "wb") as out:
                        # small chunks: a broken transfer loses at most the chunk it broke in
                        for chunk in r.iter_content(chunk_size=RESUME_CHUNK):
                            out.write(chunk)
                if expected is None or part.stat().st_size == expected:
                    return
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                pass
            if attempt < DOWNLOAD_ATTEMPTS - 1:
                time.sleep(self.retry_wait * attempt)
        raise ExportError(f"downloading {part.stem} kept breaking off after {DOWNLOAD_ATTEMPTS} attempts")

    @staticmethod
    def unzip(zip_path: Path, target_dir: Path) -> list[Path]:
        """Extract one ZIP's flat members into ``target_dir``; names with paths are refused."""
        target_dir.mkdir(parents=True, exist_ok=True)
        out = []
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                name = info.filename
                if "/" in name or "\\" in name or name in ("", ".", ".."):
                    raise ExportError(f"{zip_path.name} holds an unsafe member name {name!r}")
                path = target_dir / name
                path.write_bytes(archive.read(info))
                out.append(path)
        return out

    def export(
        self,
        documents: Mapping[str, Sequence[str]],
        file_name: str,
        target_dir: Path,
        *,
        track_id: str | None = None,
        **options: Any,
    ) -> ExportResult:
        """Submit, wait, download and unzip: PDFs land in ``target_dir/<zip name>/``."""
        submitted = self.submit(self.build_body(documents, file_name, **options), track_id=track_id)
        job = self.wait(submitted.job_id)
        result = ExportResult(job, submitted.invalid_ids, self.download(job, target_dir))
        for zip_path in result.zips:
            for path in self.unzip(zip_path, target_dir / zip_path.stem):
                (result.pdfs if path.suffix.lower() == ".pdf" else result.indexes).append(path)
        return result

    # -- transport ----------------------------------------------------------------------------------
    def _send(self, send: Callable[[], requests.Response]) -> requests.Response:
        """``send()`` until it succeeds: retried on connection errors and RETRY_STATUSES (each
        call of ``send`` builds the request anew, with the same Idempotency-Key), and once with
        a new OAuth token when the server refuses the token."""
        renewed = False
        for attempt in range(self.retries + 1):
            try:
                response = send()
            except requests.ConnectionError:
                if attempt == self.retries:
                    raise
                time.sleep(self.retry_wait * 2**attempt)
                continue
            if response.status_code == 401 and self.oauth is not None and not renewed:
                sent = response.request.headers.get("Authorization", "").partition(" ")[2]
                self.oauth.renew(sent)
                renewed = True
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                time.sleep(self._retry_delay(response, attempt))
                continue
            if response.status_code != 200:
                raise ExportRejected(response)
            return response
        raise ExportError(f"gave up after {self.retries + 1} attempts")

    def _retry_delay(self, response: requests.Response, attempt: int) -> float:
        """The server's Retry-After when it sends one, else a growing wait."""
        wait = retry_after(response)
        return wait if wait is not None else self.retry_wait * 2**attempt


def _total_size(response: requests.Response, have: int) -> int | None:
    """The whole file's size from a 200's Content-Length or a 206's Content-Range."""
    if response.status_code == 206:
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None
