"""Building responses: JSON (gzipped when the client asks and it is worth it), Zuora's error
bodies, and S3's XML error body for the download URLs."""

from __future__ import annotations

import gzip
import secrets
import uuid
from typing import Any
from xml.sax.saxutils import escape

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .errors import ErrorCategory, Reason, error_body, reason

JSON_TYPE = "application/json; charset=utf-8"


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
    if len(body) > request.app.state.mock.config.settings.gzip_min_bytes and accepts_gzip(request):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, headers=headers)


def json_response(request: Request, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return raw_response(request, status, orjson.dumps(payload), headers)


def request_id(request: Request) -> str:
    """The ``Zuora-Request-Id`` the outer layer gave this request (see :mod:`.middleware`)."""
    return request.scope.get("state", {}).get("request_id") or str(uuid.uuid4())


def error_payload(request: Request, reasons: list[Reason]) -> dict[str, Any]:
    return error_body(request_id(request), [reason(category, message) for category, message in reasons])


def error_response(
    request: Request, status: int, category: ErrorCategory, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response(request, status, error_payload(request, [(category, message)]), headers)


def server_error(request: Request, detail: str = "") -> Response:
    """Zuora's 500 (``ErrorResponse`` with code ``SystemError``), never a traceback."""
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
