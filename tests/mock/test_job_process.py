"""The default job runner: a lower-priority child process (the other tests use threads)."""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx
import pytest

from bulkpdf_contract.mock import run_server

from mock_support import AUTH, FINAL, ids, seed_request

COLLECTION = "/v1/operations/bulk-pdf"


def wait(client: httpx.Client, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (job := client.get(f"{COLLECTION}/{job_id}").json())["status"] not in FINAL:
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


@pytest.fixture
def served(tmp_path):
    with run_server(data_dir=tmp_path / "d", job_delay=0.2) as server, \
            httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        yield server, client


def test_jobs_run_in_a_child_process_and_see_documents_seeded_over_http(served):
    server, client = served
    assert server.state.runner.__class__.__name__ == "ProcessRunner"
    job = wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])
    assert job["status"] == "Completed"
    archive = httpx.get(job["fileUrls"][0])
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"

    one, two = ids(2)
    client.post("/_mock/documents", json=[{"id": one, "archived": True}, {"id": two, "pdfFileName": "two.pdf"}])
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": [one, two]}], "ignoreArchivedFiles": True}
    job = wait(client, client.post(COLLECTION, json=body).json()["jobId"])
    assert job["skippedDocuments"] == [{"docType": "Invoice", "objectIds": [one]}]
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(job["fileUrls"][0]).content))
    assert archive.namelist() == ["index.json", "two.pdf"]
    assert [row["pdfFileName"] for row in json.loads(archive.read("index.json"))["_metadata"]] == ["two.pdf"]


def test_an_unwritable_output_directory_fails_the_job_with_a_reason(tmp_path):
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    (data_dir / "files").write_text("a file where the ZIP directory should be")
    with run_server(data_dir=data_dir) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        job = wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])
    assert job["status"] == "Error"
    assert job["reasons"][0]["message"].startswith("the ZIP files could not be written")


def test_stopping_mid_job_and_restarting_resumes_the_job(tmp_path):
    data_dir = tmp_path / "d"
    with run_server(data_dir=data_dir, job_delay=0.3) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        job_id = client.post(COLLECTION, json=seed_request()).json()["jobId"]
        deadline = time.monotonic() + 20
        while client.get(f"{COLLECTION}/{job_id}").json()["status"] != "Executing":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    with run_server(data_dir=data_dir) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        assert wait(client, job_id)["status"] == "Completed"


def test_a_killed_job_process_is_replaced_and_no_job_is_lost(served):
    import os
    import signal

    server, client = served
    first = client.post(COLLECTION, json=seed_request()).json()["jobId"]
    wait(client, first)
    os.kill(server.state.runner._process.pid, signal.SIGKILL)
    server.state.runner._process.wait(10)
    second = client.post(COLLECTION, json=seed_request()).json()["jobId"]
    assert wait(client, second)["status"] == "Completed"
