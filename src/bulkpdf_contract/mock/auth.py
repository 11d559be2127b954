"""Who a request is: the mock's bearer tokens, the OAuth clients behind issued tokens, and the
tenants they stand for.

A request is a static token (``create_app(token=...)``, ``bulkpdf serve --token``) or a token
issued by ``POST /oauth/token`` to an OAuth client (:mod:`.oauth`). A tenant is that token, or
that client (every token it is issued stands for the same tenant), together with the
``Zuora-Entity-Ids`` entity (Zuora isolates entities of one tenant); jobs and Idempotency-Keys
belong to it. Both are kept as digests, so the database never holds a token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import TYPE_CHECKING

from ..options import DEFAULT_TOKEN
from .errors import AUTHENTICATION_ERROR, ApiError, ErrorCategory

if TYPE_CHECKING:
    from starlette.requests import Request

    from .state import MockState

__all__ = ["DEFAULT_TOKEN", "authenticate", "bearer_token", "client_user", "limit_key"]

OAUTH = "oauth"  # the first identity part of an OAuth client (a static token is one part alone)


@functools.lru_cache(maxsize=1024)
def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x00".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def _credentials(authorization: str) -> str | None:
    scheme, _, credentials = authorization.partition(" ")
    token = credentials.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, ErrorCategory.AUTHENTICATION, message,
                    headers={"WWW-Authenticate": 'Bearer realm="bulkpdf-mock"'}, extra={"message": AUTHENTICATION_ERROR})


def identify(state: MockState, authorization: str) -> tuple[str, ...]:
    """What the tenant of an ``Authorization`` header derives from; 401 unless it is accepted."""
    token = _credentials(authorization)
    if token is None:
        raise _unauthorized("authentication failed: send a valid token as 'Authorization: Bearer <token>'")
    if state.oauth is not None:
        verdict = state.oauth.verify(token)
        if verdict.client is not None:
            if verdict.expired:
                raise _unauthorized("the bearer token has expired; get a new one from POST /oauth/token")
            return (OAUTH, verdict.client)
    tokens = state.config.tokens
    if tokens is not None and not any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens):
        raise _unauthorized("authentication failed: the bearer token is not valid (or issued by another server)")
    return (token,)


def limit_key(state: MockState, authorization: str) -> str:
    """Whose rate and concurrency budget a request spends: its OAuth client's, else its header's."""
    token = _credentials(authorization)
    if token is not None and state.oauth is not None:
        client = state.oauth.verify(token).client
        if client is not None:
            return f"{OAUTH}\x00{client}"
    return authorization


def client_user(client_id: str) -> str:
    """The user ID (``createdBy``, the token's ``scope``) of an OAuth client."""
    return _digest(OAUTH, client_id)


def bearer_token(request: Request) -> str | None:
    """The request's bearer token if the mock accepts it."""
    authorization = request.headers.get("authorization", "")
    try:
        identify(request.app.state.mock, authorization)
    except ApiError:
        return None
    return _credentials(authorization)


def authenticate(request: Request) -> tuple[str, str]:
    """``(tenant, user)`` of the request: the token or OAuth client and the ``Zuora-Entity-Ids``
    entity, hashed."""
    parts = identify(request.app.state.mock, request.headers.get("authorization", ""))
    return _digest(*parts, request.headers.get("zuora-entity-ids", "")), _digest(*parts)
