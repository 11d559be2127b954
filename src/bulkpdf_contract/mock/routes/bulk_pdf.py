"""Zuora's endpoint: ``POST /v1/operations/bulk-pdf`` creates a job, ``GET .../{jobId}`` polls it.

Requests are validated by the project's own validators (not by a framework's models), so the
mock accepts exactly what the spec says and a modified spec (``contract=``) changes what it
accepts. A request is validated before its Idempotency-Key is looked up: an invalid one (400,
413, 415) cannot be a retry of a valid one, so it gets its error even under a used key, and
nothing is stored for it. Zuora's "no usable document ID" 400 is a result and is stored.

This process is the only writer of the database (jobs run in a child process that sends its
progress back), so the short statements run directly on the event loop: handing each to a
thread would cost more CPU than the statement. Only the validation of large bodies goes to a
thread.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response

from ...spec import COLLECTION_PATH, JOB_PATH
from ...validators import Finding, validate_request
from .. import idempotency
from ..auth import authenticate
from ..body import check_content_type, content_coding, inflate, parse_json, read_limited
from ..errors import ApiError, ErrorCategory, finding_reasons, method_not_allowed
from ..journal import note, note_of
from ..responses import JSON_TYPE, error_payload, json_response, raw_response, request_id
from ..state import MockState
from ..storage import StoredResponse
from ..world import DEFAULT
from .files import file_url

ALL_IDS_INVALID = (
    "All Document IDs provided in this request were either invalid or the billing document is not available."
)
MAX_REASONS = 100
"""Reasons in one 400 body; past it one reason says the list was cut (a million malformed IDs
must not cost seconds of validation and a 100 MB error body)."""
LARGE_BODY_BYTES = 65536  # validated in a thread, so the event loop keeps answering meanwhile


async def _only(request: Request, method: str) -> None:
    """405 for any other method; 422 first when its Idempotency-Key was used for another URL."""
    if request.method != method:
        await idempotency.reject_misuse(request)
        raise method_not_allowed(method)


# -- POST /v1/operations/bulk-pdf -------------------------------------------------------------------
async def collection(request: Request) -> Response:
    await _only(request, "POST")
    state: MockState = request.app.state.mock
    tenant, user = authenticate(request)
    status, payload, job = await _plan_job(request, tenant, user)
    owner = request_id(request)
    stored = StoredResponse(status, {"Content-Type": JSON_TYPE, "Zuora-Request-Id": owner}, orjson.dumps(payload))
    earlier = await idempotency.store(request, tenant, owner, stored, job)
    if earlier is not None:
        return earlier
    if job is not None:
        note(request.scope, job=job["id"], job_created=True)
        state.runner.submit(job["id"])
    return raw_response(request, stored.status, stored.body, stored.headers)


async def _plan_job(request: Request, tenant: str, user: str) -> tuple[int, dict, dict | None]:
    """Validate the request and decide: a job to create, or Zuora's 400 for "no usable ID" (a
    result, kept for idempotent replay). A request that is invalid raises :class:`ApiError`."""
    state: MockState = request.app.state.mock
    settings = state.config.settings
    coding = content_coding(request.headers.get("content-encoding"))
    check_content_type(request.headers.get("content-type"))
    raw = await read_limited(request.stream(), request.headers.get("content-length"), settings.max_body_bytes)
    if coding == "gzip":
        raw = inflate(raw, state.config.contract.max_inflated_bytes)
    body = parse_json(raw)
    headers = request.headers.items()
    if len(raw) > LARGE_BODY_BYTES:
        findings = await anyio.to_thread.run_sync(_validate_body, state, body, headers)
    else:
        findings = _validate_body(state, body, headers)
    note(request.scope, findings=findings)
    reasons = finding_reasons(findings, settings.disabled_rules)
    if reasons:
        raise ApiError.with_reasons(400, reasons)
    generate = body.get("generateMissingPDF", False)
    usable, invalid = [], []
    for group in body["documents"]:
        doc_type = group["docType"]
        for object_id in group["objectIds"]:
            doc = state.world.lookup(object_id, doc_type)
            if doc is None or (doc is not DEFAULT and not doc.hasPdf and not generate):
                invalid.append(object_id)
            else:
                usable.append((doc_type, object_id))
    if not usable:
        return 400, error_payload(request, [(ErrorCategory.INVALID_VALUE, ALL_IDS_INVALID)]), None
    job = {
        "id": state.job_ids(),
        "tenant": tenant,
        "name": body.get("name"),
        "file_name": body["fileName"],
        "index_format": body["indexFileFormat"],
        "generate_missing": int(generate),
        "ignore_archived": int(body.get("ignoreArchivedFiles", False)),
        "persist_index": int(body.get("persistIndexFile", True)),
        "status": "Submitted",
        "step_status": "JobCreated",
        "created_on": state.clock.now(),
        "created_by": user,
        "documents": usable,
    }
    fault = note_of(request.scope).get("job_fault")  # a fault rule's job action (see ..faults)
    if fault is not None:
        job["fault"] = fault
    return 200, {"jobId": job["id"], "invalidIds": invalid, "success": True}, job


def _validate_body(state: MockState, body: Any, headers) -> list[Finding]:
    """The validators' findings; seeded documents' PDF names join the duplicate-name rule."""
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
    await _only(request, "GET")
    state: MockState = request.app.state.mock
    tenant, _ = authenticate(request)
    findings = validate_request(None, request.headers.items(), "GET", contract=state.config.contract)
    note(request.scope, findings=findings)
    reasons = finding_reasons(findings, state.config.settings.disabled_rules)
    if reasons:
        return json_response(request, 400, error_payload(request, reasons))
    job_id = request.path_params["jobId"]
    job = state.storage.job(job_id, tenant)
    if job is None:
        raise ApiError(404, ErrorCategory.NOT_FOUND, f"no bulk PDF job {job_id!r} exists for this tenant")
    note(request.scope, job=job_id, job_status=job["status"])
    return json_response(request, 200, job_payload(request, job, state.storage.files(job_id)))


def job_payload(request: Request, job: dict[str, Any], files: list[dict[str, Any]]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    payload: dict[str, Any] = {"jobId": job["id"]}
    if job["name"] is not None:
        payload["jobName"] = job["name"]
    payload.update(
        status=job["status"],
        stepStatus=job["step_status"],
        fileUrls=[file_url(base, f) for f in files],
        failedDocuments=job["failed"] or [],
        skippedDocuments=job["skipped"] or [],
        createdOn=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(job["created_on"])),
        createdBy=job["created_by"],
        success=True,
    )
    if job["reasons"]:
        payload["reasons"] = job["reasons"]
    return payload


ROUTES = [(COLLECTION_PATH, collection), (JOB_PATH, job_resource)]
