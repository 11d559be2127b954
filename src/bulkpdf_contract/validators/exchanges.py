"""One HTTP exchange with the bulk-PDF endpoint, held to the contract in both directions.

An :class:`Exchange` is what the validating proxy saw pass through it, or what ``bulkpdf lint
--har`` reads from a HAR entry: the request (method, path, headers, body), the response (status,
headers, body) and when it started and finished. Bodies are kept *decoded* (gzip inflated, as a
HAR's ``content.text`` is) and within the contract's ``max_inflated_bytes``; a body that could not
be kept says why (:attr:`Body.problem`), and that becomes the finding.

:func:`request_violations` holds the request to the contract: the validators' rules (headers
included), the media type, bearer auth and the body limit. :func:`response_violations` holds the
response to it: ``validate_response`` (status, body, headers, ``Zuora-Request-Id``, the Track-Id
echo) and a 2xx for a request the contract rejects. The rules that span exchanges are
:class:`~.conversation.Conversation`'s; :func:`check_exchange` runs all three.

Pure (no I/O, no web framework): the proxy and the linter share it, and lint imports no server.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..spec import COLLECTION_PATH, JOB_PATH, Contract, load_contract
from .coding import InflateError, inflate, is_gzip
from .findings import Finding
from .request import validate_headers, validate_request
from .response import validate_response

REQUEST = "request"
RESPONSE = "response"
MAX_FINDINGS = 100
"""Findings kept per request (as the mock's reasons per 400): a million malformed IDs are one
mistake, and one report line each would drown the others."""
JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class Body:
    """A message body: ``data`` decoded (None when there was none or it could not be kept),
    ``size`` the bytes on the wire, ``problem`` why ``data`` cannot be checked."""

    data: bytes | None = None
    size: int = 0
    problem: Finding | None = None


@dataclass(frozen=True)
class Exchange:
    """One request and its response (``status`` None: none came). ``started``/``finished`` are
    seconds (wall clock) and order exchanges for the conversation rules; ``by_proxy`` marks an
    answer the proxy gave itself (``--enforce``, an unreachable upstream), which is not checked."""

    id: int
    method: str
    path: str
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: Body = field(default_factory=Body)
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: Body = field(default_factory=Body)
    started: float = 0.0
    finished: float = 0.0
    by_proxy: bool = False

    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    @functools.cached_property
    def request_json(self) -> tuple[Any, list[Finding]]:
        """The request body as JSON and the findings that stop it being read (a frozen
        dataclass still caches: ``cached_property`` writes the instance ``__dict__``)."""
        return _json(self.request_body, REQUEST)

    @functools.cached_property
    def response_json(self) -> tuple[Any, list[Finding]]:
        return _json(self.response_body, RESPONSE)


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _json(body: Body, where: str) -> tuple[Any, list[Finding]]:
    if body.problem is not None:
        return None, [body.problem]
    if not body.data:
        return None, []
    try:
        return orjson.loads(body.data), []
    except orjson.JSONDecodeError as exc:
        return None, [Finding(f"{where}.not-json", "", f"the {where} body is not JSON: {exc}")]


@dataclass(frozen=True)
class Violation:
    """A broken rule in one exchange: the proxy's report line and ``bulkpdf lint --har``'s finding.

    ``status`` is what the client received (None: nothing); ``exchange`` the exchange's id.
    """

    direction: str
    rule: str
    pointer: str
    message: str
    method: str
    path: str
    status: int | None
    exchange: int

    @classmethod
    def of(cls, exchange: Exchange, direction: str, finding: Finding) -> Violation:
        return cls(direction, finding.rule, finding.pointer, finding.message, exchange.method,
                   exchange.path, exchange.status, exchange.id)

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "rule": self.rule, "pointer": self.pointer,
                "message": self.message, "method": self.method, "path": self.path,
                "status": self.status, "exchange": self.exchange}


def wire_body(data: bytes, size: int, content_encoding: str | None, limit: int, where: str) -> Body:
    """A body as it came over the wire (``data``: its first bytes, at most ``limit + 1``; ``size``:
    all of them), decoded within ``limit``: what the proxy records and checks."""
    if size > limit:
        return Body(None, size, _too_large(where, f"is {size:,} bytes", limit))
    if not is_gzip(content_encoding) or not data:
        return Body(data, size)
    try:
        return Body(inflate(data, limit), size)
    except InflateError as exc:
        if exc.too_large:
            return Body(None, size, _too_large(where, "inflates to more", limit))
        return Body(None, size, Finding(f"{where}.not-json", "", f"the {where} body cannot be read: {exc}"))


def _too_large(where: str, how: str, limit: int) -> Finding:
    return Finding(f"{where}.body-too-large", "",
                   f"the {where} body {how} than the contract's limit of {limit:,} bytes "
                   "(x-bulkpdf-max-inflated-bytes); its content was not checked")


def contract_path(path: str) -> str | None:
    """The spec path a request path is an instance of (the collection or a job), or None."""
    if path == COLLECTION_PATH:
        return COLLECTION_PATH
    prefix = COLLECTION_PATH + "/"
    if path.startswith(prefix) and "/" not in path[len(prefix):] and len(path) > len(prefix):
        return JOB_PATH
    return None


OPERATIONS = {COLLECTION_PATH: "POST", JOB_PATH: "GET"}
"""The method of the one operation each spec path has."""


def content_type_finding(value: str | None, media_type: str = JSON_MEDIA_TYPE) -> Finding | None:
    """What is wrong with a request's ``Content-Type`` for a body of ``media_type`` (UTF-8), if anything."""
    pointer = "/headers/Content-Type"
    if not value:
        return Finding("request.content-type", pointer,
                       f"the Content-Type header is missing; send the JSON request body as {media_type}")
    given, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset":
            charset = arg.strip().strip('"').lower()
    if given.strip().lower() != media_type or charset not in (None, "utf-8", "utf8"):
        return Finding("request.content-type", pointer,
                       f"Content-Type {value!r} is not supported; send {media_type} (UTF-8)")
    return None


def _auth_findings(exchange: Exchange) -> list[Finding]:
    scheme, _, token = (exchange.request_header("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return []
    return [Finding("request.authorization", "/headers/Authorization",
                    "the request has no bearer token; the endpoint needs 'Authorization: Bearer <token>'")]


def request_violations(exchange: Exchange, contract: Contract | None = None) -> list[Violation]:
    """Every way the request breaks the contract (none for paths that are not the endpoint's)."""
    contract = contract or load_contract()
    template = contract_path(exchange.path)
    if template is None:
        return []
    method = exchange.method.upper()
    expected = OPERATIONS[template]
    if method != expected:
        findings = [Finding("request.method", "", f"{method} is not an operation of {template}; "
                                                  f"use {expected} there")]
    else:
        findings = _auth_findings(exchange)
        body, unreadable = exchange.request_json
        if method == "POST":
            media = content_type_finding(exchange.request_header("content-type"))
            findings += [media] if media else []
            if not unreadable and not exchange.request_body.data:
                unreadable = [Finding("request.not-json", "", "the request body is empty; send the JSON request")]
        findings += unreadable
        if unreadable:
            findings += validate_headers(exchange.request_headers, method, contract=contract)
        else:
            findings += validate_request(body, exchange.request_headers, method, contract=contract,
                                         max_findings=MAX_FINDINGS)
    return [Violation.of(exchange, REQUEST, f) for f in findings]


def response_violations(
    exchange: Exchange, requested: list[Violation], contract: Contract | None = None
) -> list[Violation]:
    """Every way the response breaks the contract, given the request's violations.

    A response to a method the path does not have is held only to the error body of the path's
    operation (and may not be a 2xx).
    """
    template = contract_path(exchange.path)
    status = exchange.status
    if template is None or status is None or exchange.by_proxy:
        return []
    contract = contract or load_contract()
    findings: list[Finding] = []
    if requested and 200 <= status < 300:
        rules = ", ".join(dict.fromkeys(v.rule for v in requested))
        findings.append(Finding(
            "response.accepted-invalid-request", "",
            f"the server accepted ({status}) a request the contract rejects ({rules}); it must "
            "answer 4xx with Zuora's error body",
        ))
    method = OPERATIONS[template]
    if exchange.method.upper() == method or status >= 400:
        body, unreadable = exchange.response_json
        problem = exchange.response_body.problem
        if problem is None and (unreadable or not exchange.response_body.data):
            body = exchange.response_body.data or b""  # validate_response says why it is not JSON
        found = validate_response(status, body, exchange.response_headers, method=method,
                                  request_headers=exchange.request_headers, contract=contract)
        if problem is not None or exchange.method.upper() == "HEAD":
            # The body was not kept, or there is none (an answer to HEAD never has one): its
            # status and headers are still checked.
            kept = [f for f in found if f.pointer.startswith("/headers/") or f.rule == "response.undocumented-status"]
            found = ([problem] if problem is not None else []) + kept
        findings += found
    return [Violation.of(exchange, RESPONSE, f) for f in findings]


def check_exchange(
    exchange: Exchange,
    conversation: Any,
    contract: Contract | None = None,
    requested: list[Violation] | None = None,
) -> list[Violation]:
    """Request, response and conversation violations of one exchange, in that order.

    ``conversation`` is a :class:`~.conversation.Conversation`; feed it exchanges in the order
    they finished. ``requested``: the request's violations when already known (the proxy checks
    a request before it forwards it).
    """
    contract = contract or load_contract()
    if requested is None:
        requested = request_violations(exchange, contract)
    else:  # checked before the answer existed: give them the status the client received
        requested = [dataclasses.replace(v, status=exchange.status) for v in requested]
    answered = response_violations(exchange, requested, contract)
    return requested + answered + conversation.observe(exchange, request_valid=not requested)
