"""Domain checks: the bulk-PDF rules schemathesis cannot see, each a named row of the report.

Every check talks to the server over HTTP only (through :class:`~.http.Http`, which records each
exchange so a failure carries the request that shows it). Jobs the checks need are submitted
before the first check runs, so the server exports them while the other checks go on; the checks
that read their output wait for them. Names, IDs and keys are fresh per run (derived from a run
id), so repeated runs against one long-lived server never replay each other's idempotent results.

Checks that need the document world (archived documents, documents without a PDF) run only when
``GET /_mock/capabilities`` answers ``{"seeding": true}``; against other servers they are
reported as skipped, with that reason. Documents the gate seeds are removed again at the end.
"""

from __future__ import annotations

import csv
import io
import math
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import httpx

from ..spec import COLLECTION_PATH, JOB_PATH, Contract
from ..validators import validate_response
from .edges import EdgeCase, edge_catalogue, object_ids, valid_body
from .http import Exchange, Http
from .report import FAILED, PASSED, SKIPPED, CheckResult

SOURCE = "domain"
INDEX_COLUMNS = ("accountNumber", "documentType", "documentNumber", "documentCreatedOn", "pdfFileName",
                 "pdfFileCreatedOn")
POLL_INTERVAL = 0.2


class Broken(AssertionError):
    """The server broke the rule a check is about; ``exchanges`` reproduce it (oldest first)."""

    def __init__(self, message: str, *exchanges: Exchange | None):
        super().__init__(message)
        self.exchanges = [e for e in exchanges if e is not None]


class Skip(Exception):
    """The check cannot run against this server (e.g. it cannot seed documents)."""


@dataclass
class Job:
    """A job the checks submitted, and what became of it."""

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
    """What the checks share: the client, the contract, the run's seed and the submitted jobs."""

    http: Http
    contract: Contract
    seed: str = field(default_factory=lambda: uuid.uuid4().hex)
    job_timeout: float = 60.0
    jobs_with_file_name: Callable[[str], int | None] | None = None
    seeding: bool = False
    seeded: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    edges: list[EdgeCase] | None = None
    _reference_job: str | None = None

    @property
    def token(self) -> str:
        return self.http.token

    def post(self, body: Any, headers: dict[str, Any] | None = None, **kwargs: Any) -> Exchange:
        return self.http.send("POST", COLLECTION_PATH, json=body, headers=headers, **kwargs)

    def get_job(self, job_id: str, headers: dict[str, Any] | None = None, **kwargs: Any) -> Exchange:
        return self.http.send("GET", JOB_PATH.replace("{jobId}", job_id), headers=headers, **kwargs)

    def name(self, label: str) -> str:
        return f"gate-{label}-{self.seed[:6]}"[:32]

    def reference_job(self) -> str:
        """The id of some job this run created (for GET cases that need one)."""
        if self._reference_job is None:
            exchange = self.post(valid_body(f"{self.seed}/ref", fileName=self.name("ref")))
            body = exchange.json()
            if exchange.status != 200 or not isinstance(body, dict) or not body.get("jobId"):
                raise Broken(f"a valid request was not accepted: {exchange.describe()}", exchange)
            self._reference_job = str(body["jobId"])
        return self._reference_job

    # -- jobs --------------------------------------------------------------------------------------
    def submit(self, label: str, body: dict[str, Any], expected: list[str]) -> None:
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
        return job

    def completed(self, label: str) -> Job:
        """A job that must have completed; checks reading its output are skipped otherwise."""
        try:
            job = self.wait(label)
        except Broken as exc:
            raise Skip(f"no output to check: {exc}") from None
        if job.status not in self.contract.succeeded_statuses:
            raise Skip(f"no output to check: job {label!r} ended {job.status!r}")
        return job


# -- helpers ----------------------------------------------------------------------------------------
def _error_body_findings(exchange: Exchange, contract: Contract) -> list[str]:
    method = "GET" if exchange.method == "GET" else "POST"
    findings = validate_response(exchange.status, exchange.content, exchange.response_headers,
                                 method=method, contract=contract)
    return [f"{f.pointer or '/'}: {f.message}" for f in findings if not f.pointer.startswith("/headers")]


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _pdfs(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if n.lower().endswith(".pdf")]


