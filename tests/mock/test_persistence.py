"""State on disk: restarts, interrupted jobs, storage failures, the data-directory lock."""

from __future__ import annotations

import errno
import threading
import time
import zipfile
from urllib.parse import urlsplit

import pytest

from bulkpdf_contract.mock import Clock, create_app, run_server
from bulkpdf_contract.mock.archive import Stopped, write_zip
from bulkpdf_contract.spec import load_contract

from mock_support import AUTH, FROZEN_AT, ids, seed_request

INDEX_COLUMNS = load_contract().index_columns


def first_pause_then_executing(api, clock, job_id, timeout=10.0):
    """Let a job held by a frozen clock pass its first pause; it then stays *Executing*."""
    assert clock.wait_for_sleepers(1)
    clock.advance(api.state.config.settings.job_delay)
    deadline = time.monotonic() + timeout
    while api.get_job(job_id).json()["status"] != "Executing":
        assert time.monotonic() < deadline, "the job never reached Executing"
        time.sleep(0.01)


def test_a_restarted_server_finishes_interrupted_jobs_and_serves_finished_ones(make_api, tmp_path):
    data_dir = tmp_path / "shared"
    clock = Clock(frozen_at=FROZEN_AT)
    first = make_api(data_dir=data_dir, job_delay=60, clock=clock)
    done_id = first.post_job(headers={"Idempotency-Key": "done"}).json()["jobId"]
    first.step_through(done_id, clock, 60)
    done = first.wait(done_id)
    running_id = first.post_job({**seed_request(), "fileName": "interrupted"}).json()["jobId"]
    first_pause_then_executing(first, clock, running_id)
    first.close()  # mid-job: the frozen clock holds it at its step

    second = make_api(data_dir=data_dir)
    resumed = second.wait(running_id)
    assert resumed["status"] == "Completed"
    assert resumed["fileUrls"][0].endswith("/interrupted_1.zip")
    assert len(second.zips(resumed)[0].namelist()) == 3
    again = second.get_job(done_id).json()
    assert [urlsplit(u).path for u in again["fileUrls"]] == [urlsplit(u).path for u in done["fileUrls"]]
    assert len(second.zips(again)[0].namelist()) == 3
    replay = second.post_job(headers={"Idempotency-Key": "done"})
    assert replay.json()["jobId"] == done_id  # idempotency records survive the restart


def test_a_job_interrupted_too_often_fails_with_a_reason(make_api, tmp_path):
    data_dir = tmp_path / "shared"
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(data_dir=data_dir, job_delay=60, max_job_attempts=1, clock=clock)
    job_id = api.post_job().json()["jobId"]
    first_pause_then_executing(api, clock, job_id)
    api.close()
    job = make_api(data_dir=data_dir, max_job_attempts=1).wait(job_id)
    assert job["status"] == "Error"
    assert "interrupted" in job["reasons"][0]["message"]


def test_a_full_disk_fails_the_job_with_a_reason(api, monkeypatch):
    import bulkpdf_contract.mock.jobs as jobs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jobs, "write_zip", full)
    job = api.wait(api.post_job().json()["jobId"])
    assert job["status"] == "Error"
    assert "No space left on device" in job["reasons"][0]["message"]
    assert job["fileUrls"] == []


def test_an_unusable_data_directory_gives_500_with_the_error_body(make_api, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    api = make_api(data_dir=blocker / "data")
    for response in (api.post_job(), api.get_job("x")):
        assert response.status_code == 500
        reason = response.json()["reasons"][0]
        assert reason["code"] == "SystemError" and "data directory" in reason["message"]


def test_a_data_directory_serves_one_live_server_at_a_time(tmp_path):
    first = create_app(tmp_path / "d", job_process=False)
    second = create_app(tmp_path / "d", job_process=False)
    first.state.mock.ensure_started()
    with pytest.raises(RuntimeError, match="in use by another running mock server"):
        second.state.mock.ensure_started()
    first.state.mock.close()
    second.state.mock.ensure_started()
    second.state.mock.close()


def test_a_partial_zip_is_never_left_behind(tmp_path):
    target = tmp_path / "1.zip"
    rows = [{**dict.fromkeys(INDEX_COLUMNS, "x"), "pdfFileName": f"{i}.pdf"} for i in range(3)]
    calls = iter([False, True, True])
    with pytest.raises(Stopped):
        write_zip(target, rows, (b"%PDF" for _ in rows), None, (2024, 1, 1, 0, 0, 0), should_stop=lambda: next(calls))
    assert list(tmp_path.iterdir()) == []
    write_zip(target, rows, (b"%PDF" for _ in rows), "JSON", (2024, 1, 1, 0, 0, 0))
    assert zipfile.ZipFile(target).namelist() == ["index.json", "0.pdf", "1.pdf", "2.pdf"]
    assert [p.name for p in tmp_path.iterdir()] == ["1.zip"]


def test_run_server_starts_fast_and_stops_its_threads(tmp_path):
    import httpx

    before = set(threading.enumerate())
    started = time.perf_counter()
    with run_server(data_dir=tmp_path / "d") as server:
        elapsed = time.perf_counter() - started
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.post(server.url + "/v1/operations/bulk-pdf", json=seed_request(), headers=AUTH).status_code == 200
    assert elapsed < 1.0
    for thread in set(threading.enumerate()) - before:  # stopped, or stopping: join, do not guess
        thread.join(10)
    assert {t for t in threading.enumerate() if t.is_alive()} <= before


def test_temporary_data_directories_are_removed_at_shutdown():
    with run_server() as server:
        data_dir = server.data_dir
        assert data_dir.is_dir()
    assert not data_dir.exists()


@pytest.mark.slow
def test_documents_in_a_big_job_are_streamed(make_api):
    """5,000 documents, 5 ZIPs: each ZIP holds its own 1,000 documents and index."""
    api = make_api()
    body = {**seed_request(), "documents": [{"docType": "DebitMemo", "objectIds": ids(5000)}]}
    job = api.wait(api.post_job(body).json()["jobId"], timeout=60)
    assert len(job["fileUrls"]) == 5
    assert [len(z.namelist()) for z in api.zips(job)] == [1001] * 5


def test_kill_9_mid_job_then_restart_finishes_the_job(tmp_path):
    """A ``bulkpdf serve`` process killed with SIGKILL loses nothing: the job completes after a restart."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    def serve(job_delay):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "bulkpdf_contract.cli", "serve", "--port", str(port),
             "--data-dir", str(tmp_path / "d"), "--job-delay", str(job_delay)],
            stderr=subprocess.DEVNULL,
        )
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=10)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.get("/_mock/capabilities")
                return proc, client
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    proc, client = serve(job_delay=0.5)
    try:
        job_id = client.post("/v1/operations/bulk-pdf", json=seed_request(), headers={"Idempotency-Key": "k9"}).json()["jobId"]
        deadline = time.monotonic() + 10
        while client.get(f"/v1/operations/bulk-pdf/{job_id}").json()["status"] != "Executing":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        client.close()
    proc, client = serve(job_delay=0)
    try:
        deadline = time.monotonic() + 20
        while (job := client.get(f"/v1/operations/bulk-pdf/{job_id}").json())["status"] in ("Submitted", "Executing"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert job["status"] == "Completed"
        assert httpx.get(job["fileUrls"][0]).status_code == 200
        replay = client.post("/v1/operations/bulk-pdf", json=seed_request(), headers={"Idempotency-Key": "k9"})
        assert replay.json()["jobId"] == job_id
    finally:
        client.close()
        proc.terminate()
        proc.wait(20)
