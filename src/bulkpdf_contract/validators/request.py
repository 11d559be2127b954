"""Request validation: the spec's JSON Schemas plus the rules JSON Schema cannot state."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Iterable

from ..spec import Contract, canonical_header, load_contract
from .findings import Finding, sort_findings
from .schema import SchemaCheck


@functools.lru_cache(maxsize=32)
def _body_check(contract: Contract, engine: str) -> SchemaCheck:
    return SchemaCheck(contract.request_schema(), engine, root_label="the request body")


@functools.lru_cache(maxsize=32)
def _header_check(contract: Contract, method: str, engine: str) -> SchemaCheck:
    return SchemaCheck(
        contract.headers_schema(method), engine, prefix=("headers",), label_format="{} header"
    )


def header_items(headers: Any) -> list[tuple[str, Any]]:
    """(name, value) pairs of a dict, a list of pairs, or an httpx/requests headers object."""
    if headers is None:
        return []
    if hasattr(headers, "multi_items"):
        return list(headers.multi_items())
    if isinstance(headers, Mapping):
        return list(headers.items())
    return [tuple(pair) for pair in headers]


def validate_request(
    body: Any,
    headers: Any = None,
    method: str = "POST",
    *,
    file_names: Mapping[str, str] | None = None,
    contract: Contract | None = None,
    engine: str = "rs",
) -> list[Finding]:
    """Every finding for one request to the bulk-PDF endpoint, sorted.

    ``body`` is the decoded JSON body (ignored for GET unless given). ``file_names`` optionally
    maps objectId to the PDF file name Zuora would give it, to catch distinct IDs that would
    collide in the ZIP. ``engine="jsonschema"`` uses the reference implementation.
    """
    contract = contract or load_contract()
    method = method.upper()
    findings: list[Finding] = []
    if contract.operation(method) is None:
        findings.append(Finding(
            "request.method", "",
            f"{method} is not an operation of the bulk PDF endpoint; "
            "use POST to create a job and GET to poll it",
        ))
    else:
        findings.extend(_header_findings(contract, headers, method, engine))
        if method == "POST":
            findings.extend(_body_check(contract, engine).findings(body))
            findings.extend(_document_findings(contract, body, file_names))
        elif body is not None:
            findings.append(Finding("request.unexpected-body", "", f"a {method} request has no body"))
    return sort_findings(findings)


def _header_findings(contract: Contract, headers: Any, method: str, engine: str) -> list[Finding]:
    declared = contract.header_parameters(method)
    known = contract.all_header_parameters()
    values: dict[str, Any] = {}
    findings: list[Finding] = []
    for raw_name, value in header_items(headers):
        name = canonical_header(str(raw_name))
        if name in declared:
            values[name] = value
            continue
        methods = known.get(name, {}).get("x-bulkpdf-methods")
        if methods is not None and method not in {m.upper() for m in methods}:
            findings.append(Finding(
                f"{name.lower()}.method", f"/headers/{name}",
                f"{name} is only for {' and '.join(methods)} requests; do not send it with {method}",
            ))
    findings.extend(_header_check(contract, method, engine).findings(values))
    return findings


def _document_findings(
    contract: Contract, body: Any, file_names: Mapping[str, str] | None
) -> Iterable[Finding]:
    """Duplicates and the per-request ID limit, over all groups (JSON Schema sees one array at a time)."""
    documents = body.get("documents") if isinstance(body, dict) else None
    if not isinstance(documents, list):
        return []
    findings: list[Finding] = []
    first_seen: dict[str, tuple[int, int]] = {}
    name_owner: dict[str, tuple[str, int, int]] = {}
    total = 0
    for g, group in enumerate(documents):
        ids = group.get("objectIds") if isinstance(group, dict) else None
        if not isinstance(ids, list):
            continue
        total += len(ids)
        for i, object_id in enumerate(ids):
            if not isinstance(object_id, str):
                continue
            key = object_id.lower()
            if key in first_seen:
                fg, fi = first_seen[key]
                findings.append(Finding(
                    "documents.duplicate-object-id", f"/documents/{g}/objectIds/{i}",
                    f"objectId {object_id} is already listed at /documents/{fg}/objectIds/{fi}; "
                    "the same document twice would put the same PDF file name twice in the ZIP",
                ))
                continue
            first_seen[key] = (g, i)
            pdf_name = file_names.get(object_id) if file_names else None
            if pdf_name is None:
                continue
            if pdf_name in name_owner:
                other, fg, fi = name_owner[pdf_name]
                findings.append(Finding(
                    "documents.duplicate-pdf-file-name", f"/documents/{g}/objectIds/{i}",
                    f"objectId {object_id} has the PDF file name {pdf_name!r}, like {other} at "
                    f"/documents/{fg}/objectIds/{fi}; Zuora asks not to send two documents with "
                    "the same PDF file name in one request",
                ))
            else:
                name_owner[pdf_name] = (object_id, g, i)
    limit = contract.max_object_ids
    if total > limit:
        findings.append(Finding(
            "documents.too-many-object-ids", "/documents",
            f"the request lists {total} document IDs; at most {limit} are allowed in one request "
            "(split it into several jobs)",
        ))
    return findings