def _index_entries(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if not n.lower().endswith(".pdf") and not n.endswith("/")]


def _read_index(archive: zipfile.ZipFile, entry: str) -> tuple[str, list[dict[str, str]]]:
    """``("JSON"|"CSV"|"unknown", rows)`` of an index entry, judged by its content."""
    raw = archive.read(entry)
    text = raw.decode("utf-8-sig", "replace")
    try:
        import orjson

        data = orjson.loads(raw)
        if isinstance(data, dict) and isinstance(data.get("_metadata"), list):
            return "JSON", [r for r in data["_metadata"] if isinstance(r, dict)]
        return "unknown", []
    except ValueError:
        pass
    rows = list(csv.reader(io.StringIO(text)))
    if rows and tuple(c.strip() for c in rows[0]) == INDEX_COLUMNS:
        return "CSV", [dict(zip(INDEX_COLUMNS, (c.strip() for c in row))) for row in rows[1:] if row]
    return "unknown", []


# -- the checks -------------------------------------------------------------------------------------
def check_track_id_echo(ctx: Context) -> str:
    """A sent ``Zuora-Track-Id`` comes back unchanged on success and error responses; none sent, none back."""
    limit = int(ctx.contract.header_parameters("POST")["Zuora-Track-Id"]["schema"]["maxLength"])
    mixed = f"gate {ctx.seed[:8]} !#$%&()*+,-./<=>?@[]^_`{{|}}~"
    probes = [
        ("a valid POST", lambda t: ctx.post(valid_body(f"{ctx.seed}/track"), {"Zuora-Track-Id": t}), mixed),
        (f"a POST with a {limit}-character ID", lambda t: ctx.post(valid_body(f"{ctx.seed}/track64"),
                                                                   {"Zuora-Track-Id": t}),
         ("track-" + ctx.seed * 4)[:limit]),
        ("a rejected POST", lambda t: ctx.post({"fileName": "x"}, {"Zuora-Track-Id": t}), f"gate-bad-{ctx.seed[:8]}"),
        ("a GET of a job", lambda t: ctx.get_job(ctx.reference_job(), {"Zuora-Track-Id": t}),
         f"gate-get-{ctx.seed[:8]}"),
    ]
    for what, send, track in probes:
        exchange = send(track)
        echoed = exchange.header("Zuora-Track-Id")
        if echoed != track:
            raise Broken(f"{what} sent Zuora-Track-Id {track!r}; the response "
                         + ("has none" if echoed is None else f"echoed {echoed!r}"), exchange)
    exchange = ctx.get_job(ctx.reference_job())
    if exchange.header("Zuora-Track-Id") is not None:
        raise Broken("a request without Zuora-Track-Id got one back", exchange)
    return f"{len(probes) + 1} requests"


def _send_edge(ctx: Context, case: EdgeCase) -> Exchange:
    headers = dict(case.headers)
    if "Idempotency-Key" in headers and not case.targets_idempotency_key:
        headers["Idempotency-Key"] = f"gate-{uuid.uuid4().hex}"
    path = JOB_PATH.replace("{jobId}", ctx.reference_job()) if case.method == "GET" else case.path
    if case.body is None:
        return ctx.http.send(case.method, path, headers=headers)
    gz = headers.get("Content-Encoding") == "gzip"
    if gz:
        del headers["Content-Encoding"]
    return ctx.http.send(case.method, path, json=case.body, headers=headers, gzip_request=gz)


def _edges(ctx: Context) -> list[EdgeCase]:
    if ctx.edges is None:
        ctx.edges = edge_catalogue(ctx.contract, ctx.seed)
    return ctx.edges


def check_edge_cases_rejected(ctx: Context) -> str:
    """Every labelled edge case gets a 4xx with Zuora's error body."""
    cases = [c for c in _edges(ctx) if c.reject]
    unsendable = 0
    for case in cases:
        try:
            exchange = _send_edge(ctx, case)
        except httpx.LocalProtocolError:  # e.g. a control character no HTTP client puts in a header
            unsendable += 1
            continue
        if not 400 <= exchange.status < 500:
            raise Broken(f"{case.name} ({case.rule}) answered {exchange.status}; a 4xx rejection was expected",
                         exchange)
        problems = _error_body_findings(exchange, ctx.contract)
        if problems:
            raise Broken(f"{case.name}: the {exchange.status} body is not Zuora's error body: {problems[0]}",
                         exchange)
    origins = sorted({c.origin for c in cases})
    note = f"; {unsendable} not sendable over HTTP" if unsendable else ""
    return f"{len(cases) - unsendable} cases ({', '.join(origins)}){note}"


