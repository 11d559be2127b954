"""Domain checks of how the server handles a request: the track ID echo, edge cases rejected or
accepted at the limit, and idempotent replays."""

from __future__ import annotations

import uuid

import httpx

from ...spec import COLLECTION_PATH, JOB_PATH
from ..context import REFERENCE, Broken, Context, error_body_findings
from ..documents import with_pool_documents
from ..edge_requests import EdgeCase
from ..http import Exchange
from ..registry import DOCUMENTS, domain_check


@domain_check(jobs=(REFERENCE,), creates=lambda ctx: 2 if ctx.pool.exists else 0)
def check_track_id_echo(ctx: Context) -> str:
    """A sent ``Zuora-Track-Id`` comes back unchanged on success and error responses; none sent,
    none back (without documents the target holds: on error responses only)."""
    limit = int(ctx.contract.header_parameters("POST")["Zuora-Track-Id"]["schema"]["maxLength"])
    mixed = f"gate {ctx.seed[:8]} !#$%&()*+,-./<=>?@[]^_`{{|}}~"
    job = ctx.reference_job if ctx.pool.exists else lambda: uuid.uuid4().hex  # else: an unknown job's 404
    probes = [
        ("a rejected POST", lambda t: ctx.post({"fileName": "x"}, {"Zuora-Track-Id": t}), f"gate-bad-{ctx.seed[:8]}"),
        ("a GET of a job", lambda t: ctx.get_job(job(), {"Zuora-Track-Id": t}), f"gate-get-{ctx.seed[:8]}"),
    ]
    if ctx.pool.exists:
        probes[:0] = [
            ("a valid POST", lambda t: ctx.post(ctx.valid_body("track"), {"Zuora-Track-Id": t}), mixed),
            (f"a POST with a {limit}-character ID", lambda t: ctx.post(ctx.valid_body("track64"),
                                                                       {"Zuora-Track-Id": t}),
             ("track-" + ctx.seed * 4)[:limit]),
        ]
    for what, send, track in probes:
        exchange = send(track)
        echoed = exchange.header("Zuora-Track-Id")
        if echoed != track:
            raise Broken(f"{what} sent Zuora-Track-Id {track!r}; the response "
                         + ("has none" if echoed is None else f"echoed {echoed!r}"), exchange)
    exchange = ctx.get_job(job())
    if exchange.header("Zuora-Track-Id") is not None:
        raise Broken("a request without Zuora-Track-Id got one back", exchange)
    note = "" if ctx.pool.exists else " (error responses only: no documents to send a valid request with)"
    return f"{len(probes) + 1} requests{note}"


def send_edge(ctx: Context, case: EdgeCase) -> Exchange:
    """Send one edge case (a GET case asks for this run's reference job; a POST names documents
    the target holds in place of its well-formed IDs, so it is accepted or refused for its own rule);
    an Idempotency-Key the case is not about is made unique, so no case replays another's result."""
    headers = dict(case.headers)
    if "Idempotency-Key" in headers and not case.targets_idempotency_key:
        headers["Idempotency-Key"] = f"gate-{uuid.uuid4().hex}"
    path = JOB_PATH.replace("{jobId}", ctx.reference_job()) if case.method == "GET" else case.path
    if case.body is None:
        return ctx.http.send(case.method, path, headers=headers)
    body = with_pool_documents(case.body, ctx.pool, f"{ctx.seed}/edge/{case.name}")
    gz = headers.get("Content-Encoding") == "gzip"
    if gz:
        del headers["Content-Encoding"]
    if case.method == "POST" and path == COLLECTION_PATH:
        return ctx.post(body, headers, gzip_request=gz)  # a job it starts is counted
    return ctx.http.send(case.method, path, json=body, headers=headers, gzip_request=gz)


@domain_check(jobs=(REFERENCE,))
def check_edge_cases_rejected(ctx: Context) -> str:
    """Every labelled edge case gets a 4xx with Zuora's error body."""
    cases = [c for c in ctx.edge_cases() if c.reject]
    unsendable = 0
    without_job = [c for c in cases if c.method == "GET" and not ctx.pool.exists]
    cases = [c for c in cases if c not in without_job]  # a GET case needs a job, a job documents
    for case in cases:
        try:
            exchange = send_edge(ctx, case)
        except httpx.LocalProtocolError:  # e.g. a control character no HTTP client puts in a header
            unsendable += 1
            continue
        if not 400 <= exchange.status < 500:
            raise Broken(f"{case.name} ({case.rule}) answered {exchange.status}; a 4xx rejection was expected",
                         exchange)
        problems = error_body_findings(exchange, ctx.contract)
        if problems:
            raise Broken(f"{case.name}: the {exchange.status} body is not Zuora's error body: {problems[0]}",
                         exchange)
    origins = sorted({c.origin for c in cases})
    note = f"; {unsendable} not sendable over HTTP" if unsendable else ""
    if without_job:
        note += f"; {len(without_job)} GET case(s) left out: they need --documents for a server that cannot be seeded"
    return f"{len(cases) - unsendable} cases ({', '.join(origins)}){note}"


def accepted_cases(ctx: Context) -> int:
    """How many edge cases are valid (each one a job when accepted)."""
    return sum(not c.reject for c in ctx.edge_cases())


@domain_check(needs=(DOCUMENTS,), creates=lambda ctx: accepted_cases(ctx))
def check_exact_limits_accepted(ctx: Context) -> str:
    """Valid cases exactly at a limit are accepted (200 with a jobId)."""
    cases = [c for c in ctx.edge_cases() if not c.reject]
    for case in cases:
        exchange = send_edge(ctx, case)
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict) or not body.get("jobId"):
            raise Broken(f"{case.name} is valid but answered {exchange.status}", exchange)
    return f"{len(cases)} cases"


@domain_check(needs=(DOCUMENTS,), creates=1)
def check_idempotent_replay(ctx: Context) -> str:
    """The same Idempotency-Key and body replays the first result and starts no second job."""
    file_name = ctx.name("replay")
    body = ctx.valid_body("replay", fileName=file_name)
    headers = {"Idempotency-Key": f"gate-replay-{ctx.seed}"}
    first = ctx.post(body, headers)
    first_body = first.json()
    if first.status != 200 or not isinstance(first_body, dict) or not first_body.get("jobId"):
        raise Broken(f"the first request was not accepted: {first.describe()}", first)
    second = ctx.post(body, headers)
    second_body = second.json()
    if second.status != first.status:
        raise Broken(f"the replay answered {second.status}, the first request {first.status}", first, second)
    if not isinstance(second_body, dict) or second_body.get("jobId") != first_body["jobId"]:
        got = second_body.get("jobId") if isinstance(second_body, dict) else second_body
        raise Broken(f"the replay returned jobId {got!r}, the first request {first_body['jobId']!r}: "
                     "a second job was started", first, second)
    if second_body != first_body:
        raise Broken("the replay's body differs from the first response's", first, second)
    if ctx.jobs_with_file_name is not None:
        count = ctx.jobs_with_file_name(file_name)
        if count is not None and count != 1:
            raise Broken(f"the server holds {count} jobs for the replayed request (expected 1)", first, second)
    return "same jobId and body" + (", 1 job on the server" if ctx.jobs_with_file_name else "")
