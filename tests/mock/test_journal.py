"""The request journal, in-process and over real HTTP: every request in order, its headers with
the token masked, the body's size and digest, the validators' findings, the status and timing,
the job it touched, the faults that acted; bounded, cleared, read since a sequence number."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from bulkpdf_contract.mock import DEFAULT_TOKEN
from bulkpdf_contract.mock.journal import Entries, Entry, Journal, mask_header, token_tag
from bulkpdf_contract.spec import COLLECTION_PATH

from mock_support import AUTH, ids


def body(n: int = 2, name: str = "journal") -> dict:
    return {"documents": [{"docType": "Invoice", "objectIds": ids(n)}], "fileName": name, "indexFileFormat": "JSON"}


def entries(api, **params) -> Entries:
    response = api.client.get("/_mock/journal", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return Entries(Entry.from_json(e) for e in response.json()["entries"])


def test_a_job_s_requests_in_order_with_kinds_statuses_and_the_job(api):
    key = {"Idempotency-Key": "journal-1"}
    job_id = api.post_job(body(), headers=key).json()["jobId"]
    api.post_job(body(), headers=key)  # a replay: the same job, not created again
    job = api.wait(job_id)
    api.download(job["fileUrls"][0])
    api.get_job("f" * 32)
    seen = entries(api)
    assert [e.seq for e in seen] == list(range(1, len(seen) + 1))
    assert [(e.kind, e.method, e.status) for e in seen[:2]] == [("submit", "POST", 200)] * 2
    assert [e.job_created for e in seen[:2]] == [True, False] and {seen[0].job, seen[1].job} == {job_id}
    polls = seen.polls(job_id)
    assert polls and all(e.status == 200 for e in polls) and polls[-1].job_status == "Completed"
    (download,) = seen.downloads()
    assert download.job == job_id and download.status == 200 and download.findings is None
    assert download.response_bytes == api.state.storage.files(job_id)[0]["size"]
    assert (seen[-1].kind, seen[-1].status, seen[-1].job) == ("poll", 404, None)
    assert seen.jobs_created() == [job_id] and len(seen.posts()) == 2
    assert all(e.outcome == "answered" and e.duration >= 0 for e in seen)
    assert all(a.received <= b.received for a, b in zip(seen, seen[1:]))


def test_the_token_is_masked_and_nothing_else_is_touched(api):
    api.post_job(body(), headers={"Zuora-Track-Id": "run-7", "Cookie": "session=secret"})
    (entry,) = entries(api)
    assert entry.header("authorization") == f"Bearer ****#{token_tag(DEFAULT_TOKEN)}"
    assert entry.header("cookie") == "****" and entry.header("zuora-track-id") == "run-7"
    raw = api.client.get("/_mock/journal", headers=AUTH).text
    assert DEFAULT_TOKEN not in raw and "secret" not in raw
    assert token_tag(DEFAULT_TOKEN) != token_tag("another-token")
    assert mask_header("authorization", "Basic") == "****"


def test_body_size_and_digest_are_of_the_bytes_as_received(api):
    raw = json.dumps(body(40)).encode()
    packed = gzip.compress(raw)
    api.client.post(COLLECTION_PATH, content=packed, headers={
        **AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    api.get_job("0" * 32)
    submit, poll = entries(api)
    assert (submit.body_bytes, submit.body_sha256) == (len(packed), hashlib.sha256(packed).hexdigest())
    assert submit.status == 200 and submit.findings == []
    assert (poll.body_bytes, poll.body_sha256) == (0, None)


def test_findings_of_invalid_requests_whoever_answered_them(make_api):
    api = make_api(faults=[{"name": "busy", "method": "POST", "path": COLLECTION_PATH, "nth": 1,
                            "action": "respond", "status": 429}])
    invalid = {**body(), "fileName": "x" * 33}
    api.post_job(invalid)  # answered by the fault: the journal validates it itself
    api.post_job(invalid)  # answered 400 by the handler, whose findings the journal keeps
    api.client.post(COLLECTION_PATH, content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    api.client.post(COLLECTION_PATH, content=b"{}", headers=AUTH)  # no Content-Type: 415
    api.get_job("0" * 32, headers={"Idempotency-Key": "not-on-get"})
    faulted, refused, broken, untyped, poll = entries(api)
    assert faulted.status == 429 and faulted.faults == ["busy"]
    assert [f["rule"] for f in faulted.findings] == [f["rule"] for f in refused.findings] == ["schema.maxLength"]
    assert refused.status == 400 and refused.faults == []
    assert broken.status == 400 and [f["rule"] for f in broken.findings] == ["request.body"]
    assert "not well-formed JSON" in broken.findings[0]["message"]
    assert untyped.status == 415 and "Content-Type" in untyped.findings[0]["message"]
    assert [f["rule"] for f in poll.findings] == ["idempotency-key.method"]
    assert entries(api).with_findings() == [faulted, refused, broken, untyped, poll]


def test_a_body_over_the_limit_is_counted_not_kept(make_api):
    api = make_api(max_body_bytes=1000)
    api.client.post(COLLECTION_PATH, content=b" " * 5000, headers={**AUTH, "Content-Type": "application/json"})
    (declared,) = entries(api)
    assert declared.status == 413 and declared.findings[0]["rule"] == "request.body"
    assert "larger than 1000 bytes" in declared.findings[0]["message"]


@pytest.mark.parametrize("make_api", ["http"], indirect=True)
def test_a_streamed_body_over_the_limit_is_counted_not_kept(make_api):
    api = make_api(max_body_bytes=1000)
    api.client.post(COLLECTION_PATH, content=iter([b" " * 800, b" " * 800]),
                    headers={**AUTH, "Content-Type": "application/json"})
    (streamed,) = entries(api)
    assert streamed.status == 413 and streamed.body_bytes >= 1000
    assert streamed.findings[0]["rule"] == "request.body"


def test_faults_and_outcomes_are_recorded(make_api):
    api = make_api(faults=[{"name": "lost", "method": "POST", "path": COLLECTION_PATH, "nth": 1,
                            "action": "disconnect"}])
    with pytest.raises(Exception):
        api.post_job(body(), headers={"Idempotency-Key": "journal-lost"})
    (lost,) = entries(api)
    assert (lost.outcome, lost.status, lost.faults, lost.job_created) == ("dropped", None, ["lost"], True)


def test_since_limit_and_clear_keep_sequence_numbers_growing(api):
    for _ in range(4):
        api.get_job("0" * 32)
    assert [e.seq for e in entries(api, since=2)] == [3, 4]
    assert [e.seq for e in entries(api, since=1, limit=2)] == [2, 3]
    read = api.client.get("/_mock/journal", params={"limit": 0}, headers=AUTH).json()
    assert read["entries"] == [] and read["next"] == 5 and read["dropped"] == 0
    cleared = api.client.request("DELETE", "/_mock/journal", headers=AUTH).json()
    assert cleared == {"success": True, "removed": 4, "next": 5}
    api.get_job("0" * 32)
    assert [e.seq for e in entries(api)] == [5]
    for bad in ({"since": "-1"}, {"limit": "x"}, {"since": "9" * 30}):
        refused = api.client.get("/_mock/journal", params=bad, headers=AUTH)
        assert refused.status_code == 400 and refused.json()["reasons"][0]["code"] == "51580020"
    assert api.client.get("/_mock/journal").status_code == 401


def test_the_journal_is_bounded_and_can_be_off(make_api):
    api = make_api(journal_size=3)
    for _ in range(5):
        api.get_job("0" * 32)
    read = api.client.get("/_mock/journal", headers=AUTH).json()
    assert [e["seq"] for e in read["entries"]] == [3, 4, 5] and read["dropped"] == 2 and read["size"] == 3
    off = make_api(journal_size=0)
    off.get_job("0" * 32)
    assert off.client.get("/_mock/journal", headers=AUTH).json()["entries"] == []
    with pytest.raises(ValueError, match="journal_size"):
        make_api(journal_size=-1)


def test_the_harness_itself_is_not_journaled(api):
    api.client.get("/_mock/journal", headers=AUTH)
    api.client.get("/_mock/faults", headers=AUTH)
    api.client.get("/_mock/clock", headers=AUTH)
    api.client.get("/_mock/capabilities", headers=AUTH)
    assert [(e.kind, e.path) for e in entries(api)] == [("control", "/_mock/capabilities")]


def test_entries_round_trip_through_json():
    journal = Journal(10)
    entry = journal.begin("poll", "GET", "/v1/operations/bulk-pdf/1", "a=b",
                          [(b"Authorization", b"Bearer t"), (b"X", b"y")], 5.0)
    entry.findings, entry.status, entry.faults = [{"rule": "r", "pointer": "", "message": "m"}], 200, ["f"]
    assert Entry.from_json(json.loads(json.dumps(entry.to_json()))) == entry
    assert set(entry.to_json()) >= {"seq", "kind", "bodyBytes", "bodySha256", "jobCreated", "retryAfter", "outcome"}
    assert entry.describe() == f"#1 GET /v1/operations/bulk-pdf/1 -> 200 at {entry.received:.3f} s [fault f]"
