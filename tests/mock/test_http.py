"""HTTP behaviour: auth, tenants, validation errors, encodings, limits, headers, error bodies."""

from __future__ import annotations

import functools
import gzip
import re
import uuid
import zlib

import orjson
import pytest

from bulkpdf_contract.spec import COLLECTION_PATH
from bulkpdf_contract.validators import validate_response

from mock_support import AUTH, ids, seed_request

JSON = {"Content-Type": "application/json"}


def reason_codes(response):
    return [r["code"] for r in response.json()["reasons"]]


def assert_error_body(response, status, category):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["requestId"] == response.headers["Zuora-Request-Id"]
    assert re.fullmatch(r"[0-9A-F]{16}", body["processId"])
    assert body["reasons"] and all(re.fullmatch(r"\d{8}", r["code"]) for r in body["reasons"])
    assert any(r["code"].endswith(category) for r in body["reasons"]), body
    method = "GET" if "/bulk-pdf/" in str(response.request.url) else "POST"
    assert validate_response(status, response.content, response.headers, method=method) == []
    return body


def test_missing_or_wrong_token_is_401(api):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
        response = api.client.post(COLLECTION_PATH, json=seed_request(), headers=headers)
        assert assert_error_body(response, 401, "11")["message"] == "Authentication error"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.client.get(f"{COLLECTION_PATH}/x").status_code == 401


def test_jobs_are_invisible_to_other_tenants(make_api):
    api = make_api(token=["tenant-a", "tenant-b"])
    a = {"Authorization": "Bearer tenant-a"}
    job_id = api.client.post(COLLECTION_PATH, json=seed_request(), headers=a).json()["jobId"]
    assert api.client.get(f"{COLLECTION_PATH}/{job_id}", headers=a).status_code == 200
    other_token = api.client.get(f"{COLLECTION_PATH}/{job_id}", headers={"Authorization": "Bearer tenant-b"})
    assert_error_body(other_token, 404, "40")
    other_entity = api.client.get(f"{COLLECTION_PATH}/{job_id}", headers={**a, "Zuora-Entity-Ids": "entity2"})
    assert_error_body(other_entity, 404, "40")


def test_unknown_job_is_404(api):
    assert_error_body(api.get_job("402880de8ce7edc3018ce7f18404312a"), 404, "40")


@pytest.mark.parametrize(
    "change, category, words",
    [
        ({"fileName": "x" * 33}, "20", ["fileName", "schema.maxLength"]),
        ({"fileName": "a/b"}, "20", ["fileName", "charset.forbidden-character"]),
        ({"indexFileFormat": "XML"}, "20", ["indexFileFormat", "schema.enum"]),
        ({"surprise": 1}, "21", ["surprise", "schema.additionalProperties"]),
        ({"fileName": None}, "22", ["fileName", "schema.required"]),
        ({"documents": [{"docType": "Invoice", "objectIds": ids(1) * 2}]}, "20",
         ["documents.duplicate-object-id", "/documents/0/objectIds/1"]),
        ({"documents": [{"docType": "Invoice", "objectIds": ["zz"]}]}, "20", ["objectIds", "schema.pattern"]),
    ],
)
def test_invalid_requests_get_400_naming_the_field_and_rule(api, change, category, words):
    body = {k: v for k, v in {**seed_request(), **change}.items() if v is not None}
    error = assert_error_body(api.post_job(body), 400, category)
    text = " ".join(r["message"] for r in error["reasons"])
    for word in words:
        assert word in text
    assert api.state.count_jobs() == 0


def test_more_than_50000_ids_are_rejected(api):
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": ids(50001)}]}
    error = assert_error_body(api.post_job(body), 400, "20")
    assert "documents.too-many-object-ids" in error["reasons"][0]["message"]


def test_header_rules(api):
    assert_error_body(api.post_job(headers={"Zuora-Track-Id": "x" * 65}), 400, "20")
    response = api.post_job(headers={"Zuora-Version": "latest"})
    assert "Zuora-Version" in assert_error_body(response, 400, "20")["reasons"][0]["message"]
    job_id = api.post_job().json()["jobId"]
    on_get = api.get_job(job_id, headers={"Idempotency-Key": "k1"})
    assert "idempotency-key.method" in assert_error_body(on_get, 400, "20")["reasons"][0]["message"]


