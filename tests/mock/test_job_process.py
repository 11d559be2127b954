"""The default job runner: a lower-priority child process (the other tests use threads)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import httpx
import orjson
import pytest

from bulkpdf_contract.mock import Clock, create_app, run_server
from bulkpdf_contract.mock.job_process import WorkerSettings
from bulkpdf_contract.mock.jobs import JobOptions, JobRunner
from bulkpdf_contract.mock.server import serve_app
from bulkpdf_contract.mock.state import DB_NAME
from bulkpdf_contract.mock.storage import Storage
from bulkpdf_contract.mock.world import World

from mock_support import AUTH, FINAL, FROZEN_AT, AsgiClient, ids, job_row, seed_request

COLLECTION = "/v1/operations/bulk-pdf"


def wait(client: httpx.Client, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (job := client.get(f"{COLLECTION}/{job_id}").json())["status"] not in FINAL:
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


def advance_until(client: httpx.Client, clock: Clock, job_id: str, statuses, seconds: float) -> dict:
    """Advance the server's clock by ``seconds`` between polls until the job's status is one of
    ``statuses``. (The child's waits cannot be seen from here, and an advance made before a wait
    began does not end it, so this advances again after each poll.)"""
    deadline = time.monotonic() + 30
    while (job := client.get(f"{COLLECTION}/{job_id}").json())["status"] not in statuses:
        assert time.monotonic() < deadline, job
        clock.advance(seconds)
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
    clock = Clock(frozen_at=FROZEN_AT)
    with run_server(data_dir=data_dir, job_delay=60, clock=clock) as server, \
            httpx.Client(base_url=server.url, headers=AUTH) as client:
        job_id = client.post(COLLECTION, json=seed_request()).json()["jobId"]
        advance_until(client, clock, job_id, ["Executing"], 60)  # and held there by the frozen clock
    with run_server(data_dir=data_dir) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        assert wait(client, job_id)["status"] == "Completed"


def reading_threads(others: frozenset[threading.Thread] = frozenset()) -> list[threading.Thread]:
    """The live threads that read a job process's progress, but ``others`` (started before the
    test: under pytest-xdist another file's server may still be running on this worker)."""
    return [t for t in threading.enumerate()
            if t.name == "bulkpdf-mock-jobs-out" and t.is_alive() and t not in others]


@pytest.mark.skipif(os.name == "nt", reason="a loop watches the job process's pipe only on POSIX")
def test_while_it_serves_the_loop_reads_the_job_process_and_a_thread_before_and_after(tmp_path):
    """No thread reads the child's progress while the server serves (its loop does), not after a
    killed child is replaced either; without a lifespan (in-process) a thread reads it."""
    others = frozenset(reading_threads())
    with run_server(data_dir=tmp_path / "d") as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        runner = server.state.runner
        assert wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])["status"] == "Completed"
        assert runner._on_loop is not None and reading_threads(others) == []
        os.kill(runner._process.pid, signal.SIGKILL)
        runner._process.wait(10)
        assert wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])["status"] == "Completed"
        assert runner._on_loop[1] == runner._process.stdout.fileno() and reading_threads(others) == []
    assert reading_threads(others) == []  # the one that read while it stopped has ended too

    app = create_app(tmp_path / "e")
    client = AsgiClient(app)
    try:
        job_id = client.post(COLLECTION, json=seed_request(), headers=AUTH).json()["jobId"]
        deadline = time.monotonic() + 30
        while client.get(f"{COLLECTION}/{job_id}", headers=AUTH).json()["status"] not in FINAL:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert app.state.mock.runner._on_loop is None and len(reading_threads(others)) == 1
    finally:
        client.close()
        app.state.mock.close()


@pytest.mark.skipif(os.name == "nt", reason="a loop watches the job process's pipe only on POSIX")
@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_closing_the_state_of_a_serving_app_takes_the_pipe_off_its_loop(tmp_path, loop_kind):
    """``state.close()`` called on the loop while the server serves (not through the lifespan):
    the loop stops watching the child's pipe before it closes. A stale watch would hide the
    next file that gets the pipe's number from the loop (a connection that never reads)."""
    others = frozenset(reading_threads())
    server = serve_app(create_app(tmp_path / "d"), loop=loop_kind)
    try:
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            runner = server.state.runner
            assert wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])["status"] == "Completed"
            loop, fd, _ = runner._on_loop

            async def close_on_the_loop():  # as a handler would: the loop sees no EOF meanwhile
                server.state.close()

            asyncio.run_coroutine_threadsafe(close_on_the_loop(), loop).result(60)
            with pytest.raises(OSError):
                os.fstat(fd)  # closed with the child, and free
            read_end, write_end = os.pipe()
            readable = threading.Event()
            try:
                os.dup2(read_end, fd)  # a file that gets the pipe's number, watched by the loop
                loop.call_soon_threadsafe(loop.add_reader, fd, readable.set)
                os.write(write_end, b"for the new file")
                assert readable.wait(5)  # a stale watch of the old pipe would hide it from the loop
            finally:
                loop.call_soon_threadsafe(loop.remove_reader, fd)
                asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(10)
                for end in (fd, read_end, write_end):
                    os.close(end)
            assert runner._on_loop is None and reading_threads(others) == []
    finally:
        server.stop()


