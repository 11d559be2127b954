"""Findings of request and response objects, and assertions that list every one of them.

:class:`BulkPdfValidator` is the pytest plugin's ``bulkpdf_validator`` fixture;
:func:`assert_valid_request` / :func:`assert_valid_response` are its helpers. They need no
pytest: an ``AssertionError`` whose message has one line per finding (pointer and rule first)
reads well in any runner, and ``__tracebackhide__`` keeps pytest's traceback on the caller's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..spec import Contract
from .findings import Finding, sort_findings
from .messages import is_message, request_parts, response_parts
from .request import validate_request
from .response import validate_response


@dataclass(frozen=True)
class BulkPdfValidator:
    """Findings for requests and responses against one contract."""

    contract: Contract | None = None

    def request(
        self,
        request: Any,
        headers: Any = None,
        method: str | None = None,
        *,
        file_names: Mapping[str, str] | None = None,
    ) -> list[Finding]:
        """Findings of a request: a decoded JSON body (with ``headers``/``method``) or a request object.

        ``method`` defaults to the object's method, else POST.
        """
        if is_message(request):
            parts = request_parts(request)
            if headers is None:
                headers = parts.headers
            method = method or parts.method
            body, extra = parts.body, list(parts.findings)
        else:
            body, extra = request, []
        found = validate_request(
            body, headers, method or "POST", file_names=file_names, contract=self.contract
        )
        if extra:  # the body could not be read: only its header findings say anything
            found = [f for f in found if f.pointer.startswith("/headers/")]
        return sort_findings(extra + found)

    def response(
        self,
        response: Any,
        body: Any = None,
        headers: Any = None,
        *,
        method: str | None = None,
        request_headers: Any = None,
    ) -> list[Finding]:
        """Findings of a response: an ``httpx``/``requests`` response, or ``status, body, headers``.

        For response objects the method and the request headers (for the ``Zuora-Track-Id``
        echo) come from the request the response belongs to.
        """
        if is_message(response):
            parts = response_parts(response)
            status, body = parts.status, parts.body
            headers = parts.headers if headers is None else headers
            method = method or parts.method
            if request_headers is None:
                request_headers = parts.request_headers
        else:
            status = int(response)
        return validate_response(
            status, body, headers, method=method or "POST",
            request_headers=request_headers, contract=self.contract,
        )

    def assert_request(self, request: Any, headers: Any = None, method: str | None = None,
                       **kwargs: Any) -> None:
        __tracebackhide__ = True
        _raise_findings("request", self.request(request, headers, method, **kwargs))

    def assert_response(self, response: Any, body: Any = None, headers: Any = None,
                        **kwargs: Any) -> None:
        __tracebackhide__ = True
        _raise_findings("response", self.response(response, body, headers, **kwargs))


def format_findings(what: str, findings: list[Finding]) -> str:
    """One line per finding, pointer and rule first, so every finding shows in pytest's output."""
    count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    lines = [f"the {what} breaks the bulk-PDF contract ({count}):"]
    for finding in findings:
        where = finding.pointer or "/"
        if finding.line is not None:
            where += f" (line {finding.line}, column {finding.column})"
        lines.append(f"  {where}  [{finding.rule}]  {finding.message}")
    return "\n".join(lines)


def _raise_findings(what: str, findings: list[Finding]) -> None:
    __tracebackhide__ = True
    if findings:
        raise AssertionError(format_findings(what, findings))


def assert_valid_request(request: Any, headers: Any = None, method: str | None = None,
                         **kwargs: Any) -> None:
    """Fail with every finding (pointer and rule) unless the request keeps the contract.

    Takes a decoded JSON body plus ``headers``/``method``, or an ``httpx``/``requests`` request.
    """
    __tracebackhide__ = True
    contract = kwargs.pop("contract", None)
    BulkPdfValidator(contract).assert_request(request, headers, method, **kwargs)


def assert_valid_response(response: Any, body: Any = None, headers: Any = None,
                          **kwargs: Any) -> None:
    """Fail with every finding unless the response keeps the contract.

    Takes an ``httpx``/``requests`` response, or ``status, body, headers`` with ``method=``.
    """
    __tracebackhide__ = True
    contract = kwargs.pop("contract", None)
    BulkPdfValidator(contract).assert_response(response, body, headers, **kwargs)