def test_all_ids_unusable_is_zuoras_400_and_some_is_200_with_invalid_ids(make_api):
    known = ids(1)[0]
    api = make_api(documents=[{"id": known}])
    unknown = ids(2, start=100)
    response = api.post_job({**seed_request(), "documents": [{"docType": "Invoice", "objectIds": unknown}]})
    error = assert_error_body(response, 400, "20")
    assert error["reasons"] == [{"code": "51580020", "message": (
        "All Document IDs provided in this request were either invalid or the billing document is not available.")}]
    mixed = api.post_job({**seed_request(), "documents": [{"docType": "Invoice", "objectIds": [known, *unknown]}]})
    assert mixed.status_code == 200
    assert mixed.json()["invalidIds"] == unknown


def test_malformed_bodies(api):
    post = lambda content, headers=JSON: api.client.post(COLLECTION_PATH, content=content, headers={**AUTH, **headers})  # noqa: E731
    assert_error_body(post(b'{"documents": ['), 400, "90")
    assert_error_body(post(b'{"fileName": "\xff\xfe"}'), 400, "90")
    assert_error_body(post(b""), 400, "90")
    assert_error_body(post(b"[" * 5000 + b"]" * 5000), 400, "90")
    assert_error_body(post(b'["not an object"]'), 400, "20")
    assert_error_body(post(orjson.dumps(seed_request()), {"Content-Type": "text/plain"}), 415, "20")
    assert_error_body(post(orjson.dumps(seed_request()), {}), 415, "20")
    response = post(orjson.dumps(seed_request()), {**JSON, "Content-Encoding": "br"})
    assert_error_body(response, 415, "20")
    assert post(orjson.dumps(seed_request()), {"Content-Type": "application/json; charset=UTF-8"}).status_code == 200


def test_gzip_request_bodies(api):
    gz = {**JSON, "Content-Encoding": "gzip"}
    ok = api.client.post(COLLECTION_PATH, content=gzip.compress(orjson.dumps(seed_request())), headers={**AUTH, **gz})
    assert ok.status_code == 200, ok.text
    assert_error_body(api.client.post(COLLECTION_PATH, content=b"not gzip", headers={**AUTH, **gz}), 400, "90")
    truncated = gzip.compress(orjson.dumps(seed_request()))[:-12]
    assert_error_body(api.client.post(COLLECTION_PATH, content=truncated, headers={**AUTH, **gz}), 400, "90")


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    member = zlib.compressobj(9, zlib.DEFLATED, 31)
    one = member.compress(b"\0" * (64 << 20)) + member.flush()  # 64 MiB inflated, 64 KiB on the wire
    return one * 32  # 2 GiB inflated


def test_gzip_bomb_is_413_without_inflating_it(api):
    bomb = gzip_bomb()
    assert len(bomb) < 4 << 20
    response = api.client.post(COLLECTION_PATH, content=bomb, headers={**AUTH, **JSON, "Content-Encoding": "gzip"})
    assert_error_body(response, 413, "20")


def test_bodies_over_the_limit_are_413(make_api):
    api = make_api(max_body_bytes=4096)
    big = orjson.dumps({**seed_request(), "documents": [{"docType": "Invoice", "objectIds": ids(200)}]})
    response = api.client.post(COLLECTION_PATH, content=big, headers={**AUTH, **JSON})
    assert_error_body(response, 413, "20")


