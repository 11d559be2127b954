"""Fault rules acting on requests, in-process and over real HTTP: Zuora's error answers, delays
and clock jumps on the mock's clock, connections dropped after (or before) the request took
effect, downloads cut short, and rules managed over ``/_mock/faults`` and ``bulkpdf serve``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from bulkpdf_contract.cli import main
from bulkpdf_contract.mock import Clock
from bulkpdf_contract.mock.wire import ConnectionDropped
from bulkpdf_contract.spec import COLLECTION_PATH
from bulkpdf_contract.validators import validate_response

from mock_support import AUTH, FROZEN_AT, ids

POST = {"method": "POST", "path": COLLECTION_PATH}
POLLS = {"method": "GET", "path": COLLECTION_PATH + "/*"}
DOWNLOADS = {"method": "GET", "path": "/_mock/files/*"}
LOST = (ConnectionDropped, httpx.RemoteProtocolError)  # in-process, over HTTP


def body(n: int = 3, name: str = "faults") -> dict:
    return {"documents": [{"docType": "Invoice", "objectIds": ids(n)}], "fileName": name, "indexFileFormat": "JSON"}


@pytest.mark.parametrize("status, category, header", [
    (429, "51580070", "Retry-After"), (503, "51580061", None), (401, "51580011", "WWW-Authenticate"),
    (404, "51580040", None), (409, "51580050", None), (400, "51580020", None),
])
def test_respond_answers_zuoras_error_body_and_creates_nothing(make_api, status, category, header):
    api = make_api(faults=[{**POST, "action": "respond", "status": status}])
    response = api.post_job(body())
    assert response.status_code == status
    payload = response.json()
    assert payload["success"] is False and payload["reasons"][0]["code"] == category
    assert payload["requestId"] == response.headers["Zuora-Request-Id"]
    assert header is None or header in response.headers
    findings = validate_response(status, response.content, response.headers, method="POST")
    # 503 is what gateways answer; Zuora's spec does not list it, the body is still Zuora's
    assert [f.rule for f in findings] == (["response.undocumented-status"] if status == 503 else [])
    assert api.state.count_jobs() == 0


def test_a_429_carries_retry_after_and_exhausted_rate_headers(make_api):
    api = make_api(faults=[{**POST, "nth": 1, "action": "respond", "status": 429, "retryAfter": 7}])
    refused, accepted = api.post_job(body()), api.post_job(body())
    assert refused.status_code == 429 and accepted.status_code == 200
    assert refused.headers["Retry-After"] == "7"
    assert refused.headers["RateLimit-Remaining"] == "0" and refused.headers["RateLimit-Reset"] == "7"
    assert int(accepted.headers["RateLimit-Remaining"]) > 0


def test_a_500_is_zuoras_error_response_and_401_says_the_token_expired(make_api):
    api = make_api(faults=[{**POST, "nth": 1, "action": "respond", "status": 500},
                           {**POLLS, "action": "respond", "status": 401}])
    failed = api.post_job(body())
    assert failed.json()["reasons"] == [{"code": "SystemError", "message": "internal server error"}]
    job_id = api.post_job(body()).json()["jobId"]
    expired = api.get_job(job_id)
    assert expired.status_code == 401 and "expired" in expired.json()["reasons"][0]["message"]
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert api.state.count_jobs() == 1


def test_a_download_fault_answers_s3s_xml(make_api):
    api = make_api(faults=[{**DOWNLOADS, "nth": 1, "action": "respond", "status": 503, "retryAfter": 1}])
    job = api.wait(api.post_job(body()).json()["jobId"])
    refused = api.download(job["fileUrls"][0])
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert refused.headers["Content-Type"].startswith("application/xml") and b"<Code>SlowDown</Code>" in refused.content
    assert api.download(job["fileUrls"][0]).status_code == 200


def test_nth_and_per_path_count_as_documented(make_api):
    api = make_api(faults=[{**POLLS, "nth": [2, 3], "action": "respond", "status": 503}])
    job_id = api.post_job(body()).json()["jobId"]
    assert [api.get_job(job_id).status_code for _ in range(5)] == [200, 503, 503, 200, 200]
    (rule,) = api.client.get("/_mock/faults", headers=AUTH).json()["faults"]
    assert (rule["seen"], rule["applied"]) == (5, 2)


def test_a_delay_holds_the_request_on_the_mocks_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, faults=[{**POST, "action": "delay", "seconds": 30}])
    answers = []
    thread = threading.Thread(target=lambda: answers.append(api.post_job(body())))
    thread.start()
    assert clock.wait_for_sleepers(1)
    assert not answers and api.state.count_jobs() == 0  # held before it took effect
    clock.advance(30)
    thread.join(10)
    assert answers[0].status_code == 200 and api.state.count_jobs() == 1


def test_advance_moves_the_clock_before_the_request(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, faults=[{**DOWNLOADS, "nth": 1, "action": "advance", "seconds": 86400}])
    job = api.wait(api.post_job(body()).json()["jobId"])
    expired = api.download(job["fileUrls"][0])
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    assert clock.now() == FROZEN_AT + 86400


def test_a_connection_lost_after_the_effect_leaves_the_job_and_a_replay(make_api):
    api = make_api(faults=[{**POST, "nth": 1, "action": "disconnect"}])
    key = {"Idempotency-Key": "lost-answer-1"}
    with pytest.raises(LOST):
        api.post_job(body(), headers=key)
    assert api.state.count_jobs() == 1  # the job exists; only its answer was lost
    replay = api.post_job(body(), headers=key)
    assert replay.status_code == 200 and api.state.count_jobs() == 1
    assert api.wait(replay.json()["jobId"])["status"] == "Completed"


def test_a_connection_lost_before_the_effect_creates_nothing(make_api):
    api = make_api(faults=[{**POST, "nth": 1, "action": "disconnect", "effect": False}])
    with pytest.raises(LOST):
        api.post_job(body())
    assert api.state.count_jobs() == 0


@pytest.mark.parametrize("make_api", ["http"], indirect=True)
def test_a_dropped_connection_sends_not_one_byte(make_api):
    api = make_api(faults=[{**POST, "action": "disconnect"}])
    received = _raw_exchange(api.server.url, b"POST " + COLLECTION_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                             b"Authorization: " + AUTH["Authorization"].encode() + b"\r\nContent-Type: "
                             b"application/json\r\nContent-Length: 2\r\n\r\n{}")
    assert received == b""


def _raw_exchange(url: str, request: bytes) -> bytes:
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_truncated_download_stops_after_the_bytes_and_resumes_with_a_range(make_api):
    api = make_api(documents_per_zip=2, faults=[{**DOWNLOADS, "nth": 1, "per": "path", "action": "truncate",
                                                 "bytes": 300}])
    job = api.wait(api.post_job(body(4)).json()["jobId"])
    assert len(job["fileUrls"]) == 2
    for url in job["fileUrls"]:  # each ZIP's first download is cut
        if api.kind == "asgi":
            with pytest.raises(ConnectionDropped):
                api.download(url)
            head = b""
        else:
            head, full_size = _read_until_cut(url)
            assert len(head) == 300 and full_size > 300
        whole = api.download(url)
        assert whole.status_code == 200
        assert head == whole.content[:len(head)]
        if api.kind == "http":
            rest = httpx.get(url, headers={"Range": "bytes=300-"})
            assert rest.status_code == 206 and head + rest.content == whole.content


def _read_until_cut(url: str) -> tuple[bytes, int]:
    data = b""
    with httpx.stream("GET", url) as response:
        assert response.status_code == 200
        size = int(response.headers["Content-Length"])
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                data += chunk
    return data, size


def test_a_body_shorter_than_the_cut_is_sent_whole(make_api):
    api = make_api(faults=[{**DOWNLOADS, "action": "truncate", "bytes": 10**9}])
    job = api.wait(api.post_job(body()).json()["jobId"])
    assert api.download(job["fileUrls"][0]).status_code == 200


def test_rules_come_and_go_over_http(api):
    rule = {**POST, "name": "busy", "action": "respond", "status": 503}
    added = api.client.post("/_mock/faults", json=[rule, {**POLLS, "name": "slow", "action": "delay",
                                                            "seconds": 0.001}], headers=AUTH)
    assert added.status_code == 200 and added.json()["added"] == ["busy", "slow"]
    assert api.post_job(body()).status_code == 503
    replaced = api.client.post("/_mock/faults", json={**rule, "status": 502}, headers=AUTH)
    assert [r["status"] for r in replaced.json()["faults"] if r["name"] == "busy"] == [502]
    listing = api.client.get("/_mock/faults", headers=AUTH).json()["faults"]
    assert [(r["name"], r["seen"]) for r in listing] == [("slow", 0), ("busy", 0)]
    removed = api.client.request("DELETE", "/_mock/faults", json=["busy"], headers=AUTH)
    assert removed.json()["removed"] == 1 and api.post_job(body()).status_code == 200
    assert api.client.request("DELETE", "/_mock/faults", headers=AUTH).json()["removed"] == 1
    assert api.client.get("/_mock/faults", headers=AUTH).json()["faults"] == []
    assert api.client.get("/_mock/faults").status_code == 401
    assert api.client.request("PUT", "/_mock/faults", headers=AUTH).status_code == 405


def test_the_mocks_own_api_is_never_faulted(api):
    api.client.post("/_mock/faults", json={"name": "all", "action": "respond", "status": 500}, headers=AUTH)
    assert api.get_job("0" * 32).status_code == 500
    assert api.client.get("/_mock/journal", headers=AUTH).status_code == 200
    assert api.client.get("/_mock/clock", headers=AUTH).status_code == 200
    assert api.client.get("/_mock/capabilities", headers=AUTH).status_code == 200
    assert api.client.get("/_mock/documents", headers=AUTH).status_code == 200
    assert api.client.request("DELETE", "/_mock/faults", headers=AUTH).json()["removed"] == 1


def test_create_app_and_serve_read_fault_files(make_api, tmp_path):
    path = tmp_path / "faults.yaml"
    path.write_text("faults:\n  - {name: first-post, method: POST, path: /v1/operations/bulk-pdf, nth: 1,\n"
                    "     action: respond, status: 429, retryAfter: 2}\n")
    api = make_api(faults=path)
    assert [api.post_job(body()).status_code for _ in range(2)] == [429, 200]
    (tmp_path / "bad.yaml").write_text("- {action: teleport}")
    with pytest.raises(ValueError, match="'action' must be one of"):
        make_api(faults=tmp_path / "bad.yaml")


def test_serve_puts_a_fault_file_in_force(tmp_path):
    from test_serve_cli import free_port

    port = free_port()
    rules = tmp_path / "faults.json"
    rules.write_text(json.dumps({"faults": [
        {"name": "busy", **POST, "nth": 1, "action": "respond", "status": 429, "retryAfter": 3},
        {"name": "lost", **POST, "nth": 2, "action": "disconnect"},
    ]}))
    proc = subprocess.Popen([sys.executable, "-m", "bulkpdf_contract.cli", "serve", "--port", str(port),
                             "--data-dir", str(tmp_path / "d"), "--faults", str(rules)],
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                first = httpx.post(base + COLLECTION_PATH, json=body(), headers=AUTH)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert first.status_code == 429 and first.headers["Retry-After"] == "3"
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(base + COLLECTION_PATH, json=body(), headers=AUTH)
        assert httpx.post(base + COLLECTION_PATH, json=body(), headers=AUTH).status_code == 200
        journal = httpx.get(base + "/_mock/journal", headers=AUTH).json()["entries"]
        assert [(e["status"], e["faults"], e["jobCreated"]) for e in journal] == [
            (429, ["busy"], False), (None, ["lost"], True), (200, [], True)]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"fault rules: 2 from {rules}" in err
    (tmp_path / "bad.json").write_text('[{"action": "respond", "status": 99}]')
    assert main(["serve", "--data-dir", str(tmp_path / "e"), "--faults", str(tmp_path / "bad.json")]) == 2
