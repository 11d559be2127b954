"""Bad input and load: an unreachable or silent upstream, huge and hostile bodies, clients that go
away, an answer cut off, and 32 clients at once. The proxy stays no stricter than the server,
answers in Zuora's shape when it must answer itself, and never keeps an exchange waiting."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import socket
import threading

import httpx
import orjson
import pytest
from proxy_support import TOKEN, Recording, body, har_entries, proxied, upstream

from bulkpdf_contract.proxy import run_proxy
from bulkpdf_contract.proxy.forwarding import Tap
from bulkpdf_contract.spec import COLLECTION_PATH, contract_from_dict, load_contract
from bulkpdf_contract.validators import validate_response

AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = load_contract().max_inflated_bytes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_upstream_gets_a_502_with_zuoras_body():
    with run_proxy(f"http://127.0.0.1:{free_port()}") as proxy:
        answer = httpx.post(proxy.url + COLLECTION_PATH, json=body(1, fileName="x" * 33),
                            headers={**AUTH, "Zuora-Track-Id": "t-1"})
        violations, stats = proxy.violations(), proxy.stats()
    assert answer.status_code == 502 and answer.headers["zuora-track-id"] == "t-1"
    assert answer.json()["reasons"][0]["code"] == "51580061" and "cannot be reached" in answer.json()["reasons"][0]["message"]
    assert validate_response(500, answer.json(), answer.headers, method="POST") == []  # Zuora's error shape
    assert stats.unreachable == 1 and stats.exchanges == 1
    assert [(v.direction, v.rule, v.status) for v in violations] == [("request", "schema.maxLength", 502)]


def test_a_silent_upstream_gets_a_504():
    async def silent(scope, receive, send):
        if scope["type"] == "http":
            while (await receive())["type"] != "http.disconnect":
                pass  # never answers; returns when the proxy gives up and closes the connection

    with upstream(silent, lifespan="off") as url, run_proxy(url, timeout=0.2) as proxy:
        answer = httpx.get(proxy.url + COLLECTION_PATH + "/" + "a" * 32, headers=AUTH)
    assert answer.status_code == 504 and "did not answer in time" in answer.text


def test_the_tap_keeps_at_most_the_limit():
    tap = Tap(1500)
    for _ in range(10):
        tap.feed(b"x" * 1000)
    assert (len(tap.data), tap.size) == (1501, 10000)


def test_a_body_over_the_limit_is_streamed_through_unread(tmp_path):
    """No stricter than the server: the whole body reaches the upstream; the check is a finding."""
    spec = load_contract().spec
    params = spec["components"]["parameters"]
    small = contract_from_dict({**spec, "components": {**spec["components"], "parameters": {
        **params, "Content-Encoding": {**params["Content-Encoding"], "x-bulkpdf-max-inflated-bytes": 65536}}}})
    recording = Recording(body=orjson.dumps({"jobId": "j", "success": True}))
    payload = b" " * 1_000_000 + orjson.dumps(body(1))

    def chunks():
        for start in range(0, len(payload), 65536):
            yield payload[start:start + 65536]

    har = tmp_path / "big.har"
    with upstream(recording) as url, run_proxy(url, contract=small, har=har) as proxy:
        answer = httpx.post(proxy.url + COLLECTION_PATH, content=chunks(),
                            headers={**AUTH, "Content-Type": "application/json"})
        violations = proxy.violations()
    assert answer.status_code == 200 and recording.received[0]["body"] == payload
    rules = {(v.direction, v.rule) for v in violations}
    assert ("request", "request.body-too-large") in rules
    assert ("response", "response.accepted-invalid-request") in rules
    (entry,) = har_entries(har)
    assert entry["request"]["bodySize"] == len(payload) and "text" not in entry["request"]["postData"]
    assert entry["_bulkpdf"]["requestProblem"]["rule"] == "request.body-too-large"


def test_a_body_the_mock_refuses_early_is_still_judged_whole():
    """The mock answers 413 on the Content-Length alone; the proxy reads the rest before passing it on."""
    with proxied() as (_, proxy):
        answer = httpx.post(proxy.url + COLLECTION_PATH, content=b" " * (LIMIT + 10),
                            headers={**AUTH, "Content-Type": "application/json"}, timeout=60)
        violations = proxy.violations()
    assert answer.status_code == 413
    assert [(v.direction, v.rule) for v in violations] == [("request", "request.body-too-large")]
    assert f"{LIMIT + 10:,} bytes" in violations[0].message


def test_a_gzip_bomb_is_a_finding_not_a_memory_spike():
    bomb = gzip.compress(b" " * (LIMIT + 1))
    with proxied() as (_, proxy):
        answer = httpx.post(proxy.url + COLLECTION_PATH, content=bomb,
                            headers={**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"})
        violations = proxy.violations()
    assert answer.status_code == 413
    assert [v.rule for v in violations] == ["request.body-too-large"] and "inflates to more" in violations[0].message


def test_a_client_that_goes_away_mid_request_leaves_nothing_behind():
    arrived, gone = threading.Event(), threading.Event()

    async def reading(scope, receive, send):  # reads what comes, until the proxy gives up
        if scope["type"] != "http":
            return
        while (message := await receive())["type"] == "http.request":
            arrived.set()
            if not message.get("more_body"):
                break
        gone.set()

    with upstream(reading, lifespan="off") as url, run_proxy(url) as proxy:
        host, port = proxy.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /v1/operations/bulk-pdf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                         + TOKEN.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"doc")
            assert arrived.wait(30)  # the first bytes were forwarded
        assert proxy.recorder.wait_idle(30) and gone.wait(30)  # the upstream's request was ended too
        stats = proxy.stats()
        violations = proxy.violations()
    assert stats.aborted == 1 and stats.exchanges == 1
    assert violations == []  # an incomplete request is not judged


def test_a_client_that_goes_away_while_waiting_leaves_nothing_behind():
    arrived, release = threading.Event(), threading.Event()

    async def slow(scope, receive, send):
        if scope["type"] != "http":
            return
        await receive()
        arrived.set()
        await asyncio.to_thread(release.wait)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    with upstream(slow, lifespan="off") as url, run_proxy(url) as proxy:
        host, port = proxy.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"GET /anything HTTP/1.1\r\nHost: x\r\n\r\n")
            assert arrived.wait(30)
        release.set()
        assert proxy.recorder.wait_idle(30)
        assert proxy.stats().exchanges == 1


def test_an_answer_cut_off_by_the_upstream_is_not_passed_on_as_whole():
    async def cut(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b'{"jobId": "', "more_body": True})
        raise RuntimeError("the upstream falls over")

    with upstream(cut, lifespan="off") as url, run_proxy(url) as proxy:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(proxy.url + COLLECTION_PATH + "/" + "a" * 32, headers=AUTH)
        violations = proxy.violations()
    assert "response.incomplete" in {v.rule for v in violations}


def test_32_clients_at_once_are_all_answered_and_judged():
    with proxied() as (_, proxy):
        def client_session(n: int) -> list[int]:
            with httpx.Client(base_url=proxy.url, headers=AUTH, timeout=60) as client:
                statuses = []
                for i in range(5):
                    created = client.post(COLLECTION_PATH, json=body(1, fileName=f"c{n}-{i}"),
                                          headers={"Idempotency-Key": f"k-{n}-{i}"})
                    statuses.append(created.status_code)
                    statuses.append(client.get(f"{COLLECTION_PATH}/{created.json()['jobId']}").status_code)
                return statuses

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            statuses = [s for found in pool.map(client_session, range(32)) for s in found]
        stats, violations = proxy.stats(), proxy.violations()
    assert statuses == [200] * 320 and stats.exchanges == 320 and violations == []


@pytest.mark.parametrize("step", ["the record", "the check"])
def test_the_answer_leaves_before_the_record_is_made_and_checked(monkeypatch, step):
    """The record of an exchange is made and checked on the proxy's event loop after the answer
    is written: while either is held (the loop blocked in it), the client has the whole answer."""
    from bulkpdf_contract.proxy import forwarding, recorder

    held, release = threading.Event(), threading.Event()
    owner, name = (forwarding._Flight, "_exchange") if step == "the record" else (recorder, "check_exchange")
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        held.set()
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)
    answer = orjson.dumps({"jobId": "j", "invalidIds": [], "success": True})
    with upstream(Recording(body=answer)) as url, run_proxy(url) as proxy:
        try:
            got = httpx.get(proxy.url + COLLECTION_PATH + "/" + "a" * 32, headers=AUTH, timeout=10)
            assert held.wait(10)  # its check has begun and is held until released below
            assert got.status_code == 200 and got.content == answer
        finally:
            release.set()
        assert proxy.stats().exchanges == 1
