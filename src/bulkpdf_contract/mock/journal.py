"""The request journal: every request the mock received, in order, with what became of it.

An :class:`Entry` holds the method, path, headers (bearer tokens masked), the body's size and
SHA-256 (never the body), the validators' findings for a request to Zuora's endpoint, the
status, timing and response size, the job it touched (and whether it created it, and the
status a poll reported), and the fault rules that acted on it. The journal is bounded in memory
(the oldest entries go first, ``dropped`` counts them); sequence numbers keep growing across a
clear, so "the requests since N" stays meaningful.

Plain Python: the plugin's fixtures and ``bulkpdf check-client`` read entries with
:meth:`Entry.from_json` and :class:`Entries` without a web stack. The recording itself happens
at the ASGI layer (:mod:`.wire`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..spec import TOKEN_PATH, Contract
from ..validators import Finding, validate_request, validate_token_request
from .body import check_content_type, content_coding, inflate, parse_json
from .errors import ApiError, ErrorCategory
from .oauth import parse_form

MAX_HEADERS = 64
MAX_HEADER_VALUE = 512
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
KINDS = ("submit", "poll", "download", "token", "control", "other")
"""What a request was: Zuora's POST and GET, a download URL, the token endpoint, the mock's own
``/_mock`` API, anything else."""


def token_tag(token: str) -> str:
    """A short digest that tells tokens apart in the journal without revealing them."""
    return hashlib.blake2b(token.encode("utf-8", "replace"), digest_size=4).hexdigest()


def mask_header(name: str, value: str) -> str:
    """``Authorization: Bearer <token>`` -> ``Bearer ****#<tag>``; other credentials -> ``****``."""
    if name not in SECRET_HEADERS:
        return value if len(value) <= MAX_HEADER_VALUE else value[:MAX_HEADER_VALUE] + "..."
    scheme, _, credentials = value.partition(" ")
    if name == "authorization" and credentials.strip():
        return f"{scheme} ****#{token_tag(credentials.strip())}"
    return "****"