def test_stopping_while_jobs_finish_loses_none_of_their_progress(tmp_path):
    """Progress is read and committed on the server's loop while it serves, by a reading thread
    after it: at shutdown none is lost between the two, and a job the database calls Completed
    has its ZIPs."""
    data_dir = tmp_path / "d"
    with run_server(data_dir=data_dir) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        assert server.state.runner.commits is server.state.commits
        jobs = [client.post(COLLECTION, json=seed_request()).json()["jobId"] for _ in range(20)]
        assert wait(client, jobs[0])["status"] == "Completed"  # through the loop
    storage = Storage(data_dir / DB_NAME)
    try:
        statuses = {row["id"]: row["status"] for row in storage.query("SELECT id, status FROM jobs")}
        assert set(statuses) == set(jobs)
        assert all(storage.files(job) for job, status in statuses.items() if status == "Completed")
    finally:
        storage.close()
    with run_server(data_dir=data_dir) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        for job_id in jobs:
            job = wait(client, job_id)
            assert job["status"] == "Completed" and job["fileUrls"], job
        assert httpx.get(job["fileUrls"][0]).status_code == 200


def test_a_killed_job_process_is_replaced_and_no_job_is_lost(served):
    server, client = served
    first = client.post(COLLECTION, json=seed_request()).json()["jobId"]
    wait(client, first)
    os.kill(server.state.runner._process.pid, signal.SIGKILL)
    server.state.runner._process.wait(10)
    second = client.post(COLLECTION, json=seed_request()).json()["jobId"]
    assert wait(client, second)["status"] == "Completed"


def test_a_frozen_clock_holds_the_child_process_jobs_until_advanced(tmp_path):
    """The child keeps the server's time: its job_delay pauses end when the server's clock is
    advanced (never by themselves), its finished_on is the server's frozen time, and the URLs it
    issues expire on the server's clock."""
    clock = Clock(frozen_at=FROZEN_AT)
    delay = 0.25  # a following clock would end each pause a quarter of a second later
    with run_server(data_dir=tmp_path / "d", job_delay=delay, clock=clock) as server, \
            httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        job_id = client.post(COLLECTION, json=seed_request()).json()["jobId"]
        held = advance_until(client, clock, job_id, ["Executing"], delay)
        for _ in range(50):  # 1 s without an advance: four pauses of a following clock
            job = client.get(f"{COLLECTION}/{job_id}").json()
            assert (job["status"], job["stepStatus"]) == (held["status"], held["stepStatus"])
            time.sleep(0.02)
        done = advance_until(client, clock, job_id, FINAL, delay)
        assert done["status"] == "Completed"
        finished_on = server.state.storage.job(job_id)["finished_on"]
        assert FROZEN_AT < finished_on <= clock.now() and (finished_on - FROZEN_AT) % delay == 0
        assert httpx.get(done["fileUrls"][0]).status_code == 200
        clock.advance(server.state.config.settings.file_url_ttl)
        assert httpx.get(done["fileUrls"][0]).status_code == 403


def test_a_job_process_starts_from_the_servers_clock_even_after_a_crash(tmp_path):
    """No clock line reaches a child started after the change: it reads the time in its settings."""
    clock = Clock(frozen_at=FROZEN_AT)
    clock.advance(1000)
    with run_server(data_dir=tmp_path / "d", clock=clock) as server, \
            httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        state = server.state
        first = wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])["jobId"]
        assert state.storage.job(first)["finished_on"] == FROZEN_AT + 1000
        os.kill(state.runner._process.pid, signal.SIGKILL)
        state.runner._process.wait(10)
        clock.advance(500)  # the dead child cannot hear this
        second = wait(client, client.post(COLLECTION, json=seed_request()).json()["jobId"])["jobId"]
        assert state.storage.job(second)["finished_on"] == FROZEN_AT + 1500


HEAVY = ("starlette", "uvicorn", "anyio", "httpx", "h11", "jsonschema", "jsonschema_rs", "yaml", "hypothesis",
         "bulkpdf_contract.validators", "bulkpdf_contract.spec")


