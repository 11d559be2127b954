"""What schemathesis' requests share with a gate run (``gate.live_run``, read by the hooks): the
run's token and 429 policy on every request (``requests`` form), the pool's documents and the
run's one Idempotency-Key on POSTs a correct server accepts, and the jobs they start counted."""

from __future__ import annotations

import json

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from bulkpdf_contract.gate import hooks
from bulkpdf_contract.gate.budget import JobBudget
from bulkpdf_contract.gate.documents import DocumentPool, TargetDocument
from bulkpdf_contract.gate.live_run import LiveRun, RequestsAuth, attach, attached, detach
from bulkpdf_contract.live import RatePolicy, TokenSource
from bulkpdf_contract.mock import run_server
from bulkpdf_contract.spec import COLLECTION_PATH, TOKEN_PATH, spec_path

DOCS = [TargetDocument(f"{n:032x}", "Invoice" if n % 2 else "CreditMemo") for n in range(1, 6)]
BODY = {"documents": [{"docType": "Invoice", "objectIds": ["ab" * 16, "cd" * 16]}], "fileName": "f",
        "indexFileFormat": "JSON"}


@pytest.fixture
def schema():
    loaded = schemathesis.openapi.from_path(str(spec_path()))
    yield loaded
    detach(loaded)


def post_case(schema, body=None, **headers):
    return schema[COLLECTION_PATH]["POST"].Case(body=json.loads(json.dumps(body or BODY)), headers=dict(headers))


def test_a_refused_post_names_the_pools_documents_unless_it_is_about_them(schema):
    run = LiveRun(TokenSource(token="t"), pool=DocumentPool("seed", DOCS), shared_key="gate-st-1")
    long_name = post_case(schema, {**BODY, "fileName": "f" * 33})
    run.name_pool_documents(long_name)
    assert long_name.body["fileName"] == "f" * 33
    assert {i for g in long_name.body["documents"] for i in g["objectIds"]} <= {d.id for d in DOCS}
    bad_id = post_case(schema, {**BODY, "documents": [{"docType": "Invoice", "objectIds": ["ab" * 16, "not-an-id"]}]})
    run.name_pool_documents(bad_id)
    assert bad_id.body["documents"] == [{"docType": "Invoice", "objectIds": ["ab" * 16, "not-an-id"]}]


def test_an_acceptable_post_names_the_pools_documents_and_the_runs_key(schema):
    run = LiveRun(TokenSource(token="t"), pool=DocumentPool("seed", DOCS), shared_key="gate-st-1")
    case = post_case(schema, **{"Idempotency-Key": "0", "zuora-entity-ids": "e9", "Zuora-Track-Id": "t"})
    run.name_pool_documents(case)
    run.prepare_acceptable_post(case)
    ids = [i for g in case.body["documents"] for i in g["objectIds"]]
    assert len(ids) == 2 and set(ids) <= {d.id for d in DOCS}
    assert case.headers == {"Zuora-Track-Id": "t", "Idempotency-Key": "gate-st-1"}  # no other entity
    open_world = LiveRun(TokenSource(token="t"), pool=DocumentPool("seed"))
    untouched = post_case(schema, **{"Idempotency-Key": "0", "Zuora-Entity-Ids": "e9"})
    open_world.name_pool_documents(untouched)
    open_world.prepare_acceptable_post(untouched)
    assert untouched.body == BODY and untouched.headers == {"Idempotency-Key": "0", "Zuora-Entity-Ids": "e9"}


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=schemathesis.openapi.from_path(str(spec_path()))[COLLECTION_PATH]["POST"].as_strategy(
    generation_mode=GenerationMode.POSITIVE))
def test_positive_posts_are_acceptable(data):
    assert hooks.acceptable_post(data)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=schemathesis.openapi.from_path(str(spec_path()))[COLLECTION_PATH]["POST"].as_strategy(
    generation_mode=GenerationMode.NEGATIVE))
def test_negative_fuzzed_posts_are_not(data):
    assert not hooks.acceptable_post(data)


def test_the_hook_sends_the_runs_auth_but_no_bearer_to_the_token_operation(schema):
    run = LiveRun(TokenSource(token="t"))
    attach(schema, run)
    assert attached(schema) is run
    kwargs: dict = {}
    hooks.bulkpdf_before_call(None, post_case(schema), kwargs)
    assert isinstance(kwargs["auth"], RequestsAuth) and kwargs["auth"].bearer
    token_case = schema[TOKEN_PATH]["POST"].Case(body={"client_id": "x"}, headers={})
    hooks.bulkpdf_before_call(None, token_case, kwargs)
    assert kwargs["auth"].bearer is False
    detach(schema)
    assert attached(schema) is None


def test_requests_auth_waits_out_429s_and_refreshes_after_a_401():
    answers = iter([(429, {"Retry-After": "0"}), (401, {}), (200, {})])
    seen = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        seen.append(dict(scope["headers"]).get(b"authorization"))
        status, headers = next(answers)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": b"{}"})

    issued = iter(["first", "second"])

    class Rotating(TokenSource):
        def _fetch(self):
            self.token = next(issued)
            self.issued.append(self.token)
            self.fetched += 1
            self._expires = float("inf")

    tokens = Rotating(client_id="c" * 36, client_secret="s", token_url="http://unused")
    rate = RatePolicy(sleep=lambda seconds: None)
    with run_server(app) as running, requests.Session() as session:
        answer = session.get(running.url + "/v1/x", auth=RequestsAuth(LiveRun(tokens, rate)))
    assert answer.status_code == 200 and [r.status_code for r in answer.history] == [429, 401]
    assert seen == [b"Bearer first", b"Bearer first", b"Bearer second"]
    assert answer.request.headers["Authorization"] == "Bearer second" and len(rate.met) == 1


def test_jobs_answered_by_posts_are_counted_once():
    run = LiveRun(TokenSource(token="t"), budget=JobBudget(5))

    class Answer:
        def __init__(self, status, body):
            self.status_code, self._body = status, body

        def json(self):
            return self._body

    schema_ = schemathesis.openapi.from_path(str(spec_path()))
    post = post_case(schema_)
    for status, body in ((200, {"jobId": "j1"}), (200, {"jobId": "j1"}), (400, {"jobId": "j2"}), (200, {"x": 1})):
        run.count_job(None, post, Answer(status, body))
    get = schema_["/v1/operations/bulk-pdf/{jobId}"]["GET"].Case(path_parameters={"jobId": "j3"})
    run.count_job(None, get, Answer(200, {"jobId": "j3"}))
    assert run.budget.count == 1 and run.budget.created == {"j1"}
