"""What every domain check is handed: the :class:`Context` of one run (client, contract, run seed,
the submitted jobs and the documents seeded for them), and the two ways a check ends early:
:class:`Broken` (the server broke the rule) and :class:`Skip` (the check cannot run here).

Every request goes through :class:`~.http.Http`, which records each exchange, so a failure carries
the requests that show it. Names, IDs and keys derive from the run's ``seed``, so repeated runs
against one long-lived server never replay each other's idempotent results.
"""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable

from ..spec import COLLECTION_PATH, JOB_PATH, Contract
from ..validators import validate_response
from .budget import JobBudget
from .documents import DocumentPool, TargetDocument, groups
from .edge_requests import EdgeCase, edge_catalogue, valid_body
from .http import Exchange, Http

POLL_INTERVAL = 0.2
REFERENCE = "reference"  # the label of the standard job whose ID GET requests use


class Broken(AssertionError):
    """The server broke the rule a check is about; ``exchanges`` reproduce it (oldest first)."""

    def __init__(self, message: str, *exchanges: Exchange | None):
        super().__init__(message)
        self.exchanges = [e for e in exchanges if e is not None]


class Skip(Exception):
    """The check cannot run against this server (e.g. it cannot seed documents)."""


@dataclass
class Job:
    """A job the checks submitted, and what became of it (``zips``: URL, download, archive or None)."""

    label: str
    body: dict[str, Any]
    expected: list[str]
    submit: Exchange | None = None
    job_id: str | None = None
    last_poll: Exchange | None = None
    zips: list[tuple[str, Exchange, zipfile.ZipFile | None]] = field(default_factory=list)
    error: Broken | None = None
    done: bool = False

    @property
    def status(self) -> str | None:
        body = self.last_poll.json() if self.last_poll is not None else None
        return body.get("status") if isinstance(body, dict) else None