def test_the_job_process_speaks_its_protocol_and_imports_no_web_stack(tmp_path):
    """The child as ProcessRunner starts it: settings, a clock line, a job ID on stdin; the job's
    progress on stdout, with the clock's time; Starlette, uvicorn and the validators never loaded."""
    db = tmp_path / "mock.sqlite3"

    def add_job(job_id: str) -> None:  # what the server does before it sends the ID
        storage = Storage(db)
        with storage.write() as conn:
            Storage.insert_job(conn, job_row(job_id, [["Invoice", ids(1)[0]]], file_name="out", persist_index=1))
        storage.close()

    settings = WorkerSettings(db_path=str(db), data_dir=str(tmp_path), jobs=JobOptions(1000, 100.0),
                              open_world=True, clock={"frozen_at": FROZEN_AT, "offset": 500.0})
    code = (
        "import sys\n"
        "from bulkpdf_contract.mock.job_process import child_main\n"
        "code = child_main()\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(h for h in heavy if h in sys.modules), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    add_job("j1")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)

    def finished(job_id: str) -> dict:
        while (message := orjson.loads(child.stdout.readline() or b'{"op": "eof"}'))["op"] == "update":
            pass
        assert message["op"] == "finish" and message["job"] == job_id, message
        return message

    child.stdin.write(settings.to_line())  # j1, already in the database, is resumed at start
    child.stdin.flush()
    first = finished("j1")  # at the time in the settings
    child.stdin.write(orjson.dumps({"op": "clock", "state": {"frozen_at": FROZEN_AT, "offset": 800.0}}) + b"\n")
    add_job("j2")
    child.stdin.write(b"j2\n")
    child.stdin.flush()
    second = finished("j2")  # at the time of the clock line
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0 and out == b""
    assert first["values"]["status"] == second["values"]["status"] == "Completed"
    assert first["values"]["finished_on"] == FROZEN_AT + 500
    assert [f["expires_at"] for f in first["files"]] == [FROZEN_AT + 600]
    assert second["values"]["finished_on"] == FROZEN_AT + 800
    assert err.decode().strip().splitlines()[-1] == "[]"


def _export(storage: Storage, runner, job_id: str, object_id: str) -> list[str]:
    """Run one job of ``object_id`` in ``runner`` (as the job process does); its ZIP's names."""
    with storage.write() as conn:
        Storage.insert_job(conn, job_row(job_id, [("Invoice", object_id)]))
    runner.run(job_id)
    assert storage.job(job_id)["status"] == "Completed"
    (file,) = storage.files(job_id)
    return zipfile.ZipFile(runner.files_dir.parent / file["path"]).namelist()


def test_the_job_process_reads_the_seeded_documents_only_when_they_changed(tmp_path, monkeypatch):
    """Every job sees the documents seeded before it started, but reads and parses them only
    after a change (for every job they took ~11 ms with 1,000 seeded)."""
    storage = Storage(tmp_path / DB_NAME)
    reads = []
    read = storage.seeded_documents
    monkeypatch.setattr(storage, "seeded_documents", lambda: reads.append(1) or read())
    runner = JobRunner(storage, World(), tmp_path, JobOptions(documents_per_zip=100, file_url_ttl=3600),
                       refresh_world=True)
    (doc,) = ids(1)
    try:
        storage.put_documents([{"id": doc, "pdfFileName": "first.pdf"}])
        assert [_export(storage, runner, f"j{n}", doc) for n in range(3)] == [["first.pdf"]] * 3
        assert len(reads) == 1
        storage.put_documents([{"id": doc, "pdfFileName": "second.pdf"}])  # as the server does when seeded
        assert [_export(storage, runner, f"k{n}", doc) for n in range(3)] == [["second.pdf"]] * 3
        assert len(reads) == 2
        storage.delete_documents([doc])
        assert _export(storage, runner, "l", doc) != ["second.pdf"]  # a default document again
        assert len(reads) == 3
    finally:
        storage.close()


def test_documents_reseeded_over_http_reach_the_next_job_in_the_job_process(served):
    server, client = served
    (doc,) = ids(1, start=77)
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": [doc]}], "persistIndexFile": False}
    names = []
    for pdf_name in ("first.pdf", "second.pdf", None):
        if pdf_name is None:
            assert client.request("DELETE", "/_mock/documents", json=[doc]).json()["removed"] == 1
        else:
            assert client.post("/_mock/documents", json=[{"id": doc, "pdfFileName": pdf_name}]).status_code == 200
        job = wait(client, client.post(COLLECTION, json=body).json()["jobId"])
        names.append(zipfile.ZipFile(io.BytesIO(httpx.get(job["fileUrls"][0]).content)).namelist())
    assert names[:2] == [["first.pdf"], ["second.pdf"]] and names[2] not in (["first.pdf"], ["second.pdf"])
