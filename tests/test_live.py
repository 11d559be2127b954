"""``bulkpdf_contract.live``: tokens from client credentials (fetched, renewed before expiry and
after a 401), 429s waited out by their hint, over real HTTP against the mock. Time is injected:
the token source's clock and the policy's sleep are fakes; the mock's clock is frozen."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from bulkpdf_contract.live import (
    MAX_RATE_RETRIES,
    BearerAuth,
    CredentialsRefused,
    RatePolicy,
    Retries,
    TokenSource,
    retry_hint,
    token_url_for,
)
from bulkpdf_contract.mock import Clock, run_server
from bulkpdf_contract.spec import COLLECTION_PATH

CLIENT_ID = "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b"
SECRET = "live-secret"
FROZEN_AT = 2_000_000_000.0


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture(scope="module")
def server():
    with run_server(clients={CLIENT_ID: SECRET}, token=(), token_ttl=600, clock=Clock(frozen_at=FROZEN_AT),
                    job_process=False) as running:
        yield running


def source(server, fake: FakeTime | None = None, **kwargs) -> TokenSource:
    return TokenSource(client_id=CLIENT_ID, client_secret=SECRET, token_url=token_url_for(server.url),
                       clock=fake or FakeTime(), **kwargs)


def test_a_static_token_is_handed_out_as_given():
    tokens = TokenSource(token="static")
    assert not tokens.oauth and tokens.current() == "static" and tokens.refresh("static") is None
    assert tokens.issued == ["static"] and tokens.fetched == 0
    with pytest.raises(ValueError, match="bearer token or client credentials"):
        TokenSource()
    with pytest.raises(ValueError, match="client secret and a token URL"):
        TokenSource(client_id=CLIENT_ID)


def test_a_token_is_fetched_once_and_renewed_before_it_expires(server):
    fake = FakeTime()
    tokens = source(server, fake)
    first = tokens.current()
    assert tokens.current() == first and tokens.fetched == 1
    fake.now = 600 - 60 - 1  # expires_in 600, renewed a minute early
    assert tokens.current() == first
    fake.now += 1
    second = tokens.current()
    assert second != first and tokens.fetched == 2 and tokens.issued == [first, second]
    assert tokens.findings == [] and SECRET not in repr(tokens)


def test_a_401_gets_a_new_token_and_one_retry(server):
    tokens = source(server)
    with httpx.Client(base_url=server.url, auth=BearerAuth(tokens)) as client:
        job_id = client.post(COLLECTION_PATH, json={
            "documents": [{"docType": "Invoice", "objectIds": ["ab" * 16]}], "fileName": "live",
            "indexFileFormat": "JSON"}).json()["jobId"]
        server.state.clock.advance(600)  # the server's clock: the token has expired there
        answer = client.get(f"{COLLECTION_PATH}/{job_id}")
    assert answer.status_code == 200 and tokens.fetched == 2
    assert answer.request.headers["Authorization"] == f"Bearer {tokens.issued[-1]}"
    assert tokens.refresh("an older token") == tokens.issued[-1] and tokens.fetched == 2  # no fetch for a stale one


def test_a_401_for_a_static_token_is_handed_on(server):
    with httpx.Client(base_url=server.url, auth=BearerAuth(TokenSource(token="not-accepted"))) as client:
        assert client.get(f"{COLLECTION_PATH}/{'0' * 32}").status_code == 401


@pytest.mark.parametrize("secret, match", [("wrong", r"gave no token \(401\)"), ("", "gave no token")])
def test_refused_credentials_raise(server, secret, match):
    tokens = TokenSource(client_id=CLIENT_ID, client_secret=secret or "x" * 43, token_url=token_url_for(server.url))
    with pytest.raises(CredentialsRefused, match=match):
        tokens.current()


def serve_token_answers(answers: list[tuple[int, dict, dict]]):
    """A token endpoint answering ``answers`` in turn (status, headers, JSON body)."""
    import json

    calls = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        status, headers, body = answers[min(len(calls), len(answers) - 1)]
        calls.append(scope["path"])
        raw = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), *((k.encode(), v.encode()) for k, v in headers.items())]})
        await send({"type": "http.response.body", "body": raw})

    return app, calls


def test_a_token_response_that_breaks_the_contract_is_a_finding_yet_used():
    app, calls = serve_token_answers([(200, {}, {"access_token": "tok", "token_type": "Bearer", "expires_in": 0})])
    with run_server(app) as running:
        fake = FakeTime()
        tokens = TokenSource(client_id=CLIENT_ID, client_secret=SECRET, token_url=running.url + "/oauth/token",
                             clock=fake)
        assert tokens.current() == "tok"
        assert len(tokens.findings) == 2 and any("token_type" in f for f in tokens.findings)
        fake.now = 3600 - 60  # no usable expires_in: an hour is assumed
        tokens.current()
    assert calls == ["/oauth/token", "/oauth/token"]


def test_429s_at_the_token_endpoint_are_waited_out():
    app, calls = serve_token_answers([(429, {"Retry-After": "3"}, {"success": False, "reasons": [{"code": "1"}]}),
                                      (200, {}, {"access_token": "tok", "token_type": "bearer", "expires_in": 60})])
    fake = FakeTime()
    rate = RatePolicy(sleep=fake.sleep)
    with run_server(app) as running:
        tokens = TokenSource(client_id=CLIENT_ID, client_secret=SECRET, token_url=running.url + "/oauth/token",
                             rate=rate)
        assert tokens.current() == "tok"
    assert fake.slept == [3.0] and rate.waited == 3.0 and len(calls) == 2 and len(rate.met) == 1


def test_retry_hints():
    assert retry_hint({"Retry-After": "7"}) == 7.0
    assert retry_hint({"Retry-After": "7", "RateLimit-Reset": "30"}) == 7.0  # Retry-After first
    assert retry_hint({"RateLimit-Reset": "30"}) == 30.0
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 100 < retry_hint({"Retry-After": later}) <= 120
    assert retry_hint({"Retry-After": email.utils.formatdate(time.time() - 60, usegmt=True)}) == 0.0
    for headers in ({}, {"Retry-After": "soon"}, {"Retry-After": "-1"}, {"RateLimit-Reset": "1.5"}):
        assert retry_hint(headers) is None, headers
    policy = RatePolicy(max_wait=60)
    assert policy.delay(429, {"Retry-After": "60"}) == 60.0
    assert policy.delay(429, {"Retry-After": "61"}) is None  # too long: not waited for
    assert policy.delay(200, {"Retry-After": "1"}) is None


def test_retries_wait_out_429s_boundedly_and_log_each():
    fake = FakeTime()
    rate = RatePolicy(sleep=fake.sleep)
    retries = Retries(None, rate, "GET", "http://x/y")
    hinted = {"Retry-After": "2"}
    assert all(retries.again(429, hinted) for _ in range(MAX_RATE_RETRIES))
    assert not retries.again(429, hinted)  # the last 429 is handed on
    assert fake.slept == [2.0] * MAX_RATE_RETRIES and len(rate.met) == MAX_RATE_RETRIES + 1
    assert [m.waited for m in rate.met][-1] is False and rate.without_hint() == []
    bare = Retries(None, rate, "POST", "http://x/z")
    assert not bare.again(429, {}) and rate.without_hint()[0].url == "http://x/z"
    assert not bare.again(500, {"Retry-After": "1"}) and not bare.again(401, {})  # nothing else is retried


def test_bearer_auth_retries_a_429_and_hands_on_one_without_a_hint():
    answers = iter([(429, {"Retry-After": "0"}), (200, {}), (429, {})])

    def handler(request):
        status, headers = next(answers)
        return httpx.Response(status, headers=headers, json={"seen": request.headers.get("Authorization")})

    rate = RatePolicy(sleep=FakeTime().sleep)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=BearerAuth(TokenSource(token="t"), rate)) as client:
        ok = client.get("http://server/v1/x")
        bare = client.get("http://server/v1/x")
    assert ok.status_code == 200 and ok.json() == {"seen": "Bearer t"}
    assert bare.status_code == 429 and [m.waited for m in rate.met] == [True, False]
