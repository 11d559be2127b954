"""Response validation: status, body schema, headers and the Zuora-Track-Id echo."""

from __future__ import annotations

import functools
from typing import Any

import orjson

from ..spec import Contract, canonical_header, load_contract
from .findings import Finding, sort_findings
from .request import header_items_or_finding, validate_headers
from .schema import SchemaCheck


@functools.lru_cache(maxsize=64)
def _body_check(contract: Contract, method: str, status: int, engine: str) -> SchemaCheck | None:
    schema = contract.response_schema(method, status)
    if schema is None:
        return None
    return SchemaCheck(schema, engine, root_label="the response body")


@functools.lru_cache(maxsize=64)
def _header_check(contract: Contract, method: str, status: int, engine: str) -> SchemaCheck:
    declared = contract.response_headers(method, status)
    schema = {
        "type": "object",
        "properties": {name: h.get("schema", {}) for name, h in declared.items()},
    }
    return SchemaCheck(
        schema, engine, prefix=("headers",), label_format="{} response header",
        root_label="the response headers",
    )


def validate_response(
    status: int,
    body: Any,
    headers: Any = None,
    *,
    method: str = "POST",
    request_headers: Any = None,
    contract: Contract | None = None,
    engine: str = "rs",
) -> list[Finding]:
    """Every way a response breaks the contract.

    ``body`` may be decoded JSON, or ``bytes``/``str`` to be parsed. With ``request_headers``
    the ``Zuora-Track-Id`` echo is checked too.
    """
    contract = contract or load_contract()
    method = method.upper()
    response = contract.response(method, status)
    if response is None:
        op = contract.operation(method)
        documented = ", ".join(op["responses"]) if op else f"nothing ({method} is not an operation here)"
        return [Finding(
            "response.undocumented-status", "",
            f"status {status} is not documented for {method}; documented: {documented}",
        )]
    items, findings = header_items_or_finding(headers, "response headers")
    values = {canonical_header(str(k)): v for k, v in items}
    declared = contract.response_headers(method, status)
    for name, header in declared.items():
        if header.get("required") and name not in values:
            findings.append(Finding(
                "response.missing-header", f"/headers/{name}",
                f"the {name} response header is required on every response",
            ))
    findings.extend(
        _header_check(contract, method, status, engine).findings(
            {k: v for k, v in values.items() if k in declared}
        )
    )
    if request_headers is not None:
        findings.extend(_echo_findings(contract, request_headers, values))

    check = _body_check(contract, method, status, engine)
    if check is not None:
        if isinstance(body, (bytes, bytearray, str)):
            try:
                body = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                findings.append(Finding("response.not-json", "", f"the body is not JSON: {exc}"))
                return sort_findings(findings)
        findings.extend(check.findings(body))
    return sort_findings(findings)


def _echo_findings(
    contract: Contract, request_headers: Any, response_headers: dict[str, Any]
) -> list[Finding]:
    """The echo is owed only for a Track-Id the request was allowed to send.

    An invalid one (too long, forbidden characters) may not fit the response header's own
    limits, and Zuora documents nothing for it, so nothing is expected then.
    """
    items, _ = header_items_or_finding(request_headers)
    sent = {canonical_header(str(k)): v for k, v in items}.get("Zuora-Track-Id")
    got = response_headers.get("Zuora-Track-Id")
    pointer = "/headers/Zuora-Track-Id"
    if sent is not None and validate_headers({"Zuora-Track-Id": sent}, contract=contract):
        return []
    if sent is None:
        if got is not None:
            return [Finding("response.track-id-echo", pointer,
                            "Zuora-Track-Id is in the response although the request had none")]
        return []
    if got is None:
        return [Finding("response.track-id-echo", pointer,
                        f"the request's Zuora-Track-Id {sent!r} is not echoed in the response")]
    if str(got).strip() != str(sent).strip():
        return [Finding("response.track-id-echo", pointer,
                        f"Zuora-Track-Id echoed as {got!r}; the request sent {sent!r}")]
    return []
