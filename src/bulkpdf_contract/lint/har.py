"""``bulkpdf lint --har FILE``: the validating proxy's checks, offline, on recorded traffic.

A HAR 1.2 file (from ``bulkpdf proxy --har``, a browser or another tool) is read into
:class:`~bulkpdf_contract.validators.Exchange` records and held to the same rules as the proxy
holds live traffic (:func:`~bulkpdf_contract.validators.check_exchange`, with one
:class:`~bulkpdf_contract.validators.Conversation` over the file, fed in the order the
exchanges finished). Each violation is a :class:`~.findings.FileFinding` at the entry's
``request`` or ``response`` in the file, so the text and JSON formats and the exit codes are
lint's own.

What a HAR holds: bodies decoded (``content.text``, base64 when ``encoding`` says so), sizes on
the wire in ``bodySize``; the proxy adds ``_bulkpdf`` (the exchange id, whether it answered
itself, why a body was not recorded). Entries without an answer (status 0: aborted) are skipped,
as the proxy skips them. Nothing here imports the proxy or any server.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from ..spec import Contract, load_contract
from ..validators.exchanges import Body, Exchange, Violation, check_exchange
from ..validators.conversation import Conversation
from ..validators import Finding
from ..validators.exchanges import wire_body
from .findings import FileFinding, FileProblem
from .positions import json_offsets, line_cols
from .reading import decode, read_file

MAX_HAR_BYTES = 256 * 1024 * 1024
"""The largest HAR file read (it is parsed whole); a proxy run keeps every body up to 16 MiB."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class EntryProblem(ValueError):
    """An entry that is not a HAR entry this can read; the message says what is missing."""


def read_har(path: str) -> tuple[str, list]:
    """The text of a HAR file and its entries; :class:`FileProblem` when it is not one."""
    text = decode(read_file(path, MAX_HAR_BYTES, "HAR files"), "a HAR file (JSON)")
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FileProblem("parse", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise FileProblem("parse", 'not a HAR file: expected {"log": {"entries": [...]}}')
    return text, entries


def exchange_of(entry: Any, index: int, contract: Contract | None = None) -> Exchange:
    """One HAR entry as an exchange (bodies decoded, within the contract's limit)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict) or not isinstance(
            entry.get("response"), dict):
        raise EntryProblem("a HAR entry needs a request and a response object")
    limit = (contract or load_contract()).max_inflated_bytes
    request, response = entry["request"], entry["response"]
    extra = entry.get("_bulkpdf") if isinstance(entry.get("_bulkpdf"), dict) else {}
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str):
        raise EntryProblem("the request needs a method and a url")
    started = _microseconds(entry.get("startedDateTime"))
    elapsed = entry.get("time")
    duration = round(elapsed * 1000) if isinstance(elapsed, (int, float)) and elapsed >= 0 else 0
    status = response.get("status")
    post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    return Exchange(
        id=extra.get("exchange") if isinstance(extra.get("exchange"), int) else index + 1,
        method=method, path=unquote(urlsplit(url).path),
        request_headers=_headers(request.get("headers")),
        request_body=_body(post.get("text"), post.get("_encoding"), request.get("bodySize"),
                           extra.get("requestProblem"), limit, "request"),
        status=status if isinstance(status, int) and status > 0 else None,
        response_headers=_headers(response.get("headers")),
        response_body=_body(content.get("text"), content.get("encoding"), response.get("bodySize"),
                            extra.get("responseProblem"), limit, "response"),
        started=started / 1e6, finished=(started + duration) / 1e6, by_proxy=extra.get("byProxy") is True,
    )


def _microseconds(value: Any) -> int:
    if not isinstance(value, str):
        raise EntryProblem("the entry needs a startedDateTime")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value  # Python 3.10 reads no "Z"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EntryProblem(f"startedDateTime {value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _headers(items: Any) -> tuple[tuple[str, str], ...]:
    """``[{name, value}]`` as pairs; HTTP/2 pseudo-headers (``:authority``) left out."""
    if not isinstance(items, list):
        return ()
    return tuple((h["name"], h["value"]) for h in items if isinstance(h, dict) and isinstance(h.get("name"), str)
                 and isinstance(h.get("value"), str) and not h["name"].startswith(":"))


def _body(text: Any, encoding: Any, size: Any, problem: Any, limit: int, where: str) -> Body:
    data = None
    if isinstance(text, str):
        try:
            data = base64.b64decode(text, validate=True) if encoding == "base64" else text.encode("utf-8", "surrogatepass")
        except (binascii.Error, UnicodeEncodeError):
            raise EntryProblem(f"the {where} body is not valid {encoding} text") from None
    wire = size if isinstance(size, int) and size >= 0 else len(data or b"")
    if isinstance(problem, dict) and isinstance(problem.get("rule"), str):
        return Body(None, wire, Finding(problem["rule"], "", str(problem.get("message", ""))))
    if data is None and wire > limit:  # a recorder that kept no body past some limit of its own
        return wire_body(b"", wire, None, limit, where)
    return Body(data, wire)


def har_violations(entries: list, contract: Contract | None = None) -> tuple[list[tuple[int, Violation]], list[tuple[int, str]]]:
    """Every violation of the entries, with the index of its entry, in the order the proxy
    reports them (exchanges by the time they finished); and the entries that cannot be read."""
    contract = contract or load_contract()
    exchanges, unreadable = [], []
    for index, entry in enumerate(entries):
        try:
            exchanges.append((index, exchange_of(entry, index, contract)))
        except EntryProblem as exc:
            unreadable.append((index, str(exc)))
    conversation = Conversation(contract)
    found = []
    for index, exchange in sorted(exchanges, key=lambda pair: (pair[1].finished, pair[0])):
        if exchange.status is None:
            continue  # no answer: the client went away, nothing to judge (as the proxy does)
        found += [(index, v) for v in check_exchange(exchange, conversation, contract)]
    return found, unreadable


def lint_har(path: str) -> list[FileFinding]:
    """The findings of one HAR file, each at its entry's request or response."""
    try:
        text, entries = read_har(path)
    except FileProblem as problem:
        return [problem.finding(path)]
    violations, unreadable = har_violations(entries)
    places = [("log", "entries", str(i), v.direction) for i, v in violations]
    places += [("log", "entries", str(i)) for i, _ in unreadable]
    offsets = json_offsets(text, places)
    position = dict(zip(offsets, line_cols(text, offsets.values())))
    findings = [FileFinding(path, *position[("log", "entries", str(i))], "", "har.entry", f"entry {i}: {message}")
                for i, message in unreadable]
    for (i, v), place in zip(violations, places):
        status = "no answer" if v.status is None else v.status
        findings.append(FileFinding(path, *position[place], v.pointer, v.rule,
                                    f"{v.direction} of {v.method} {v.path} -> {status}: {v.message}"))
    return findings
