"""Zuora's error answers: the 8-digit codes, the ``CommonResponse`` error body, :class:`ApiError`.

A code is the prefix ``515800`` of Zuora's own bulk-PDF code 51580020 followed by the two-digit
category of Zuora's error-code scheme (:class:`ErrorCategory`). Plain Python, no web framework:
the job process reports its failures with the same codes and must not import Starlette.
"""

from __future__ import annotations

import secrets
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..validators import Finding

RESOURCE_CODE = "515800"  # the 6-digit prefix of Zuora's own bulk-PDF error code 51580020


class ErrorCategory(Enum):
    """The last two digits of a Zuora error code: what kind of error it is."""

    AUTHENTICATION = "11"
    INVALID_VALUE = "20"
    UNKNOWN_FIELD = "21"
    MISSING_FIELD = "22"
    BUSINESS_RULE = "30"
    NOT_FOUND = "40"
    UNSUPPORTED_METHOD = "45"
    LOCKING = "50"
    INTERNAL = "60"
    TEMPORARY = "61"
    RATE_LIMIT = "70"  # rate or concurrency limit
    MALFORMED_JSON = "90"

    @property
    def code(self) -> str:
        """The full 8-digit code, e.g. ``51580020``."""
        return RESOURCE_CODE + self.value


Reason = tuple[ErrorCategory, str]
_RULE_CATEGORY = {"schema.required": ErrorCategory.MISSING_FIELD,
                  "schema.additionalProperties": ErrorCategory.UNKNOWN_FIELD}


def finding_reasons(findings: list[Finding], disabled: frozenset[str]) -> list[Reason]:
    """The reasons of a 400 for validator findings (minus the ``disabled`` rules)."""
    return [
        (_RULE_CATEGORY.get(f.rule, ErrorCategory.INVALID_VALUE), f"{f.message} (rule {f.rule} at {f.pointer or '/'})")
        for f in findings
        if f.rule not in disabled
    ]


def reason(category: ErrorCategory, message: str) -> dict[str, str]:
    """One entry of ``reasons`` in Zuora's error body (and in a failed job's ``reasons``)."""
    return {"code": category.code, "message": message}


def error_body(request_id: str, reasons: list[dict[str, str]]) -> dict:
    """Zuora's common error body (a fresh ``processId`` each time, as Zuora's differ per call)."""
    return {"success": False, "processId": secrets.token_hex(8).upper(), "requestId": request_id,
            "reasons": reasons}


AUTHENTICATION_ERROR = "Authentication error"
"""The top-level ``message`` of Zuora's 401 body (its gateway's ``ProxyUnauthorizedResponse``, as
Zuora's SDK reads it); the mock adds it beside the ``CommonResponse`` fields."""


class ApiError(Exception):
    """An error answer: HTTP status, ``(category, message)`` reasons, extra headers, and top-level
    fields ``extra`` that join Zuora's body."""

    def __init__(self, status: int, category: ErrorCategory, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.reasons: list[Reason] = [(category, message)]
        self.headers = headers or {}
        self.extra = extra or {}

    @classmethod
    def with_reasons(cls, status: int, reasons: list[Reason]) -> ApiError:
        error = cls(status, *reasons[0])
        error.reasons = list(reasons)
        return error


def method_not_allowed(allowed: str) -> ApiError:
    return ApiError(405, ErrorCategory.UNSUPPORTED_METHOD, f"this resource supports only {allowed}",
                    headers={"Allow": allowed})
