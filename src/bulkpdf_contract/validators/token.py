"""Validation of the token operation (``POST /oauth/token``): its form and headers, its answers.

The token operation is the one place of the contract whose body is a form, not JSON, and whose
method (POST) another operation shares, so it has its own entry points instead of a ``method``
of :func:`~.request.validate_request`. A form is validated as the mapping of its field names to
their (decoded) string values; the caller decides what a malformed form is.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson

from ..spec import JSON_SCHEMA_DIALECT, Contract, canonical_header, load_contract
from .findings import Finding, sort_findings
from .request import header_items_or_finding
from .schema import SchemaCheck


@functools.lru_cache(maxsize=32)
def _form_check(contract: Contract) -> SchemaCheck:
    return SchemaCheck(contract.token_request_schema(), root_label="the token form", label_format="{} field")


@functools.lru_cache(maxsize=32)
def _header_check(contract: Contract) -> SchemaCheck:
    params = contract.token_header_parameters()
    schema = {"$schema": JSON_SCHEMA_DIALECT, "type": "object",
              "properties": {name: p["schema"] for name, p in params.items()}}
    return SchemaCheck(schema, prefix=("headers",), label_format="{} header", root_label="the headers")


@functools.lru_cache(maxsize=64)
def _response_check(contract: Contract, status: int) -> SchemaCheck | None:
    schema = contract.token_response_schema(status)
    return None if schema is None else SchemaCheck(schema, root_label="the token response")


def validate_token_request(form: Any, headers: Any = None, *, contract: Contract | None = None) -> list[Finding]:
    """Every finding for one token request: ``form`` maps field names to values; ``headers`` as
    :func:`~.request.header_items` takes them (only the operation's declared headers are checked)."""
    contract = contract or load_contract()
    items, findings = header_items_or_finding(headers)
    declared = contract.token_header_parameters()
    values = {canonical_header(str(name)): value for name, value in items
              if canonical_header(str(name)) in declared}
    findings += _header_check(contract).findings(values)
    findings += _form_check(contract).findings(form)
    return sort_findings(findings)


def validate_token_response(status: int, body: Any, *, contract: Contract | None = None) -> list[Finding]:
    """What is wrong with a token response's status or body (``body``: bytes, text or decoded JSON)."""
    contract = contract or load_contract()
    check = _response_check(contract, status)
    if check is None:
        documented = ", ".join(contract.token_operation["responses"])
        return [Finding("response.undocumented-status", "",
                        f"status {status} is not documented for POST /oauth/token; documented: {documented}")]
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            return [Finding("response.not-json", "", f"the {status} body of the token response is not JSON")]
    return sort_findings(check.findings(body))