def check_exact_limits_accepted(ctx: Context) -> str:
    """Valid cases exactly at a limit are accepted (200 with a jobId)."""
    cases = [c for c in _edges(ctx) if not c.reject]
    for case in cases:
        exchange = _send_edge(ctx, case)
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict) or not body.get("jobId"):
            raise Broken(f"{case.name} is valid but answered {exchange.status}", exchange)
    return f"{len(cases)} cases"


def check_idempotent_replay(ctx: Context) -> str:
    """The same Idempotency-Key and body replays the first result and starts no second job."""
    file_name = ctx.name("replay")
    body = valid_body(f"{ctx.seed}/replay", fileName=file_name)
    headers = {"Idempotency-Key": f"gate-replay-{ctx.seed}"}
    first = ctx.post(body, headers)
    first_body = first.json()
    if first.status != 200 or not isinstance(first_body, dict) or not first_body.get("jobId"):
        raise Broken(f"the first request was not accepted: {first.describe()}", first)
    second = ctx.post(body, headers)
    second_body = second.json()
    if second.status != first.status:
        raise Broken(f"the replay answered {second.status}, the first request {first.status}", first, second)
    if not isinstance(second_body, dict) or second_body.get("jobId") != first_body["jobId"]:
        got = second_body.get("jobId") if isinstance(second_body, dict) else second_body
        raise Broken(f"the replay returned jobId {got!r}, the first request {first_body['jobId']!r}: "
                     "a second job was started", first, second)
    if second_body != first_body:
        raise Broken("the replay's body differs from the first response's", first, second)
    if ctx.jobs_with_file_name is not None:
        count = ctx.jobs_with_file_name(file_name)
        if count is not None and count != 1:
            raise Broken(f"the server holds {count} jobs for the replayed request (expected 1)", first, second)
    return "same jobId and body" + (", 1 job on the server" if ctx.jobs_with_file_name else "")


def check_job_completes(ctx: Context) -> str:
    """Each submitted job reaches Completed within the timeout."""
    finished = []
    for label in ("large", "csv", "no-index"):
        job = ctx.wait(label)
        if job.status != "Completed":
            reasons = (job.last_poll.json() or {}).get("reasons")
            raise Broken(f"job {label!r} ended {job.status!r}, not 'Completed'"
                         + (f": {reasons}" if reasons else ""), job.submit, job.last_poll)
        finished.append(f"{label} ({len(job.expected)} documents)")
    return ", ".join(finished)


def check_zip_names(ctx: Context) -> str:
    """``fileUrls`` name the ZIPs ``<fileName>_<n>.zip``, n = 1.. ceil(documents / per-zip limit)."""
    per_zip = ctx.contract.documents_per_zip
    for label in ("large", "csv", "no-index"):
        job = ctx.completed(label)
        expected = [f"{job.body['fileName']}_{n}.zip" for n in range(1, math.ceil(len(job.expected) / per_zip) + 1)]
        names = [_file_name(url) for url, _, _ in job.zips]
        if names != expected:
            raise Broken(f"job {label!r} ({len(job.expected)} documents) has files {names}; expected {expected}",
                         job.submit, job.last_poll)
    return f"{len(ctx.jobs['large'].zips)} ZIPs for {len(ctx.jobs['large'].expected)} documents"


