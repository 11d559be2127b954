"""``POST /oauth/token``: Zuora's ``createToken`` for the configured OAuth clients.

``security: []``: the request's ``Authorization`` header is ignored (Zuora's SDK sends its
previous bearer token along when it refreshes). A body that is not a form of exactly the three
fields, an oversized one included, is 400; wrong or unknown credentials are 401; both with
Zuora's error body and never a token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ...spec import TOKEN_PATH
from ...validators import validate_token_request
from ..auth import client_user
from ..body import read_limited
from ..errors import AUTHENTICATION_ERROR, ApiError, ErrorCategory, finding_reasons, method_not_allowed
from ..journal import note
from ..oauth import parse_form
from ..responses import json_response
from ..state import MockState

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 5.1: tokens are not cached


async def token(request: Request) -> Response:
    """The token, or Zuora's error body with a top-level ``message`` too (what Zuora's SDK reads
    from a 400 or 401 of this operation)."""
    try:
        return await _token(request)
    except ApiError as exc:
        exc.extra.setdefault("message", AUTHENTICATION_ERROR if exc.status == 401 else exc.reasons[0][1])
        raise


async def _token(request: Request) -> Response:
    if request.method != "POST":
        raise method_not_allowed("POST")
    state: MockState = request.app.state.mock
    limit = state.config.contract.max_form_bytes
    try:
        raw = await read_limited(request.stream(), request.headers.get("content-length"), limit)
    except ApiError:  # over the limit: no form of three fields is that long
        raise ApiError(400, ErrorCategory.INVALID_VALUE, f"the token form is larger than {limit} bytes") from None
    form = parse_form(raw, request.headers.get("content-type"), request.headers.get("content-encoding"))
    findings = validate_token_request(form, request.headers.items(), contract=state.config.contract)
    note(request.scope, findings=findings)
    reasons = finding_reasons(findings, state.config.settings.disabled_rules)
    if reasons:
        raise ApiError.with_reasons(400, reasons)
    client_id = form.get("client_id", "")
    if not state.oauth.credentials_valid(client_id, form.get("client_secret", "")):
        raise ApiError(401, ErrorCategory.AUTHENTICATION, "the OAuth client ID or secret is wrong or unknown")
    entity = request.headers.get("zuora-entity-ids")
    scope = f"user.{client_user(client_id)}" + (f" entity.{entity}" if entity else "")
    return json_response(request, 200, state.oauth.issue(client_id, scope), NO_STORE)


ROUTES = [(TOKEN_PATH, token)]
