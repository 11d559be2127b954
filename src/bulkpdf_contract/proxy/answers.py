"""The answers the proxy gives itself, in Zuora's shape: the refusal of an invalid request under
``--enforce`` (never forwarded) and the 502/504 for an upstream it cannot reach.

The error body and its 8-digit codes are the mock's (:mod:`bulkpdf_contract.mock.errors`, plain
Python), so a client behind the proxy meets the same errors as one talking to the mock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson

from ..mock.errors import ErrorCategory, error_body, finding_reasons, reason
from ..validators.exchanges import Violation
from ..validators import validate_headers
from ..validators.exchanges import OPERATIONS, contract_path

JSON_TYPE = "application/json; charset=utf-8"
_STATUS = {  # the rule that decides the status of a refusal, most decisive first (as the mock checks)
    "request.method": (405, ErrorCategory.UNSUPPORTED_METHOD),
    "request.authorization": (401, ErrorCategory.AUTHENTICATION),
    "request.content-type": (415, ErrorCategory.INVALID_VALUE),
    "request.body-too-large": (413, ErrorCategory.INVALID_VALUE),
}
MAX_REASONS = 100


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def _answer(status: int, reasons: list[dict[str, str]], track_id: str | None,
            extra: list[tuple[bytes, bytes]] = ()) -> Answer:
    request_id = str(uuid.uuid4())
    body = orjson.dumps(error_body(request_id, reasons))
    headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", b"%d" % len(body)),
               (b"zuora-request-id", request_id.encode())]
    if track_id is not None and not validate_headers({"Zuora-Track-Id": track_id}):
        headers.append((b"zuora-track-id", track_id.encode("latin-1")))
    return Answer(status, headers + list(extra), body)


def refusal(violations: list[Violation], track_id: str | None) -> Answer:
    """Zuora's error answer to a request with these (request) violations."""
    for rule, (status, category) in _STATUS.items():
        for v in violations:
            if v.rule == rule:
                allowed = OPERATIONS.get(contract_path(v.path), "")
                extra = [(b"allow", allowed.encode())] if status == 405 else []
                ((_, message),) = finding_reasons([v], ())
                return _answer(status, [reason(category, message)], track_id, extra)
    reasons = [reason(c, m) for c, m in finding_reasons(violations[:MAX_REASONS], ())]
    return _answer(400, reasons, track_id)


def unreachable(upstream: str, error: Exception, track_id: str | None, timed_out: bool) -> Answer:
    """502 (504 for a timeout) saying why the upstream gave no answer."""
    what = "did not answer in time" if timed_out else "cannot be reached"
    detail = str(error) or type(error).__name__
    message = f"the bulkpdf proxy's upstream {upstream} {what}: {type(error).__name__}: {detail}"
    return _answer(504 if timed_out else 502, [reason(ErrorCategory.TEMPORARY, message)], track_id)


def failure(error: Exception, track_id: str | None) -> Answer:
    """500 for a bug of the proxy's own (logged), never a traceback to the client."""
    message = f"the bulkpdf proxy failed on this request (please report it): {type(error).__name__}: {error}"
    return _answer(500, [{"code": "SystemError", "message": message}], track_id)
