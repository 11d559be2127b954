"""``--enforce``: a request the contract rejects is answered by the proxy in Zuora's shape and
never reaches the upstream; a valid one is forwarded as without it."""

from __future__ import annotations

import httpx
import orjson
import pytest
from proxy_support import TOKEN, Recording, body, upstream

from bulkpdf_contract.proxy import run_proxy
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract
from bulkpdf_contract.validators import validate_response

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
JOB = f"{COLLECTION_PATH}/{'a' * 32}"
LIMIT = load_contract().max_inflated_bytes


@pytest.fixture
def enforcing():
    recording = Recording(body=orjson.dumps({"jobId": "j1", "invalidIds": [], "success": True}),
                          headers=[(b"content-type", b"application/json"),
                                   (b"zuora-request-id", b"7" * 36)])
    with upstream(recording) as url, run_proxy(url, enforce=True) as proxy:
        yield proxy, recording


@pytest.mark.parametrize("method, path, kwargs, status, rule", [
    ("POST", COLLECTION_PATH, {"json": body(1, fileName="x" * 33), "headers": AUTH}, 400, "schema.maxLength"),
    ("POST", COLLECTION_PATH, {"content": b"{oops", "headers": AUTH}, 400, "request.not-json"),
    ("POST", COLLECTION_PATH, {"json": body(1), "headers": {**AUTH, "Zuora-Track-Id": "a;b"}}, 400,
     "charset.forbidden-character"),
    ("POST", COLLECTION_PATH, {"content": orjson.dumps(body(1)), "headers": {"Authorization": AUTH["Authorization"]}},
     415, "request.content-type"),
    ("POST", COLLECTION_PATH, {"json": body(1)}, 401, "request.authorization"),
    ("PUT", COLLECTION_PATH, {"json": body(1), "headers": AUTH}, 405, "request.method"),
    ("GET", JOB, {"headers": {**AUTH, "Idempotency-Key": "k"}}, 400, "idempotency-key.method"),
    ("POST", COLLECTION_PATH, {"content": b" " * (LIMIT + 1), "headers": AUTH}, 413, "request.body-too-large"),
])
def test_an_invalid_request_is_refused_and_never_forwarded(enforcing, method, path, kwargs, status, rule):
    proxy, recording = enforcing
    headers = {"Zuora-Track-Id": "t-9", **kwargs.pop("headers", {})}
    answer = httpx.request(method, proxy.url + path, headers=headers, timeout=60, **kwargs)
    violations, stats = proxy.violations(), proxy.stats()
    assert recording.received == []
    assert answer.status_code == status and rule in answer.text
    assert validate_response(status, answer.json(), answer.headers, method="GET" if path == JOB else "POST",
                             request_headers=headers) == []
    assert answer.headers.get("zuora-track-id") == (None if rule == "charset.forbidden-character" else "t-9")
    assert rule in {v.rule for v in violations} and {v.direction for v in violations} == {"request"}
    assert {v.status for v in violations} == {status} and stats.refused == 1
    if status == 405:
        assert answer.headers["allow"] == "POST"


def test_a_valid_request_is_forwarded_unchanged(enforcing):
    proxy, recording = enforcing
    sent = orjson.dumps(body(3))
    streamed = [sent[:10], sent[10:]]  # arrives in pieces: read whole before it is judged
    answer = httpx.post(proxy.url + COLLECTION_PATH, content=iter(streamed), headers=AUTH)
    polled = httpx.get(proxy.url + JOB, headers={"Authorization": AUTH["Authorization"]})
    assert answer.status_code == 200 and answer.json()["jobId"] == "j1"
    assert [r["body"] for r in recording.received] == [sent, b""] and polled.status_code == 200
    assert proxy.stats().refused == 0


def test_without_enforce_an_invalid_request_reaches_the_upstream():
    """The proxy is no stricter than the server unless asked: the request goes on, the finding stays."""
    recording = Recording()
    with upstream(recording) as url, run_proxy(url) as proxy:
        answer = httpx.post(proxy.url + COLLECTION_PATH, content=b"{oops", headers=AUTH)
        violations = proxy.violations()
    assert answer.status_code == 200 and [r["body"] for r in recording.received] == [b"{oops"]
    assert ("request", "request.not-json") in {(v.direction, v.rule) for v in violations}
    assert ("response", "response.accepted-invalid-request") in {(v.direction, v.rule) for v in violations}
