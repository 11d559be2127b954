"""Domain checks every response keeps: gzip when (and only when) asked, a ``Zuora-Request-Id``,
and Zuora's error body on errors. They read what the earlier checks saw, so they run last."""

from __future__ import annotations

import uuid

from ...spec import COLLECTION_PATH, JOB_PATH
from ..context import Broken, Context, Skip, error_body_findings
from ..edge_requests import object_ids, valid_body
from ..registry import DOCUMENTS, domain_check
from ..standard_jobs import LARGE, MISSING_SKIP


@domain_check(needs=(DOCUMENTS,), creates=1)
def check_gzip_honoured(ctx: Context) -> str:
    """A gzipped request body is accepted; with ``Accept-Encoding: gzip`` a response over the
    threshold comes gzipped, and without it nothing is."""
    sent = ctx.post(ctx.valid_body("gzip", fileName=ctx.name("gzip")), gzip_request=True)
    if sent.status != 200:
        raise Broken(f"a valid gzipped request body (Content-Encoding: gzip) answered {sent.status}", sent)
    threshold = ctx.contract.gzip_min_bytes
    # A rejected request with one reason per bad group is the one big response every server can give.
    big_error = {**valid_body(ctx.seed), "documents": [{"docType": f"Bad{i}", "objectIds": object_ids(ctx.seed, 1)}
                                                       for i in range(40)]}
    candidates = [lambda gz: ctx.post(big_error, accept_gzip=gz)]
    # Bigger responses come from the standard jobs, when the selected checks had them submitted.
    if LARGE in ctx.jobs:
        candidates.append(lambda gz: ctx.get_job(ctx.jobs[LARGE].job_id, accept_gzip=gz))
    if ctx.seeding and MISSING_SKIP in ctx.jobs and ctx.budget.limit is None:  # two more jobs: unbudgeted runs only
        body = ctx.jobs[MISSING_SKIP].body
        candidates.append(lambda gz: ctx.post({**body, "fileName": ctx.name("gzip-inv")}, accept_gzip=gz))
    big = 0
    for send in candidates:
        exchange = send(True)
        encoding = (exchange.header("Content-Encoding") or "").lower()
        if len(exchange.content) > threshold:
            big += 1
            if encoding != "gzip":
                raise Broken(f"a {len(exchange.content)}-byte response to a request with Accept-Encoding: gzip "
                             f"came without Content-Encoding: gzip", exchange)
        plain = send(False)
        if (plain.header("Content-Encoding") or "").lower() == "gzip":
            raise Broken("a response came gzipped although the request did not accept gzip", plain)
    if not big:
        raise Skip(f"no response over {threshold} bytes to check (request side checked)")
    return f"request body inflated; {big} large responses gzipped"


@domain_check
def check_request_id_header(ctx: Context) -> str:
    """Every API response the domain checks saw has a ``Zuora-Request-Id`` (a 36-character UUID)."""
    ctx.http.send("GET", JOB_PATH.replace("{jobId}", "0" * 32))
    api = [e for e in ctx.http.transcript if e.api]
    for exchange in api:
        value = exchange.header("Zuora-Request-Id")
        if value is None or len(value) != 36:
            raise Broken(f"{exchange.describe()} has " + ("no Zuora-Request-Id" if value is None
                                                          else f"Zuora-Request-Id {value!r} (not 36 characters)"),
                         exchange)
    return f"{len(api)} responses"


@domain_check
def check_error_body_shape(ctx: Context) -> str:
    """Error responses (no token, wrong token, unknown job, malformed JSON, and every error the
    other checks saw) carry Zuora's error body."""
    probes = [
        ("no bearer token", ctx.http.send("GET", JOB_PATH.replace("{jobId}", ctx.seed), auth=False), 401),
        ("a wrong bearer token", ctx.http.send("GET", JOB_PATH.replace("{jobId}", ctx.seed),
                                               auth=f"wrong-{ctx.seed}"), 401),
        ("an unknown job", ctx.get_job(uuid.uuid4().hex), 404),
        ("malformed JSON", ctx.http.send("POST", COLLECTION_PATH, content=b'{"documents": [',
                                         headers={"Content-Type": "application/json"}), 400),
    ]
    for what, exchange, status in probes:
        if exchange.status != status:
            raise Broken(f"{what} answered {exchange.status}; expected {status}", exchange)
    errors = [e for e in ctx.http.transcript if e.api and e.status >= 400]
    for exchange in errors:
        problems = error_body_findings(exchange, ctx.contract)
        if problems:
            raise Broken(f"the {exchange.status} body of {exchange.method} is not Zuora's error body: {problems[0]}",
                         exchange)
    return f"{len(errors)} error responses"
