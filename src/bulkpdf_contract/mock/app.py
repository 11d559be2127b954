"""The ASGI application: routing and everything HTTP (auth, headers, gzip, error bodies).

Starlette, because the mock needs exactly what it offers and nothing it would fight: routing,
a request object, streamed file responses with range support, lifespan hooks, and an ASGI app
that httpx can call in-process and uvicorn can serve. Requests are validated by the project's own
validators (not by a framework's models), so the mock accepts exactly what the spec says and a
modified spec (``contract=``) changes what it accepts. Jobs run in a child process
(:mod:`.worker`) that never writes to SQLite; this process is the only writer, so its short
statements (a fraction of a millisecond, WAL mode) run directly on the event loop: handing
each to a thread would cost more CPU than the statement and add latency under load. Only the
validation of large bodies goes to a thread.

Error bodies are Zuora's ``CommonResponse`` (``ErrorResponse`` with code ``SystemError`` for 500)
with 8-digit codes: the prefix ``515800`` of Zuora's own bulk-PDF code 51580020, then the
category of Zuora's error-code scheme (11 authentication, 20 invalid value, 21 unknown field,
22 missing field, 30 business rule, 40 not found, 45 unsupported method, 50 locking,
70 rate/concurrency limit, 90 malformed JSON).

Idempotency-Key (per token and ``Zuora-Entity-Ids``, kept ``idempotency_ttl`` seconds): the
same key replays the stored status, body, ``Content-Type`` and ``Zuora-Request-Id`` without a
second job (the ``Zuora-Track-Id`` echo and rate headers belong to the replaying request);
another body with the same key replays too (the spec's contract decision); a key in flight gets
409, a key used on another URL or method 422. A request is validated before its key is looked
up: an invalid one (400, 413, 415) cannot be a retry of a valid one, so it gets its error even
under a used key, and nothing is stored for it (the key stays free for the fixed request).
Zuora's "no usable document ID" 400 is a result and is stored.

Mock extensions (not Zuora's API; same bearer auth, except the download URLs):

- ``GET /_mock/capabilities``: ``{"seeding": true, "openWorld": ..., "documentsPerZip": ...,
  "fileUrlTtlSeconds": ..., "indexFileNames": {...}, "documentFields": [...]}``.
- ``POST /_mock/documents``: a JSON list of documents (``id`` required; ``docType``,
  ``pdfFileName``, ``hasPdf``, ``archived``, ``accountNumber``, ``documentNumber``, ``exists``,
  ``pdfGenerationFails``, ``documentCreatedOn``, ``pdfFileCreatedOn`` optional) added or
  replaced by ID, persisted. ``GET`` lists every seeded document (given to ``create_app`` and
  over HTTP). ``DELETE`` with a JSON list of IDs removes those seeded over HTTP, without a body
  all of them (documents given to ``create_app`` stay).
- ``GET /_mock/files/<token>/<fileName>_<n>.zip``: the ``fileUrls``. Like S3 pre-signed URLs: no
  bearer token, a random 256-bit token in the path, valid ``file_url_ttl`` seconds after the
  job finished (24 h by default, as Zuora's FAQ says), never regenerated; unknown or expired
  -> 403 with S3's XML error body (``AccessDenied``, "Request has expired"). The last path
  segment is the ZIP name, percent-encoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import hashlib
import hmac
import logging
import secrets
import sqlite3
import time
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote
from xml.sax.saxutils import escape

import anyio
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..spec import COLLECTION_PATH, Contract, load_contract
from ..validators import Finding, validate_headers, validate_request
from .auth import DEFAULT_TOKEN
from .body import ApiError, check_content_type, content_coding, inflate, parse_json, read_limited
from .jobs import error_body, reason
from .state import MockConfig, MockState, make_temporary_dir
from .storage import IdempotencyRecord, StoredResponse
from .world import DEFAULT, World, load_documents, parse_documents

log = logging.getLogger("bulkpdf_contract.mock")

JSON_TYPE = "application/json; charset=utf-8"
FILES_PREFIX = "/_mock/files"
ALL_IDS_INVALID = (
    "All Document IDs provided in this request were either invalid or the billing document is not available."
)
# Zuora's production limits, reported in the headers (enforced only when configured).
RATE_LIMIT_PER_MINUTE = 50000
CONCURRENCY_LIMIT = 40
MAX_REASONS = 100
"""Reasons in one 400 body; past it one reason says the list was cut (a million malformed IDs
must not cost seconds of validation and a 100 MB error body)."""


def create_app(
    data_dir: str | Path | None = None,
    token: str | Collection[str] | None = DEFAULT_TOKEN,
    documents: Any = None,
    *,
    contract: Contract | None = None,
    documents_per_zip: int | None = None,
    file_url_ttl: float | None = None,
    job_delay: float = 0.0,
    request_delay: float = 0.0,
    idempotency_ttl: float | None = None,
    open_world: bool | None = None,
    workers: int = 2,
    job_process: bool = True,
    max_body_bytes: int | None = None,
    rate_limit: int | None = None,
    concurrency_limit: int | None = None,
    disabled_rules: Collection[str] = (),
    max_job_attempts: int = 3,
) -> MockApp:
    """The mock server as an ASGI app.

    ``data_dir`` None: a fresh temporary directory, deleted at shutdown. ``token``: the accepted
    bearer token, a collection of them (one tenant each), or None to accept any non-empty token.
    ``documents``: None (open default world), a list of document dicts, or a YAML/JSON file path;
    given documents make the world closed unless ``open_world=True``. ``job_delay`` pauses before
    each job step; ``request_delay`` holds each POST while its Idempotency-Key is in flight (both
    for tests). ``rate_limit`` (requests per minute per token) and ``concurrency_limit`` are
    enforced with 429 only when given. ``job_process`` runs jobs in a lower-priority child
    process (``workers`` threads there); False runs them in threads of this process.
    ``workers=0`` accepts jobs but never runs them (they stay *Submitted*).
    ``disabled_rules`` skips validator rules by id (to build deliberately lenient servers).
    """
    contract = contract or load_contract()
    configured, file_open_world = load_documents(documents) if documents is not None else ([], None)
    if open_world is None:
        open_world = file_open_world if file_open_world is not None else documents is None
    if isinstance(token, str):
        tokens: frozenset[str] | None = frozenset([token])
    else:
        tokens = None if token is None else frozenset(token)
    temporary = data_dir is None
    config = MockConfig(
        contract=contract,
        data_dir=make_temporary_dir() if temporary else Path(data_dir).expanduser().resolve(),
        temporary=temporary,
        tokens=tokens,
        documents_per_zip=documents_per_zip or contract.documents_per_zip,
        file_url_ttl=contract.file_url_lifetime_seconds if file_url_ttl is None else file_url_ttl,
        idempotency_ttl=contract.idempotency_retention_seconds if idempotency_ttl is None else idempotency_ttl,
        job_delay=job_delay,
        request_delay=request_delay,
        max_body_bytes=max_body_bytes or contract.max_inflated_bytes,
        max_inflated_bytes=contract.max_inflated_bytes,
        workers=workers,
        job_process=job_process,
        max_job_attempts=max_job_attempts,
        rate_limit=rate_limit,
        concurrency_limit=concurrency_limit,
        disabled_rules=frozenset(disabled_rules),
        gzip_min_bytes=contract.gzip_min_bytes,
        idempotent_methods=contract.idempotent_methods,
    )
    state = MockState(config, World(configured, open_world=open_world))
    state.commits = GroupCommit(state)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            await anyio.to_thread.run_sync(state.ensure_started)
        except Exception as exc:  # requests will answer 500 with the reason; do not crash the server
            log.error("bulkpdf mock could not start: %s", exc)
        yield
        await anyio.to_thread.run_sync(state.close)

    routes = [
        Route(COLLECTION_PATH, _endpoint(collection), methods=None),
        Route(COLLECTION_PATH + "/{jobId}", _endpoint(job_resource), methods=None),
        Route("/_mock/capabilities", _endpoint(capabilities), methods=None),
        Route("/_mock/documents", _endpoint(mock_documents), methods=None),
        Route(FILES_PREFIX + "/{token}/{name:path}", _endpoint(download), methods=None),
        Route("/{path:path}", _endpoint(not_found), methods=None),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.mock = state
    return MockApp(app, state)


# -- the outer layer: headers on every response -------------------------------------------------
class MockApp:
    """The app ``create_app`` returns: the Starlette app (``.app``; its state as ``.state``, the
    mock's own as ``.state.mock``) inside the layer that adds ``Zuora-Request-Id``, the
    ``Zuora-Track-Id`` echo and the rate/concurrency headers to every response, and enforces
    the configured limits."""

    def __init__(self, app: Starlette, state: MockState):
        self.app = app
        self.state = app.state
        self.mock = state
        self._contract = state.config.contract
        self._windows: dict[str, list[float]] = {}
        self._in_flight: dict[str, int] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        track = auth = None
        for name, value in scope["headers"]:
            if name == b"zuora-track-id":
                track = value.decode("latin-1")
            elif name == b"authorization":
                auth = value.decode("latin-1")
        if track is not None and validate_headers({"Zuora-Track-Id": track}, contract=self._contract):
            track = None  # an invalid ID is rejected (400) and not echoed: the echo must obey the spec too
        cfg = self.mock.config
        now = time.time()
        key = auth or ""
        window = self._windows.get(key)
        if window is None or now - window[0] >= 60:
            if len(self._windows) > 10000:
                self._windows.clear()
            window = self._windows[key] = [now, 0]
        window[1] += 1
        limit = cfg.rate_limit or RATE_LIMIT_PER_MINUTE
        remaining = max(0, limit - window[1])
        reset = max(0, int(60 - (now - window[0])))
        concurrency = cfg.concurrency_limit or CONCURRENCY_LIMIT
        in_flight = self._in_flight.get(key, 0) + 1
        self._in_flight[key] = in_flight

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                # Raw header pairs: a replayed response brings its own Zuora-Request-Id; any
                # other value of the headers set here is replaced.
                raw = [(k, v) for k, v in message.get("headers", []) if k not in _OWN_HEADERS]
                if not any(k == b"zuora-request-id" for k, _ in raw):
                    raw.append((b"zuora-request-id", request_id.encode()))
                if track is not None:
                    raw.append((b"zuora-track-id", track.encode("latin-1")))
                raw += (
                    (b"ratelimit-limit", b"%d" % limit),
                    (b"ratelimit-remaining", b"%d" % remaining),
                    (b"ratelimit-reset", b"%d" % reset),
                )
                if message["status"] in (200, 400):
                    raw += (
                        (b"concurrency-limit-type", b"Default"),
                        (b"concurrency-limit-limit", b"%d" % concurrency),
                        (b"concurrency-limit-remaining", b"%d" % max(0, concurrency - in_flight)),
                    )
                message = {**message, "headers": raw}
            await send(message)

        try:
            limited = scope["path"].startswith("/v1/") and (
                (cfg.rate_limit is not None and window[1] > cfg.rate_limit)
                or (cfg.concurrency_limit is not None and in_flight > cfg.concurrency_limit)
            )
            if limited:
                scope["app"] = self.app
                request = Request(scope, receive)
                response = error_response(
                    request, 429, "70", "too many requests; retry after the time in Retry-After",
                    headers={"Retry-After": str(max(1, reset))},
                )
                await response(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key]


_OWN_HEADERS = frozenset({
    b"zuora-track-id", b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset",
    b"concurrency-limit-type", b"concurrency-limit-limit", b"concurrency-limit-remaining",
})


# -- responses ------------------------------------------------------------------------------------
def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def raw_response(request: Request, status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    """A JSON response, gzipped when asked for and over the contract's threshold."""
    headers = {"Content-Type": JSON_TYPE, **(headers or {})}
    headers["Vary"] = "Accept-Encoding"
    if len(body) > request.app.state.mock.config.gzip_min_bytes and accepts_gzip(request):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, headers=headers)


