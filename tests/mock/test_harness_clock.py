"""The mock's clock over HTTP (``GET|POST /_mock/clock``), in-process and over real HTTP: moving
it moves every rule about time at once (download URLs, idempotency retention, token lifetimes,
job delays), so 24-hour rules are tested in milliseconds."""

from __future__ import annotations

import time
import uuid

import pytest

from bulkpdf_contract.mock import Clock
from bulkpdf_contract.spec import TOKEN_PATH, load_contract

from mock_support import AUTH, FROZEN_AT, ids

DAY = load_contract().file_url_lifetime_seconds


def advance(api, seconds):
    response = api.client.post("/_mock/clock", json={"advance": seconds}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def test_reading_and_moving_the_clock(make_api):
    api = make_api(clock=Clock(frozen_at=FROZEN_AT))
    state = api.client.get("/_mock/clock", headers=AUTH).json()
    assert state == {"success": True, "now": FROZEN_AT, "iso": "2033-05-18T03:33:20Z", "frozen": True, "offset": 0.0}
    assert advance(api, 90.5)["now"] == FROZEN_AT + 90.5
    assert advance(api, 0)["offset"] == 90.5
    assert api.state.clock.now() == FROZEN_AT + 90.5
    following = make_api()
    moved = advance(following, 3600)
    assert moved["frozen"] is False and moved["offset"] == 3600


def test_download_urls_expire_when_the_clock_passes_their_lifetime(api):
    job = api.wait(api.post_job().json()["jobId"])
    url = job["fileUrls"][0]
    advance(api, DAY - 10)
    assert api.download(url).status_code == 200
    advance(api, 10)
    expired = api.download(url)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_idempotency_keys_are_forgotten_after_their_retention(api):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post_job(headers=key).json()["jobId"]
    assert api.post_job(headers=key).json()["jobId"] == first
    advance(api, load_contract().idempotency_retention_seconds)
    assert api.post_job(headers=key).json()["jobId"] != first
    assert api.state.count_jobs() == 2


def test_tokens_expire_on_the_clock(make_api):
    client_id, secret = str(uuid.uuid4()), "clock-secret"
    api = make_api(token=[], clients={client_id: secret})
    issued = api.client.post(TOKEN_PATH, data={"client_id": client_id, "client_secret": secret,
                                               "grant_type": "client_credentials"})
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert api.client.get("/_mock/clock", headers=bearer).status_code == 200
    assert api.get_job("0" * 32, headers=bearer).status_code == 404
    advance_with = api.client.post("/_mock/clock", json={"advance": load_contract().token_lifetime_seconds},
                                   headers=bearer)
    assert advance_with.status_code == 200
    expired = api.get_job("0" * 32, headers=bearer)
    assert expired.status_code == 401 and "expired" in expired.json()["reasons"][0]["message"]


@pytest.mark.parametrize("job_process", [False, True])
def test_job_delays_wait_for_the_clock_moved_over_http(make_api, job_process):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, job_delay=600, job_process=job_process)
    job_id = api.post_job({"documents": [{"docType": "Invoice", "objectIds": ids(2)}], "fileName": "held",
                           "indexFileFormat": "JSON"}).json()["jobId"]
    if not job_process:  # (the job process waits on its own copy of the clock, out of sight)
        assert clock.wait_for_sleepers(1)
        assert api.status(job_id)[0] == "Submitted"
    # An advance made before a pause began does not end it, so move the clock between polls.
    deadline = time.monotonic() + 30
    while api.status(job_id)[0] != "Completed":
        assert time.monotonic() < deadline, api.status(job_id)
        advance(api, 600)
        time.sleep(0.01)
    assert clock.now() > FROZEN_AT + 600
