"""Who a request is: the mock's bearer tokens and the tenants they stand for.

A tenant is the token together with the ``Zuora-Entity-Ids`` entity (Zuora isolates entities
of one tenant); jobs and Idempotency-Keys belong to it. Both are kept as digests, so the
database never holds a token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import TYPE_CHECKING

from ..options import DEFAULT_TOKEN
from .errors import ApiError, ErrorCategory

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["DEFAULT_TOKEN", "authenticate", "bearer_token"]


@functools.lru_cache(maxsize=1024)
def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x00".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def bearer_token(request: Request) -> str | None:
    """The request's bearer token if the mock accepts it."""
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
            401, ErrorCategory.AUTHENTICATION,
            "authentication failed: send a valid token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="bulkpdf-mock"'},
        )
    return _digest(token, request.headers.get("zuora-entity-ids", "")), _digest(token)