def check_zip_documents(ctx: Context) -> str:
    """Each ZIP downloads without the token, holds at most the per-zip limit, and together they hold
    exactly the requested documents as PDFs (named as seeded, when the world is seeded)."""
    per_zip = ctx.contract.documents_per_zip
    for label in ("large", "csv", "no-index"):
        job = ctx.completed(label)
        total: list[str] = []
        for url, exchange, archive in job.zips:
            if archive is None:
                raise Broken(f"{_file_name(url)} of job {label!r} is not a ZIP file ({exchange.status})", exchange)
            pdfs = _pdfs(archive)
            if len(pdfs) > per_zip:
                raise Broken(f"{_file_name(url)} of job {label!r} holds {len(pdfs)} documents; "
                             f"at most {per_zip} are allowed", job.submit, exchange)
            for name in pdfs[:5]:
                if not archive.read(name).startswith(b"%PDF-"):
                    raise Broken(f"{name} in {_file_name(url)} is not a PDF", exchange)
            total += pdfs
        if len(total) != len(job.expected) or len(set(total)) != len(total):
            raise Broken(f"job {label!r} asked for {len(job.expected)} documents; its ZIPs hold {len(total)} PDFs "
                         f"({len(set(total))} distinct names)", job.submit, job.last_poll)
        seeded = [ctx.seeded[i]["pdfFileName"] for i in job.expected if i in ctx.seeded]
        if seeded and sorted(seeded) != sorted(total):
            raise Broken(f"job {label!r}: the ZIP holds {sorted(total)}; the seeded documents are {sorted(seeded)}",
                         job.submit, job.last_poll)
    return "PDF counts and names match the requests"


def check_zip_index(ctx: Context) -> str:
    """Each ZIP has one index in the requested format listing its PDFs; none when persistIndexFile is false."""
    for label in ("large", "csv", "no-index"):
        job = ctx.completed(label)
        wanted = job.body["indexFileFormat"] if job.body.get("persistIndexFile", True) else None
        for url, exchange, archive in job.zips:
            if archive is None:
                raise Broken(f"{_file_name(url)} of job {label!r} is not a ZIP file", exchange)
            entries = _index_entries(archive)
            if wanted is None:
                if entries:
                    raise Broken(f"job {label!r} asked for no index (persistIndexFile false); "
                                 f"{_file_name(url)} holds {entries}", job.submit)
                continue
            if len(entries) != 1:
                raise Broken(f"{_file_name(url)} of job {label!r} should hold one {wanted} index; it holds {entries}",
                             job.submit)
            found, rows = _read_index(archive, entries[0])
            if found != wanted:
                raise Broken(f"job {label!r} asked for a {wanted} index; {_file_name(url)} holds "
                             f"{entries[0]!r} in {found} format", job.submit)
            listed = sorted(r.get("pdfFileName", "") for r in rows)
            if listed != sorted(_pdfs(archive)) or any(set(INDEX_COLUMNS) - set(r) for r in rows):
                raise Broken(f"the {wanted} index of {_file_name(url)} (job {label!r}) does not list exactly its "
                             f"PDFs with the six columns", job.submit)
            seeded = {ctx.seeded[i]["pdfFileName"]: ctx.seeded[i] for i in job.expected if i in ctx.seeded}
            for row in rows:
                doc = seeded.get(row.get("pdfFileName"))
                if doc and (row.get("accountNumber"), row.get("documentNumber")) != (
                        doc["accountNumber"], doc["documentNumber"]):
                    raise Broken(f"index row {row} does not match the seeded document {doc}", job.submit)
    return "JSON, CSV and no index as requested"


def check_gzip_honoured(ctx: Context) -> str:
    """A gzipped request body is accepted; with ``Accept-Encoding: gzip`` a response over the
    threshold comes gzipped, and without it nothing is."""
    sent = ctx.post(valid_body(f"{ctx.seed}/gzip", fileName=ctx.name("gzip")), gzip_request=True)
    if sent.status != 200:
        raise Broken(f"a valid gzipped request body (Content-Encoding: gzip) answered {sent.status}", sent)
    threshold = ctx.contract.gzip_min_bytes
    # A rejected request with one reason per bad group is the one big response every server can give.
    big_error = {**valid_body(ctx.seed), "documents": [{"docType": f"Bad{i}", "objectIds": object_ids(ctx.seed, 1)}
                                                       for i in range(40)]}
    candidates = [lambda gz: ctx.post(big_error, accept_gzip=gz)]
    if "large" in ctx.jobs:
        candidates.append(lambda gz: ctx.get_job(ctx.jobs["large"].job_id, accept_gzip=gz))
    if ctx.seeding and "missing-skip" in ctx.jobs:
        body = ctx.jobs["missing-skip"].body
        candidates.append(lambda gz: ctx.post({**body, "fileName": ctx.name("gzip-inv")}, accept_gzip=gz))
    big = 0
    for send in candidates:
        exchange = send(True)
        encoding = (exchange.header("Content-Encoding") or "").lower()
        if len(exchange.content) > threshold:
            big += 1
            if encoding != "gzip":
                raise Broken(f"a {len(exchange.content)}-byte response to a request with Accept-Encoding: gzip "
                             f"came without Content-Encoding: gzip", exchange)
        plain = send(False)
        if (plain.header("Content-Encoding") or "").lower() == "gzip":
            raise Broken("a response came gzipped although the request did not accept gzip", plain)
    if not big:
        raise Skip(f"no response over {threshold} bytes to check (request side checked)")
    return f"request body inflated; {big} large responses gzipped"


