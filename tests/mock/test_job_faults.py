"""Job-level faults: the job a matching POST creates stays Submitted/Executing for its seconds of
the mock's clock, ends Error with the rule's reasons, or ends PartialComplete with documents
skipped; in threads and in the job process, on a frozen clock (nothing waits real seconds)."""

from __future__ import annotations

import sqlite3
import time

from bulkpdf_contract.mock import Clock
from bulkpdf_contract.mock.storage import Storage
from bulkpdf_contract.spec import COLLECTION_PATH
from bulkpdf_contract.validators import validate_response

from mock_support import FINAL, FROZEN_AT, ids

POST = {"method": "POST", "path": COLLECTION_PATH}


def body(n: int = 5, name: str = "job-faults") -> dict:
    return {"documents": [{"docType": "Invoice", "objectIds": ids(n)}], "fileName": name, "indexFileFormat": "JSON"}


def wait_for(api, job_id: str, status: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while (job := api.get_job(job_id).json())["status"] != status:
        assert job["status"] not in FINAL or status in FINAL, f"ended {job['status']}, expected {status}"
        assert time.monotonic() < deadline, f"still {job['status']}, expected {status}"
        time.sleep(0.01)
    return job


def test_a_job_held_submitted_then_executing_moves_only_with_the_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, faults=[{**POST, "action": "job", "submittedFor": 60, "executingFor": 120}])
    job_id = api.post_job(body()).json()["jobId"]
    assert clock.wait_for_sleepers(1)
    assert api.status(job_id) == ("Submitted", "JobCreated")
    clock.advance(60)
    wait_for(api, job_id, "Executing")
    assert clock.wait_for_sleepers(1) and api.status(job_id)[0] == "Executing"
    clock.advance(120)
    job = wait_for(api, job_id, "Completed")
    assert len(job["fileUrls"]) == 1 and job["skippedDocuments"] == []


def test_a_job_ended_error_carries_the_rules_reasons_and_no_files(make_api):
    reasons = [{"code": "51580060", "message": "the PDF service failed"}]
    api = make_api(faults=[{**POST, "nth": 1, "action": "job", "end": "Error", "reasons": reasons},
                           {**POST, "nth": 2, "action": "job", "end": "Error"}])
    first, second, third = (api.post_job(body()).json()["jobId"] for _ in range(3))
    failed = api.wait(first)
    assert (failed["status"], failed["reasons"], failed["fileUrls"]) == ("Error", reasons, [])
    answer = api.get_job(first)
    assert validate_response(200, answer.content, answer.headers, method="GET") == []
    default = api.wait(second)
    assert default["status"] == "Error" and default["reasons"][0]["code"] == "51580060"
    assert api.wait(third)["status"] == "Completed"


def test_a_partial_complete_job_skips_the_last_documents(make_api):
    api = make_api(faults=[{**POST, "action": "job", "end": "PartialComplete", "skip": 2}])
    job = api.wait(api.post_job(body(5)).json()["jobId"])
    assert job["status"] == "PartialComplete" and job["failedDocuments"] == []
    assert job["skippedDocuments"] == [{"docType": "Invoice", "objectIds": ids(5)[3:]}]
    assert "2 document(s) were skipped" in job["reasons"][0]["message"]
    answer = api.get_job(job["jobId"])
    assert validate_response(200, answer.content, answer.headers, method="GET") == []
    (archive,) = api.zips(job)
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 3


def test_partial_complete_always_exports_one_document(make_api):
    api = make_api(faults=[{**POST, "action": "job", "end": "PartialComplete", "skip": 50}])
    job = api.wait(api.post_job(body(3)).json()["jobId"])
    assert job["status"] == "PartialComplete" and job["skippedDocuments"][0]["objectIds"] == ids(3)[1:]
    assert len(job["fileUrls"]) == 1


def test_job_faults_reach_the_job_process_and_follow_its_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, job_process=True, faults=[
        {**POST, "nth": 1, "action": "job", "executingFor": 30, "end": "Error"},
        {**POST, "nth": 2, "action": "job", "end": "PartialComplete", "skip": 1},
    ])
    held, partial = (api.post_job(body(3, f"process-{n}")).json()["jobId"] for n in range(2))
    assert api.wait(partial)["status"] == "PartialComplete"
    wait_for(api, held, "Executing")
    # The child's wait is out of sight and an advance before it began does not end it: move
    # the clock between polls until the job ends.
    deadline = time.monotonic() + 30
    while (job := api.get_job(held).json())["status"] == "Executing":
        assert time.monotonic() < deadline
        clock.advance(30)
        time.sleep(0.01)
    assert job["status"] == "Error" and job["reasons"][0]["code"] == "51580060"


def test_an_older_database_gets_the_fault_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT, file_name TEXT NOT NULL,"
                     " index_format TEXT NOT NULL, generate_missing INTEGER NOT NULL, ignore_archived INTEGER NOT NULL,"
                     " persist_index INTEGER NOT NULL, status TEXT NOT NULL, step_status TEXT NOT NULL,"
                     " created_on REAL NOT NULL, created_by TEXT NOT NULL, documents BLOB NOT NULL, skipped BLOB,"
                     " failed BLOB, reasons BLOB, attempts INTEGER NOT NULL DEFAULT 0, finished_on REAL)")
        conn.execute("INSERT INTO jobs (id, tenant, file_name, index_format, generate_missing, ignore_archived,"
                     " persist_index, status, step_status, created_on, created_by, documents) VALUES"
                     " ('j', 't', 'f', 'JSON', 0, 0, 1, 'Completed', 'PostProcessing', 0, 'u', '[]')")
    storage = Storage(path)
    try:
        job = storage.job("j", documents=True)
        assert "fault" in job and job["fault"] is None and job["status"] == "Completed"
    finally:
        storage.close()
