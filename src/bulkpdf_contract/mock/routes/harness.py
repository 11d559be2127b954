"""The mock's test-harness API: fault rules (``/_mock/faults``), the request journal
(``/_mock/journal``) and the clock (``/_mock/clock``). Same bearer auth as the rest of ``/_mock``.

These requests are neither journaled nor subject to faults (see :mod:`..wire`): reading the
journal does not change it, and a rule for every path cannot lock the harness out. Every input
is checked whole before anything changes: a bad rule set or clock move is a 400 with Zuora's
body, and nothing of it applies.
"""

from __future__ import annotations

import math
import time

from starlette.requests import Request
from starlette.responses import Response

from ..auth import authenticate
from ..body import parse_json, read_limited
from ..errors import ApiError, ErrorCategory, method_not_allowed
from ..fault_rules import parse_rules
from ..faults import MAX_SECONDS, FaultError
from ..responses import json_response
from ..state import MockState

FAULTS_PATH, JOURNAL_PATH, CLOCK_PATH = "/_mock/faults", "/_mock/journal", "/_mock/clock"
HARNESS_PATHS = frozenset({FAULTS_PATH, JOURNAL_PATH, CLOCK_PATH})
MAX_CONTROL_BYTES = 1 << 20  # a rule set or a clock move; anything larger is not a test's input


def _invalid(message: str) -> ApiError:
    return ApiError(400, ErrorCategory.INVALID_VALUE, message)


async def _body(request: Request) -> bytes:
    return await read_limited(request.stream(), request.headers.get("content-length"), MAX_CONTROL_BYTES)


async def faults(request: Request) -> Response:
    """``GET`` lists the rules in force with their counters, ``POST`` adds (or replaces by name)
    a rule set, ``DELETE`` removes the named rules (a JSON list) or, without a body, all."""
    authenticate(request)
    state: MockState = request.app.state.mock
    if request.method == "GET":
        return json_response(request, 200, {"success": True, "faults": state.faults.listing()})
    if request.method not in ("POST", "DELETE"):
        raise method_not_allowed("GET, POST, DELETE")
    raw = await _body(request)
    if request.method == "POST":
        try:
            rules = parse_rules(parse_json(raw))
            state.faults.add(rules)
        except FaultError as exc:
            raise _invalid(str(exc)) from None
        return json_response(request, 200, {"success": True, "added": [r.name for r in rules],
                                            "faults": state.faults.listing()})
    names = None
    if raw.strip():
        names = parse_json(raw)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _invalid("the request body must be a JSON list of rule names (or empty to remove every rule)")
    return json_response(request, 200, {"success": True, "removed": state.faults.remove(names)})


def _count(request: Request, name: str, default: int | None, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > high:
        raise _invalid(f"the query parameter {name!r} must be a whole number from 0 to {high}, got {raw!r:.40}")
    return int(raw)


async def journal(request: Request) -> Response:
    """``GET`` the entries (``?since=SEQ`` after a sequence number, ``&limit=N``), ``DELETE``
    forgets them all."""
    authenticate(request)
    state: MockState = request.app.state.mock
    book = state.journal
    if request.method == "DELETE":
        return json_response(request, 200, {"success": True, "removed": book.clear(), "next": book.next_seq})
    if request.method != "GET":
        raise method_not_allowed("GET, DELETE")
    since = _count(request, "since", 0, 2**62)
    limit = _count(request, "limit", None, 1_000_000)
    entries = book.entries(since, limit)
    return json_response(request, 200, {
        "success": True, "entries": [e.to_json() for e in entries], "next": book.next_seq,
        "dropped": book.dropped, "size": book.size,
    })


def clock_payload(state: MockState) -> dict:
    clock = state.clock
    now = clock.now()
    return {"success": True, "now": now, "iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "frozen": clock.frozen, "offset": clock.offset}


async def clock(request: Request) -> Response:
    """``GET`` the mock's time, ``POST {"advance": seconds}`` moves it forward."""
    authenticate(request)
    state: MockState = request.app.state.mock
    if request.method == "GET":
        return json_response(request, 200, clock_payload(state))
    if request.method != "POST":
        raise method_not_allowed("GET, POST")
    body = parse_json(await _body(request))
    if not isinstance(body, dict) or set(body) != {"advance"}:
        raise _invalid('the request body must be {"advance": seconds}')
    seconds = body["advance"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or not 0 <= seconds <= MAX_SECONDS:
        raise _invalid(f"'advance' must be a number of seconds from 0 to {MAX_SECONDS:g}; time only moves "
                       f"forward; got {seconds!r:.40}")
    state.clock.advance(float(seconds))
    return json_response(request, 200, clock_payload(state))


ROUTES = [(FAULTS_PATH, faults), (JOURNAL_PATH, journal), (CLOCK_PATH, clock)]