def check_archived_documents(ctx: Context) -> str:
    """An archived PDF fails the job; with ignoreArchivedFiles it is skipped into skippedDocuments."""
    failing = ctx.wait("archived-fail")
    if failing.status in ctx.contract.succeeded_statuses:
        raise Broken(f"a job with an archived document and ignoreArchivedFiles false ended {failing.status!r}",
                     failing.submit, failing.last_poll)
    skipping = ctx.wait("archived-skip")
    if skipping.status != "Completed":
        raise Broken(f"a job with ignoreArchivedFiles true ended {skipping.status!r}", skipping.submit,
                     skipping.last_poll)
    archived = skipping.body["documents"][0]["objectIds"][0]
    skipped = [i.lower() for g in (skipping.last_poll.json().get("skippedDocuments") or [])
               for i in (g.get("objectIds") or [])]
    if archived.lower() not in skipped:
        raise Broken(f"the archived document {archived} is not in skippedDocuments", skipping.submit,
                     skipping.last_poll)
    inside = [n for _, _, z in skipping.zips if z is not None for n in _pdfs(z)]
    if ctx.seeded[archived]["pdfFileName"] in inside:
        raise Broken("the skipped archived document is in the ZIP", skipping.submit, skipping.last_poll)
    return f"failed as {failing.status!r}; skipped with ignoreArchivedFiles"


def check_missing_pdfs(ctx: Context) -> str:
    """Without generateMissingPDF a document without a PDF is listed in invalidIds and left out;
    with it, its PDF is generated and zipped."""
    skip = ctx.wait("missing-skip")
    missing = skip.body["documents"][0]["objectIds"][0]
    invalid = [str(i).lower() for i in (skip.submit.json().get("invalidIds") or [])]
    if missing.lower() not in invalid:
        raise Broken(f"the document without a PDF ({missing}) is not in invalidIds {invalid}", skip.submit)
    inside = [n for _, _, z in skip.zips if z is not None for n in _pdfs(z)]
    if ctx.seeded[missing]["pdfFileName"] in inside:
        raise Broken("a document listed as invalid was zipped anyway", skip.submit, skip.last_poll)
    generate = ctx.wait("missing-generate")
    if generate.status != "Completed":
        raise Broken(f"a job with generateMissingPDF true ended {generate.status!r}", generate.submit,
                     generate.last_poll)
    inside = [n for _, _, z in generate.zips if z is not None for n in _pdfs(z)]
    if ctx.seeded[generate.body["documents"][0]["objectIds"][0]]["pdfFileName"] not in inside:
        raise Broken("with generateMissingPDF true the missing PDF was not generated into the ZIP",
                     generate.submit, generate.last_poll)
    return "invalidIds without, generated with generateMissingPDF"


def check_request_id_header(ctx: Context) -> str:
    """Every API response the domain checks saw has a ``Zuora-Request-Id`` (a 36-character UUID)."""
    ctx.http.send("GET", JOB_PATH.replace("{jobId}", "0" * 32))
    api = [e for e in ctx.http.transcript if e.api]
    for exchange in api:
        value = exchange.header("Zuora-Request-Id")
        if value is None or len(value) != 36:
            raise Broken(f"{exchange.describe()} has " + ("no Zuora-Request-Id" if value is None
                                                          else f"Zuora-Request-Id {value!r} (not 36 characters)"),
                         exchange)
    return f"{len(api)} responses"