@dataclass
class Entry:
    """One request. ``received`` is real seconds since the journal started (what a client's
    waits are measured in), ``at`` the mock's clock at that moment; ``status`` None means no
    answer was sent (see ``outcome``: ``answered``, ``dropped``, ``truncated``, ``in-flight``,
    ``client-gone``). ``findings`` is None for requests the contract does not cover."""

    seq: int
    kind: str
    method: str
    path: str
    received: float
    at: float
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body_bytes: int = 0
    body_sha256: str | None = None
    findings: list[dict[str, str]] | None = None
    status: int | None = None
    duration: float | None = None
    response_bytes: int = 0
    retry_after: str | None = None
    job: str | None = None
    job_created: bool = False
    job_status: str | None = None
    faults: list[str] = field(default_factory=list)
    outcome: str = "in-flight"
    raw_headers: list[tuple[bytes, bytes]] | None = field(default=None, repr=False, compare=False)
    """The headers as received, until :meth:`Journal.decode` turns them into ``headers`` (when
    the entry is read: recording stays cheap)."""

    @property
    def answered(self) -> float:
        """When the answer ended (or the connection was dropped), in ``received``'s seconds."""
        return self.received + (self.duration or 0.0)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def describe(self) -> str:
        """``#3 POST /v1/operations/bulk-pdf -> 429 at 0.412 s`` for evidence lines."""
        answer = self.status if self.status is not None else self.outcome
        faults = f" [fault {', '.join(self.faults)}]" if self.faults else ""
        return f"#{self.seq} {self.method} {self.path} -> {answer} at {self.received:.3f} s{faults}"

    _JSON = {"body_bytes": "bodyBytes", "body_sha256": "bodySha256", "response_bytes": "responseBytes",
             "retry_after": "retryAfter", "job_created": "jobCreated", "job_status": "jobStatus"}

    def to_json(self) -> dict[str, Any]:
        out = {self._JSON.get(k, k): v for k, v in self.__dict__.items() if k != "raw_headers"}
        out["headers"] = [list(h) for h in self.headers]
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        names = {v: k for k, v in cls._JSON.items()}
        values = {names.get(k, k): v for k, v in raw.items()}
        values["headers"] = [tuple(h) for h in values.get("headers") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


class Entries(list):
    """A list of entries with the questions tests ask of it."""

    def of(self, *kinds: str) -> Entries:
        return Entries(e for e in self if e.kind in kinds)

    def posts(self) -> Entries:
        """The requests that asked to create a job."""
        return Entries(e for e in self if e.kind == "submit" and e.method == "POST")

    def polls(self, job: str | None = None) -> Entries:
        """The GETs of one job (of every job without ``job``)."""
        return Entries(e for e in self if e.kind == "poll" and e.method == "GET" and (job is None or e.job == job))

    def downloads(self) -> Entries:
        return self.of("download")

    def jobs_created(self) -> list[str]:
        """The IDs of the jobs these requests created, in order."""
        return [e.job for e in self if e.job_created and e.job]

    def with_findings(self) -> Entries:
        return Entries(e for e in self if e.findings)


class Journal:
    """The bounded, thread-safe journal of one mock server (``size`` 0 keeps nothing)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=size or 1)
        self._next = 1
        self.dropped = 0
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        """Real seconds since the journal started (``Entry.received``'s scale)."""
        return time.monotonic() - self._started

    def begin(self, kind: str, method: str, path: str, query: str, raw_headers: list[tuple[bytes, bytes]],
              at: float) -> Entry | None:
        """A new entry, in order of receipt; None when the journal keeps nothing."""
        if not self.size:
            return None
        with self._lock:
            entry = Entry(self._next, kind, method, path, self.now(), at, query=query,
                          raw_headers=raw_headers[:MAX_HEADERS])
            self._next += 1
            if len(self._entries) == self.size:
                self.dropped += 1
            self._entries.append(entry)
        return entry

    def entries(self, since: int = 0, limit: int | None = None) -> Entries:
        """Entries with a sequence number above ``since``, oldest first, at most ``limit``."""
        with self._lock:
            out = [e for e in self._entries if e.seq > since]
            out = out if limit is None else out[:limit]
            for entry in out:
                self._decode(entry)
        return Entries(out)

    def decode(self, entry: Entry) -> Entry:
        """``entry`` with its headers decoded and the credentials masked."""
        with self._lock:
            self._decode(entry)
        return entry

    @staticmethod
    def _decode(entry: Entry) -> None:
        if entry.raw_headers is None:
            return
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in entry.raw_headers]
        for i, (key, value) in enumerate(headers):  # a comprehension first: masking is rare work
            if key in SECRET_HEADERS or len(value) > MAX_HEADER_VALUE:
                headers[i] = (key, mask_header(key, value))
        entry.headers, entry.raw_headers = headers, None

    @property
    def next_seq(self) -> int:
        """The sequence number the next request will get."""
        return self._next

    def clear(self) -> int:
        with self._lock:
            removed = len(self._entries)
            self._entries.clear()
            self.dropped = 0
            return removed


def request_findings(
    kind: str, method: str, headers: list[tuple[str, str]], raw: bytes | None, contract: Contract,
    *, max_bytes: int, max_findings: int,
) -> list[Finding]:
    """What the validators say of one request to Zuora's endpoint or its token operation
    (``raw``: the body as received, None when it was larger than ``max_bytes``). A body the mock
    cannot read (its media type, coding, gzip data, JSON or form) is one ``request.body`` finding."""
    if kind not in ("submit", "poll", "token"):
        return []
    if kind == "poll" or (kind == "submit" and method != "POST"):
        return validate_request(None, headers, method, contract=contract)
    if method != "POST":
        return [Finding("request.method", "", f"{method} is not an operation of {TOKEN_PATH}; use POST")]
    lookup = {k: v for k, v in headers}
    try:
        if raw is None:
            raise ApiError(413, ErrorCategory.INVALID_VALUE, f"the request body is larger than {max_bytes} bytes")
        if kind == "token":
            form = parse_form(raw, lookup.get("content-type"), lookup.get("content-encoding"))
            return validate_token_request(form, headers, contract=contract)
        check_content_type(lookup.get("content-type"))
        if content_coding(lookup.get("content-encoding")) == "gzip":
            raw = inflate(raw, max_bytes)
        body = parse_json(raw)
    except ApiError as exc:
        return [Finding("request.body", "", exc.reasons[0][1])]
    return validate_request(body, headers, "POST", contract=contract, max_findings=max_findings)


NOTES = "bulkpdf.journal"
"""The key under ``scope["state"]`` where handlers note what the journal cannot see on the wire."""


def note(scope: dict[str, Any], **values: Any) -> None:
    """Tell the journal about this request: ``job``, ``job_created``, ``job_status``, ``findings``
    (the handler's own validation, so the journal need not repeat it)."""
    scope.setdefault("state", {}).setdefault(NOTES, {}).update(values)


def note_of(scope: dict[str, Any]) -> dict[str, Any]:
    return scope.get("state", {}).get(NOTES, {})


def finding_dicts(findings: Iterable[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "pointer": f.pointer, "message": f.message} for f in findings]