def test_responses_are_gzipped_over_1000_bytes_when_asked(make_api):
    api = make_api(documents_per_zip=1)
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": ids(12)}]}
    job_id = api.post_job(body).json()["jobId"]
    api.wait(job_id)
    plain = api.get_job(job_id, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 1000
    zipped = api.client.get(f"{COLLECTION_PATH}/{job_id}", headers={**AUTH, "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.json() == plain.json()
    small = api.client.get(f"{COLLECTION_PATH}/nope", headers={**AUTH, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    download = api.download(plain.json()["fileUrls"][0])  # httpx asks for gzip by default
    assert "content-encoding" not in download.headers


def test_every_response_has_a_request_id_and_echoes_a_valid_track_id(api):
    job_id = api.post_job().json()["jobId"]
    calls = [
        lambda h: api.client.post(COLLECTION_PATH, json=seed_request(), headers={**AUTH, **h}),
        lambda h: api.client.get(f"{COLLECTION_PATH}/{job_id}", headers={**AUTH, **h}),
        lambda h: api.client.get(f"{COLLECTION_PATH}/nope", headers={**AUTH, **h}),
        lambda h: api.client.request("DELETE", COLLECTION_PATH, headers={**AUTH, **h}),
        lambda h: api.client.get("/elsewhere", headers=h),
        lambda h: api.client.post(COLLECTION_PATH, json=seed_request(), headers=h),
    ]
    request_ids = set()
    for call in calls:
        plain = call({})
        assert "zuora-track-id" not in plain.headers
        traced = call({"Zuora-Track-Id": "trace 42/#&"})
        assert traced.headers["Zuora-Track-Id"] == "trace 42/#&"
        for response in (plain, traced):
            uuid.UUID(response.headers["Zuora-Request-Id"])
            request_ids.add(response.headers["Zuora-Request-Id"])
            for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                assert response.headers[name].isdigit()
            has_concurrency = "Concurrency-Limit-Remaining" in response.headers
            assert has_concurrency == (response.status_code in (200, 400))
    assert len(request_ids) == 2 * len(calls)
    invalid = api.post_job(headers={"Zuora-Track-Id": "a:b"})
    assert invalid.status_code == 400 and "zuora-track-id" not in invalid.headers


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", COLLECTION_PATH, "POST"), ("PUT", COLLECTION_PATH, "POST"), ("GET", COLLECTION_PATH, "POST"),
    ("POST", COLLECTION_PATH + "/abc", "GET"), ("PATCH", COLLECTION_PATH + "/abc", "GET"),
    ("TRACE", COLLECTION_PATH, "POST"), ("OPTIONS", COLLECTION_PATH + "/abc", "GET"),
])
def test_unsupported_methods_are_405_with_allow(api, method, path, allowed):
    response = api.client.request(method, path, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    body = response.json()
    assert body["success"] is False and body["reasons"][0]["code"].endswith("45")


def test_unknown_paths_are_404_with_the_error_body(api):
    response = api.client.get("/v1/operations/other", headers=AUTH)
    assert response.status_code == 404 and response.json()["reasons"][0]["code"].endswith("40")


def test_internal_errors_are_zuoras_500_body_without_traceback(api, monkeypatch):
    import sqlite3

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    api.state.ensure_started()
    monkeypatch.setattr(api.state.storage, "batch", broken)
    response = api.post_job()
    assert response.status_code == 500
    body = response.json()
    assert body["reasons"][0]["code"] == "SystemError"
    assert body["reasons"][0]["message"].startswith("internal server error")
    assert "Traceback" not in response.text
    assert validate_response(500, response.content, response.headers, method="POST") == []


def test_rate_and_concurrency_limits_are_enforced_only_when_configured(make_api):
    api = make_api(rate_limit=3)
    statuses = [api.post_job().status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.post_job()
    assert limited.headers["RateLimit-Remaining"] == "0" and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["reasons"][0]["code"].endswith("70")


def test_a_client_gone_mid_body_is_no_error_and_no_job(caplog):
    """A disconnect while the body is read leaves no job and logs no traceback (it is not a bug)."""
    import asyncio

    from bulkpdf_contract.mock import DEFAULT_TOKEN, create_app

    app = create_app(token=DEFAULT_TOKEN, workers=0)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": COLLECTION_PATH, "raw_path": COLLECTION_PATH.encode(), "query_string": b"",
             "headers": [(b"authorization", f"Bearer {DEFAULT_TOKEN}".encode()),
                         (b"content-type", b"application/json"), (b"content-length", b"400")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "root_path": ""}
    messages = [{"type": "http.request", "body": b'{"documents": [', "more_body": True}, {"type": "http.disconnect"}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def run():
        try:
            await app(scope, receive, send)
            return await asyncio.to_thread(app.state.mock.count_jobs)
        finally:
            await asyncio.to_thread(app.state.mock.close)

    with caplog.at_level("INFO", logger="bulkpdf_contract.mock"):
        jobs = asyncio.run(run())
    assert jobs == 0
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert any("disconnected" in r.getMessage() for r in caplog.records)
    assert sent[0]["status"] == 400