def check_error_body_shape(ctx: Context) -> str:
    """Error responses (no token, wrong token, unknown job, malformed JSON, and every error the
    other checks saw) carry Zuora's error body."""
    probes = [
        ("no bearer token", ctx.http.send("GET", JOB_PATH.replace("{jobId}", ctx.seed), auth=False), 401),
        ("a wrong bearer token", ctx.http.send("GET", JOB_PATH.replace("{jobId}", ctx.seed),
                                               auth=f"wrong-{ctx.seed}"), 401),
        ("an unknown job", ctx.get_job(uuid.uuid4().hex), 404),
        ("malformed JSON", ctx.http.send("POST", COLLECTION_PATH, content=b'{"documents": [',
                                         headers={"Content-Type": "application/json"}), 400),
    ]
    for what, exchange, status in probes:
        if exchange.status != status:
            raise Broken(f"{what} answered {exchange.status}; expected {status}", exchange)
    errors = [e for e in ctx.http.transcript if e.api and e.status >= 400]
    for exchange in errors:
        problems = _error_body_findings(exchange, ctx.contract)
        if problems:
            raise Broken(f"the {exchange.status} body of {exchange.method} is not Zuora's error body: {problems[0]}",
                         exchange)
    return f"{len(errors)} error responses"


@dataclass(frozen=True)
class DomainCheck:
    name: str
    run: Callable[[Context], str]
    jobs: tuple[str, ...] = ()
    seeding: bool = False

    @property
    def description(self) -> str:
        return " ".join((self.run.__doc__ or "").split("\n\n")[0].split()).replace("``", "")


DOMAIN_CHECKS: tuple[DomainCheck, ...] = (
    DomainCheck("track_id_echo", check_track_id_echo),
    DomainCheck("edge_cases_rejected", check_edge_cases_rejected),
    DomainCheck("exact_limits_accepted", check_exact_limits_accepted),
    DomainCheck("idempotent_replay", check_idempotent_replay),
    DomainCheck("job_completes", check_job_completes, jobs=("large", "csv", "no-index")),
    DomainCheck("zip_names", check_zip_names, jobs=("large", "csv", "no-index")),
    DomainCheck("zip_documents", check_zip_documents, jobs=("large", "csv", "no-index")),
    DomainCheck("zip_index", check_zip_index, jobs=("large", "csv", "no-index")),
    DomainCheck("archived_documents", check_archived_documents, jobs=("archived-fail", "archived-skip"),
                seeding=True),
    DomainCheck("missing_pdfs", check_missing_pdfs, jobs=("missing-skip", "missing-generate"), seeding=True),
    DomainCheck("gzip_honoured", check_gzip_honoured),
    DomainCheck("request_id_header", check_request_id_header),
    DomainCheck("error_body_shape", check_error_body_shape),
)


# -- running them -----------------------------------------------------------------------------------
def _seed_document(ctx: Context, object_id: str, **fields_: Any) -> dict[str, Any]:
    n = len(ctx.seeded) + 1
    doc = {
        "docType": "Invoice", "id": object_id, "pdfFileName": f"gate-{ctx.seed[:6]}-{n:04d}.pdf",
        "hasPdf": True, "archived": False, "accountNumber": f"GATE{n:04d}",
        "documentNumber": f"INV-GATE-{ctx.seed[:6]}-{n:04d}", **fields_,
    }
    ctx.seeded[object_id] = doc
    return doc