def json_response(request: Request, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return raw_response(request, status, orjson.dumps(payload), headers)


def request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id") or str(uuid.uuid4())


def error_payload(request: Request, reasons: list[tuple[str, str]]) -> dict[str, Any]:
    return error_body(request_id(request), [reason(category, message) for category, message in reasons])


def error_response(request: Request, status: int, category: str, message: str, headers=None) -> Response:
    return json_response(request, status, error_payload(request, [(category, message)]), headers)


def server_error(request: Request, detail: str = "") -> Response:
    message = "internal server error" + (f": {detail}" if detail else "")
    return json_response(request, 500, error_body(request_id(request), [{"code": "SystemError", "message": message}]))


def s3_error(status: int, code: str, message: str) -> Response:
    """The XML error body S3 answers for a bad or expired pre-signed URL."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


class _endpoint:
    """An ASGI endpoint for every method (each handler answers 405 itself, with Zuora's body and
    ``Allow``); it starts the mock if needed and turns any failure into Zuora's 500 body, never a
    traceback."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]):
        self.handler = handler

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        state: MockState = request.app.state.mock
        try:
            if not state.started:
                await anyio.to_thread.run_sync(state.ensure_started)
            return await self.handler(request)
        except ApiError as exc:
            return json_response(request, exc.status, error_payload(request, exc.reasons), exc.headers)
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            log.error("%s %s: storage failure: %s", request.method, request.url.path, exc)
            return server_error(request, f"the mock server could not use its data directory ({exc})")
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return server_error(request)


class GroupCommit:
    """Writes of concurrent requests share one transaction per event-loop turn.

    A commit appends to the WAL with its own system calls; under load, POSTs that reach their
    write in the same turn of the loop are committed together (each in its own savepoint, see
    :meth:`Storage.batch`), and each still answers only after its data is committed.
    """

    def __init__(self, state: MockState):
        self.state = state
        self._pending: list[tuple[Callable, asyncio.Future]] = []

    async def run(self, operation: Callable[[sqlite3.Connection], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((operation, future))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        try:
            results = self.state.storage.batch([operation for operation, _ in batch])
        except Exception as exc:  # the commit itself failed: every request in it gets the error
            results = [(None, exc)] * len(batch)
        for (_, future), (value, error) in zip(batch, results):
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)


# -- auth and tenants ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x00".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def bearer_token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    token = credentials.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    tokens = request.app.state.mock.config.tokens
    if tokens is not None and not any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens):
        return None
    return token


def authenticate(request: Request) -> tuple[str, str]:
    """``(tenant, user)`` of the request: the token and ``Zuora-Entity-Ids`` entity, hashed."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(
            401, "11", "authentication failed: send a valid token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="bulkpdf-mock"'},
        )
    return _digest(token, request.headers.get("zuora-entity-ids", "")), _digest(token)


def method_not_allowed(allowed: str) -> ApiError:
    return ApiError(405, "45", f"this resource supports only {allowed}", headers={"Allow": allowed})


# -- validation ------------------------------------------------------------------------------------
_CATEGORY = {"schema.required": "22", "schema.additionalProperties": "21"}


def finding_reasons(findings: list[Finding], disabled: frozenset[str]) -> list[tuple[str, str]]:
    return [
        (_CATEGORY.get(f.rule, "20"), f"{f.message} (rule {f.rule} at {f.pointer or '/'})")
        for f in findings
        if f.rule not in disabled
    ]


def _run(fn, *args, **kwargs):
    return anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


# -- POST /v1/operations/bulk-pdf -------------------------------------------------------------------
async def collection(request: Request) -> Response:
    if request.method != "POST":
        await _idempotency_misuse(request)
        raise method_not_allowed("POST")
    return await create_job(request)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    contract = request.app.state.mock.config.contract
    if key is None or validate_headers({"Idempotency-Key": key}, contract=contract):
        return None  # an invalid key is reported by validation and never stored
    return key


async def _idempotency_misuse(request: Request) -> None:
    """A key already used for another URL or method: 422, as Zuora documents."""
    state: MockState = request.app.state.mock
    key = _idempotency_key(request)
    if key is None or request.method not in state.config.idempotent_methods:
        return
    tenant, _ = authenticate(request)
    record = state.storage.idempotency_record(tenant, key, time.time() - state.config.idempotency_ttl)
    if record is not None and (record.method, record.path) != (request.method, request.url.path):
        raise _mismatch(key, record)


def _mismatch(key: str, record: IdempotencyRecord) -> ApiError:
    return ApiError(422, "30", (
        f"the Idempotency-Key {key!r} was already used for {record.method} {record.path}; "
        "use a new key for a different operation"
    ))


def _from_record(request: Request, key: str, record: IdempotencyRecord) -> Response:
    if (record.method, record.path) != (request.method, request.url.path):
        raise _mismatch(key, record)
    if record.state != "done":
        raise ApiError(409, "50", (
            f"a request with the Idempotency-Key {key!r} is still in progress; "
            "wait and retry with the same key"
        ))
    stored = record.response
    return raw_response(request, stored.status, stored.body, stored.headers)


async def create_job(request: Request) -> Response:
    state: MockState = request.app.state.mock
    cfg = state.config
    storage = state.storage
    tenant, user = authenticate(request)
    key = _idempotency_key(request)
    owner = request_id(request)
    now = time.time()
    not_before = now - cfg.idempotency_ttl
    # Checked before the key is looked up: an invalid request cannot be a retry of a valid one,
    # so it gets its 400/413/415 even under a used key, and nothing is stored for it.
    status, payload, job = await _plan_job(request, tenant, user)
    claimed = False
    if key is not None and cfg.request_delay:
        record = storage.claim_key(tenant, key, "POST", request.url.path, owner, now, not_before)
        if record is not None:
            return _from_record(request, key, record)
        claimed = True
    try:
        if claimed:
            await anyio.sleep(cfg.request_delay)
        stored = StoredResponse(status, {"Content-Type": JSON_TYPE, "Zuora-Request-Id": owner}, orjson.dumps(payload))
        record = await state.commits.run(functools.partial(
            storage.store_result_in, tenant=tenant, key=key, method="POST", path=request.url.path,
            owner=owner, now=now, not_before=not_before, response=stored, job=job,
        ))
    except BaseException:
        if claimed:
            with contextlib.suppress(Exception):
                storage.release_key(tenant, key, owner)
        raise
    if record is not None:
        return _from_record(request, key, record)
    if job is not None:
        state.runner.submit(job["id"])
    return raw_response(request, stored.status, stored.body, stored.headers)


async def _plan_job(request: Request, tenant: str, user: str) -> tuple[int, dict, dict | None]:
    """Validate the request and decide: a job to create, or Zuora's 400 for "no usable ID" (a
    result, kept for idempotent replay). A request that is invalid raises :class:`ApiError`."""
    state: MockState = request.app.state.mock
    cfg = state.config
    coding = content_coding(request.headers.get("content-encoding"))
    check_content_type(request.headers.get("content-type"))
    raw = await read_limited(request.stream(), request.headers.get("content-length"), cfg.max_body_bytes)
    if coding == "gzip":
        raw = inflate(raw, cfg.max_inflated_bytes)
    body = parse_json(raw)
    world = state.world
    headers = request.headers.items()
    if len(raw) > 65536:
        findings = await _run(_validate_body, state, body, headers)
    else:
        findings = _validate_body(state, body, headers)
    reasons = finding_reasons(findings, cfg.disabled_rules)
    if reasons:
        raise ApiError.with_reasons(400, reasons)
    generate = body.get("generateMissingPDF", False)
    usable, invalid = [], []
    for group in body["documents"]:
        doc_type = group["docType"]
        for object_id in group["objectIds"]:
            doc = world.lookup(object_id, doc_type)
            if doc is None or (doc is not DEFAULT and not doc.hasPdf and not generate):
                invalid.append(object_id)
            else:
                usable.append((doc_type, object_id))
    if not usable:
        return 400, error_payload(request, [("20", ALL_IDS_INVALID)]), None
    job_id = uuid.uuid4().hex
    job = {
        "id": job_id,
        "tenant": tenant,
        "name": body.get("name"),
        "file_name": body["fileName"],
        "index_format": body["indexFileFormat"],
        "generate_missing": int(generate),
        "ignore_archived": int(body.get("ignoreArchivedFiles", False)),
        "persist_index": int(body.get("persistIndexFile", True)),
        "status": "Submitted",
        "step_status": "JobCreated",
        "created_on": time.time(),
        "created_by": user,
        "documents": usable,
    }
    return 200, {"jobId": job_id, "invalidIds": invalid, "success": True}, job


def _validate_body(state: MockState, body: Any, headers) -> list[Finding]:
    world = state.world
    file_names = None
    if (world.seeded or world.configured) and isinstance(body, dict) and isinstance(body.get("documents"), list):
        file_names = {}
        for group in body["documents"]:
            if not isinstance(group, dict) or not isinstance(group.get("objectIds"), list):
                continue
            for object_id in group["objectIds"]:
                if isinstance(object_id, str) and world.is_seeded(object_id):
                    doc = world.get(object_id, group.get("docType"))
                    if doc is not None:
                        file_names[object_id] = doc.pdfFileName
    return validate_request(body, headers, "POST", file_names=file_names, contract=state.config.contract,
                            max_findings=MAX_REASONS)


# -- GET /v1/operations/bulk-pdf/{jobId} ----------------------------------------------------------
async def job_resource(request: Request) -> Response:
    if request.method != "GET":
        await _idempotency_misuse(request)
        raise method_not_allowed("GET")
    state: MockState = request.app.state.mock
    tenant, _ = authenticate(request)
    findings = validate_request(None, request.headers.items(), "GET", contract=state.config.contract)
    reasons = finding_reasons(findings, state.config.disabled_rules)
    if reasons:
        return json_response(request, 400, error_payload(request, reasons))
    job_id = request.path_params["jobId"]

    def load():
        job = state.storage.job(job_id, tenant)
        return job, (state.storage.files(job_id) if job is not None else [])

    job, files = load()
    if job is None:
        raise ApiError(404, "40", f"no bulk PDF job {job_id!r} exists for this tenant")
    return json_response(request, 200, job_payload(request, job, files))


def job_payload(request: Request, job: dict[str, Any], files: list[dict[str, Any]]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    payload: dict[str, Any] = {"jobId": job["id"]}
    if job["name"] is not None:
        payload["jobName"] = job["name"]
    payload.update(
        status=job["status"],
        stepStatus=job["step_status"],
        fileUrls=[f"{base}{FILES_PREFIX}/{f['token']}/{quote(f['name'], safe='')}" for f in files],
        failedDocuments=job["failed"] or [],
        skippedDocuments=job["skipped"] or [],
        createdOn=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(job["created_on"])),
        createdBy=job["created_by"],
        success=True,
    )
    if job["reasons"]:
        payload["reasons"] = job["reasons"]
    return payload


# -- downloads (the "pre-signed URLs") ------------------------------------------------------------
async def download(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    state: MockState = request.app.state.mock
    record = state.storage.file_by_token(request.path_params["token"])
    if record is None or record["name"] != request.path_params["name"]:
        return s3_error(403, "AccessDenied", "Access Denied")
    if time.time() >= record["expires_at"]:
        return s3_error(403, "AccessDenied", "Request has expired")
    path = state.data_dir / record["path"]
    if not path.is_file():
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    return FileResponse(path, media_type="application/zip", filename=record["name"])


# -- /_mock: seeding the document world (mock extension) ---------------------------------------------
async def capabilities(request: Request) -> Response:
    if request.method != "GET":
        raise method_not_allowed("GET")
    authenticate(request)
    state: MockState = request.app.state.mock
    cfg = state.config
    return json_response(request, 200, {
        "success": True,
        "seeding": True,
        "openWorld": state.world.open_world,
        "documentsPerZip": cfg.documents_per_zip,
        "fileUrlTtlSeconds": cfg.file_url_ttl,
        "indexFileNames": {"JSON": "index.json", "CSV": "index.csv"},
        "documentFields": ["docType", "id", "pdfFileName", "hasPdf", "archived", "accountNumber",
                           "documentNumber", "exists", "pdfGenerationFails", "documentCreatedOn",
                           "pdfFileCreatedOn"],
    })


async def mock_documents(request: Request) -> Response:
    authenticate(request)
    state: MockState = request.app.state.mock
    world = state.world
    if request.method == "GET":
        return json_response(request, 200, {"success": True, "openWorld": world.open_world,
                                            "documents": world.listing()})
    if request.method not in ("POST", "DELETE"):
        raise method_not_allowed("GET, POST, DELETE")
    raw = await read_limited(request.stream(), request.headers.get("content-length"), state.config.max_body_bytes)
    if request.method == "POST":
        try:
            docs = parse_documents(parse_json(raw), "the request body")
        except ValueError as exc:
            raise ApiError(400, "20", str(exc)) from None
        state.storage.put_documents([d.to_dict() for d in docs])
        world.seeded.update({d.id: d for d in docs})
        return json_response(request, 200, {"success": True, "seeded": len(docs)})
    ids = None
    if raw.strip():
        ids = parse_json(raw)
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, "20", "the request body must be a JSON list of document IDs (or empty to remove all)")
        ids = [i.lower() for i in ids]
    state.storage.delete_documents(ids)
    removed = len(world.seeded) if ids is None else sum(i in world.seeded for i in ids)
    if ids is None:
        world.seeded.clear()
    else:
        for i in ids:
            world.seeded.pop(i, None)
    return json_response(request, 200, {"success": True, "removed": removed})


async def not_found(request: Request) -> Response:
    raise ApiError(404, "40", f"no resource at {request.url.path}")
