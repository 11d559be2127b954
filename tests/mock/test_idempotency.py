"""Idempotency-Key: replay, scope, retention, 409 in flight, 422 elsewhere, and under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bulkpdf_contract.mock.clock import Clock
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

from mock_support import AUTH, FROZEN_AT, seed_request


def job_count(api) -> int:
    return api.state.count_jobs()


def test_same_key_replays_status_headers_and_body_and_creates_no_second_job(api):
    first = api.post_job(headers={"Idempotency-Key": "key-1"})
    again = api.post_job(headers={"Idempotency-Key": "key-1", "Zuora-Track-Id": "retry"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Zuora-Request-Id"] == first.headers["Zuora-Request-Id"]
    assert again.headers["Zuora-Track-Id"] == "retry"  # the echo belongs to this request
    assert job_count(api) == 1


def test_a_different_body_with_the_same_key_replays_the_first_result(api):
    first = api.post_job(headers={"Idempotency-Key": "key-2"})
    other = api.post_job({**seed_request(), "fileName": "different"}, headers={"Idempotency-Key": "key-2"})
    assert other.json() == first.json()
    assert job_count(api) == 1


def test_an_invalid_request_gets_its_400_even_under_a_used_key(api):
    first = api.post_job(headers={"Idempotency-Key": "key-5"})
    invalid = api.post_job({**seed_request(), "fileName": "x" * 33}, headers={"Idempotency-Key": "key-5"})
    assert invalid.status_code == 400 and "fileName" in invalid.text
    assert api.post_job(headers={"Idempotency-Key": "key-5"}).json() == first.json()
    assert job_count(api) == 1


def test_a_rejected_request_leaves_the_key_free_for_the_fixed_request(api):
    bad = api.post_job({**seed_request(), "fileName": "x" * 33}, headers={"Idempotency-Key": "key-3"})
    assert bad.status_code == 400
    good = api.post_job(headers={"Idempotency-Key": "key-3"})
    assert good.status_code == 200 and job_count(api) == 1
    assert api.post_job(headers={"Idempotency-Key": "key-3"}).json() == good.json()


def test_a_no_usable_id_answer_is_a_result_and_is_replayed(make_api):
    api = make_api(documents=[])
    first = api.post_job(headers={"Idempotency-Key": "key-4"})
    assert first.status_code == 400 and first.json()["reasons"][0]["code"] == "51580020"
    api.client.post("/_mock/documents", json=[{"id": i} for i in seed_request()["documents"][0]["objectIds"]],
                    headers=AUTH)
    again = api.post_job(headers={"Idempotency-Key": "key-4"})
    assert again.status_code == 400 and again.content == first.content


def test_keys_are_scoped_per_token_and_entity(make_api):
    api = make_api(token=["a", "b"])
    post = lambda headers: api.client.post(COLLECTION_PATH, json=seed_request(), headers={"Idempotency-Key": "k", **headers})  # noqa: E731
    jobs = {
        post({"Authorization": "Bearer a"}).json()["jobId"],
        post({"Authorization": "Bearer b"}).json()["jobId"],
        post({"Authorization": "Bearer a", "Zuora-Entity-Ids": "e2"}).json()["jobId"],
        post({"Authorization": "Bearer a"}).json()["jobId"],
    }
    assert len(jobs) == 3


@pytest.mark.parametrize("ttl", [None, 600], ids=["contract-24h", "configured"])
def test_keys_expire_after_the_retention_time(make_api, ttl):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, idempotency_ttl=ttl)
    retention = load_contract().idempotency_retention_seconds if ttl is None else ttl
    first = api.post_job(headers={"Idempotency-Key": "short"}).json()["jobId"]
    assert api.post_job(headers={"Idempotency-Key": "short"}).json()["jobId"] == first
    clock.advance(retention - 1)
    assert api.post_job(headers={"Idempotency-Key": "short"}).json()["jobId"] == first
    clock.advance(2)
    assert api.post_job(headers={"Idempotency-Key": "short"}).json()["jobId"] != first


def test_a_restarted_server_drops_the_keys_past_their_retention(make_api, tmp_path):
    clock = Clock(frozen_at=FROZEN_AT)
    first = make_api(data_dir=tmp_path / "shared", clock=clock, idempotency_ttl=600)
    kept = first.post_job(headers={"Idempotency-Key": "kept"}).json()["jobId"]
    first.post_job(headers={"Idempotency-Key": "old"})
    first.close()
    clock.advance(300)
    second = make_api(data_dir=tmp_path / "shared", clock=clock, idempotency_ttl=600)
    assert second.post_job(headers={"Idempotency-Key": "kept"}).json()["jobId"] == kept
    second.close()
    clock.advance(301)
    third = make_api(data_dir=tmp_path / "shared", clock=clock, idempotency_ttl=600)
    third.state.ensure_started()  # start-up forgets what is past its retention on the clock
    assert third.state.storage.query("SELECT COUNT(*) FROM idempotency")[0][0] == 0
    assert third.post_job(headers={"Idempotency-Key": "kept"}).json()["jobId"] != kept


def test_a_key_in_flight_gets_409(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(request_delay=60, clock=clock)
    results = {}

    def slow():
        results["first"] = api.post_job(headers={"Idempotency-Key": "busy"})

    thread = threading.Thread(target=slow)
    thread.start()
    assert clock.wait_for_sleepers(1)  # the first request holds its key in flight now
    conflict = api.post_job(headers={"Idempotency-Key": "busy"})
    assert "first" not in results  # still held: the frozen clock has not passed request_delay
    clock.advance(60)
    thread.join()
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["reasons"][0]["code"].endswith("50")
    assert results["first"].status_code == 200
    assert api.post_job(headers={"Idempotency-Key": "busy"}).json() == results["first"].json()


def test_a_key_reused_on_another_url_or_method_gets_422(api):
    job_id = api.post_job(headers={"Idempotency-Key": "used"}).json()["jobId"]
    other_url = api.client.post(f"{COLLECTION_PATH}/{job_id}", json={}, headers={**AUTH, "Idempotency-Key": "used"})
    other_method = api.client.request("PATCH", COLLECTION_PATH, json={}, headers={**AUTH, "Idempotency-Key": "used"})
    for response in (other_url, other_method):
        assert response.status_code == 422, response.text
        assert "used" in response.json()["reasons"][0]["message"]
    fresh = api.client.request("PATCH", COLLECTION_PATH, json={}, headers={**AUTH, "Idempotency-Key": "new"})
    assert fresh.status_code == 405


def test_concurrent_requests_with_shared_keys_create_one_job_per_key(make_api):
    """32 threads over real connections (or the ASGI app), 10 keys x 8 requests each."""
    api = make_api()
    if api.kind == "http":
        clients = [httpx.Client(base_url=api.server.url, timeout=30) for _ in range(8)]
        post = lambda i, key: clients[i % 8].post(COLLECTION_PATH, json=seed_request(), headers={**AUTH, "Idempotency-Key": key})  # noqa: E731
    else:
        post = lambda i, key: api.post_job(headers={"Idempotency-Key": key})  # noqa: E731
    keys = [f"key-{i % 10}" for i in range(80)]
    with ThreadPoolExecutor(32) as pool:
        responses = list(pool.map(lambda pair: post(*pair), enumerate(keys)))
    assert all(r.status_code == 200 for r in responses), {r.status_code for r in responses}
    by_key: dict[str, set] = {}
    for key, response in zip(keys, responses):
        by_key.setdefault(key, set()).add(response.json()["jobId"])
    assert all(len(jobs) == 1 for jobs in by_key.values())
    assert job_count(api) == 10
    if api.kind == "http":
        for client in clients:
            client.close()


def test_requests_without_a_key_always_create_new_jobs(api):
    first, second = api.post_job().json()["jobId"], api.post_job().json()["jobId"]
    assert first != second and job_count(api) == 2