def _plan_jobs(ctx: Context, labels: set[str]) -> list[tuple[str, dict[str, Any], list[str]]]:
    per_zip = ctx.contract.documents_per_zip
    plans = []
    if "large" in labels:
        ids = object_ids(f"{ctx.seed}/large", per_zip + 50)
        split = (len(ids) * 2) // 3
        body = {"documents": [{"docType": "Invoice", "objectIds": ids[:split]},
                              {"docType": "CreditMemo", "objectIds": ids[split:]}],
                "fileName": ctx.name("large"), "name": "bulkpdf gate", "indexFileFormat": "JSON"}
        plans.append(("large", body, ids))
    if "csv" in labels:
        ids = object_ids(f"{ctx.seed}/csv", 3)
        if ctx.seeding:
            for i in ids:
                _seed_document(ctx, i)
        plans.append(("csv", valid_body(f"{ctx.seed}/csv", 3, fileName=ctx.name("csv"), indexFileFormat="CSV"), ids))
    if "no-index" in labels:
        ids = object_ids(f"{ctx.seed}/noindex", 3)
        plans.append(("no-index", valid_body(f"{ctx.seed}/noindex", 3, fileName=ctx.name("noindex"),
                                             persistIndexFile=False), ids))
    for label, flag, field_name, extra in (
        ("archived-fail", False, "ignoreArchivedFiles", {"archived": True}),
        ("archived-skip", True, "ignoreArchivedFiles", {"archived": True}),
        ("missing-skip", False, "generateMissingPDF", {"hasPdf": False}),
        ("missing-generate", True, "generateMissingPDF", {"hasPdf": False}),
    ):
        if label not in labels:
            continue
        special, normal = object_ids(f"{ctx.seed}/{label}", 2)
        _seed_document(ctx, special, **extra)
        _seed_document(ctx, normal)
        body = valid_body(f"{ctx.seed}/{label}", fileName=ctx.name(label), **{field_name: flag})
        body["documents"][0]["objectIds"] = [special, normal]
        expected = [normal] if label != "missing-generate" else [special, normal]
        plans.append((label, body, expected))
    return plans


def probe_seeding(http: Http) -> bool:
    exchange = http.send("GET", "/_mock/capabilities")
    body = exchange.json()
    return exchange.status == 200 and isinstance(body, dict) and body.get("seeding") is True


def run_domain_checks(
    ctx: Context, checks: tuple[DomainCheck, ...] = DOMAIN_CHECKS, progress: Callable[[str], None] = print,
) -> list[CheckResult]:
    """Run ``checks`` in order (submitting their jobs first); one result each."""
    if any(c.seeding for c in checks) or any("csv" in c.jobs for c in checks):
        ctx.seeding = probe_seeding(ctx.http)
    labels = {label for c in checks if ctx.seeding or not c.seeding for label in c.jobs}
    plans = _plan_jobs(ctx, labels)
    results: list[CheckResult] = []
    try:
        if ctx.seeded:
            seeded = ctx.http.send("POST", "/_mock/documents", json=list(ctx.seeded.values()))
            if seeded.status != 200:
                ctx.seeding = False
                progress(f"  domain: seeding documents failed ({seeded.status}); seeded checks are skipped")
        for label, body, expected in plans:
            if not ctx.seeding and label not in ("large", "csv", "no-index"):
                continue
            ctx.submit(label, body, expected)
        for check in checks:
            results.append(_run_one(ctx, check, progress))
    finally:
        if ctx.seeded and ctx.seeding:
            ctx.http.send("DELETE", "/_mock/documents", json=list(ctx.seeded))
    return results


def _run_one(ctx: Context, check: DomainCheck, progress: Callable[[str], None]) -> CheckResult:
    started = time.monotonic()
    before = len(ctx.http.transcript)
    result = CheckResult(check.name, SOURCE, PASSED)
    try:
        if check.seeding and not ctx.seeding:
            raise Skip("needs a server that seeds documents (GET /_mock/capabilities: seeding)")
        result.detail = check.run(ctx)
    except Broken as exc:
        result.status, result.detail = FAILED, str(exc)
        result.curl = "\n".join(e.curl(ctx.token) for e in exc.exchanges) or None
        result.failures = 1
    except Skip as exc:
        result.status, result.detail = SKIPPED, str(exc)
    except Exception as exc:  # the server answered something the check could not even read
        result.status, result.detail = FAILED, f"{type(exc).__name__}: {exc}"
        last = ctx.http.transcript[-1] if len(ctx.http.transcript) > before else None
        result.curl = last.curl(ctx.token) if last is not None else None
        result.failures = 1
    result.duration = time.monotonic() - started
    result.requests = len(ctx.http.transcript) - before
    progress(f"  domain       {check.name:<22} {result.status.upper():<7} {result.duration:5.1f}s  "
             f"{result.detail.splitlines()[0] if result.detail else ''}"[:160])
    return result