@dataclass
class Context:
    """What the checks share: the client, the contract, the run's seed and the submitted jobs.

    ``jobs_with_file_name`` (the embedded mock only) counts the server's jobs carrying a file name.
    ``seeding`` says whether the server seeds documents; ``seeded`` maps object ID -> the document
    the gate seeded for it (removed at the end); ``known`` maps object ID -> what is known of a
    document (seeded, or given by ``--documents``: what the server's index and ZIPs must then
    show). ``pool`` gives the documents of requests that must be accepted; ``budget`` counts the
    jobs created and ``funded`` names the checks it pays for (None: every check).
    """

    http: Http
    contract: Contract
    seed: str = field(default_factory=lambda: uuid.uuid4().hex)
    job_timeout: float = 60.0
    jobs_with_file_name: Callable[[str], int | None] | None = None
    seeding: bool | None = None  # None: not asked yet
    seeded: dict[str, dict[str, Any]] = field(default_factory=dict)
    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    pool: DocumentPool | None = None
    budget: JobBudget = field(default_factory=JobBudget)
    funded: set[str] | None = None
    jobs: dict[str, Job] = field(default_factory=dict)
    edges: list[EdgeCase] | None = None
    _reference_job: str | None = None

    def __post_init__(self) -> None:
        if self.pool is None:
            self.pool = DocumentPool(self.seed)

    @property
    def token(self) -> str | None:
        return self.http.tokens.token

    def post(self, body: Any, headers: dict[str, Any] | None = None, **kwargs: Any) -> Exchange:
        """POST to the collection; a job it creates is counted in the budget."""
        exchange = self.http.send("POST", COLLECTION_PATH, json=body, headers=headers, **kwargs)
        answer = exchange.json()
        if exchange.status == 200 and isinstance(answer, dict):
            self.budget.record(answer.get("jobId"))
        return exchange

    def documents(self, label: str, count: int) -> list[TargetDocument]:
        """Documents that exist on the target for a request that must be accepted (fewer than
        ``count`` when the pool holds fewer)."""
        return self.pool.take(f"{self.seed}/{label}", count)

    def valid_body(self, label: str, count: int = 2, **fields_: Any) -> dict[str, Any]:
        """A valid request naming ``count`` documents the target holds."""
        body = valid_body(f"{self.seed}/{label}", count, **fields_)
        body["documents"] = groups(self.documents(label, count))
        return body

    def get_job(self, job_id: str, headers: dict[str, Any] | None = None, **kwargs: Any) -> Exchange:
        return self.http.send("GET", JOB_PATH.replace("{jobId}", job_id), headers=headers, **kwargs)

    def name(self, label: str) -> str:
        """A file name unique to this run (within the 32-character limit)."""
        return f"gate-{label}-{self.seed[:6]}"[:32]

    def reference_job(self) -> str:
        """The id of some job this run created (for GET cases that need one): the standard job
        ``reference`` when it was submitted, else one created now."""
        submitted = self.jobs.get(REFERENCE)
        if self._reference_job is None and submitted is not None:
            if submitted.error is not None:
                raise submitted.error
            self._reference_job = submitted.job_id
        if self._reference_job is None:
            exchange = self.post(self.valid_body("ref", fileName=self.name("ref")))
            body = exchange.json()
            if exchange.status != 200 or not isinstance(body, dict) or not body.get("jobId"):
                raise Broken(f"a valid request was not accepted: {exchange.describe()}", exchange)
            self._reference_job = str(body["jobId"])
        return self._reference_job

    def edge_cases(self) -> list[EdgeCase]:
        """The edge-case catalogue of this run (drawn once, shared by the edge checks)."""
        if self.edges is None:
            self.edges = edge_catalogue(self.contract, self.seed)
        return self.edges

    # -- jobs --------------------------------------------------------------------------------------
    def submit(self, label: str, body: dict[str, Any], expected: list[str]) -> None:
        """Submit a job under ``label``; a refusal is kept as the job's error (raised by :meth:`wait`)."""
        job = self.jobs[label] = Job(label, body, expected)
        job.submit = self.post(body)
        payload = job.submit.json()
        if job.submit.status != 200 or not isinstance(payload, dict) or not payload.get("jobId"):
            job.error = Broken(f"the valid request of job {label!r} was not accepted: {job.submit.describe()}",
                               job.submit)
            job.done = True
        else:
            job.job_id = str(payload["jobId"])

    def wait(self, label: str) -> Job:
        """Poll ``label`` until it is terminal (or the timeout), then download its ZIPs once."""
        job = self.jobs[label]
        if job.done:
            if job.error is not None:
                raise job.error
            return job
        job.done = True
        deadline = time.monotonic() + self.job_timeout
        while True:
            job.last_poll = self.get_job(job.job_id)
            if job.last_poll.status != 200 or not isinstance(job.last_poll.json(), dict):
                job.error = Broken(f"polling job {label!r} answered {job.last_poll.status} "
                                   f"{job.last_poll.content[:200]!r}", job.last_poll)
                raise job.error
            if job.status in self.contract.terminal_statuses:
                break
            if time.monotonic() > deadline:
                job.error = Broken(
                    f"job {label!r} did not finish within {self.job_timeout:.0f} s (last status {job.status!r})",
                    job.submit, job.last_poll)
                raise job.error
            time.sleep(POLL_INTERVAL)
        self._download(job)
        return job

    def _download(self, job: Job) -> None:
        urls = job.last_poll.json().get("fileUrls") or []
        for url in urls if isinstance(urls, list) else []:
            exchange = self.http.download(str(url))
            archive = None
            if exchange.status == 200:
                try:
                    archive = zipfile.ZipFile(io.BytesIO(exchange.content))
                except zipfile.BadZipFile:
                    archive = None
            job.zips.append((str(url), exchange, archive))

    def completed(self, label: str) -> Job:
        """A job that must have completed; checks reading its output are skipped otherwise."""
        try:
            job = self.wait(label)
        except Broken as exc:
            raise Skip(f"no output to check: {exc}") from None
        if job.status not in self.contract.succeeded_statuses:
            raise Skip(f"no output to check: job {label!r} ended {job.status!r}")
        return job


def error_body_findings(exchange: Exchange, contract: Contract) -> list[str]:
    """What is wrong with an error response's body (header findings are other checks' business)."""
    method = "GET" if exchange.method == "GET" else "POST"
    findings = validate_response(exchange.status, exchange.content, exchange.response_headers,
                                 method=method, contract=contract)
    return [f"{f.pointer or '/'}: {f.message}" for f in findings if not f.pointer.startswith("/headers")]
