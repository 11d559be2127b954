"""Faults: ``kill -9`` mid-job and mid-request, a full disk, an unwritable data directory.

The full disk is a real one: a 1 MiB tmpfs mounted on the data directory (the tests run as root
in CI; where ``mount`` is not permitted that test is skipped). Running as root, ``chmod`` does not
stop writes, so an unwritable directory is made with a regular file where a directory must be,
and a too-small disk is also simulated portably with ``RLIMIT_FSIZE`` in the server process.
"""

from __future__ import annotations

import http.client
import math
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from reliability_support import (
    AUTH,
    assert_zuora_error,
    count_jobs,
    download_all,
    figure,
    file_size_limit,
    job_body,
    scaled,
    start_serve,
)

from bulkpdf_contract.spec import COLLECTION_PATH

KILL_DOCS = scaled(3000, 10000)


def _post(client: httpx.Client, body: dict, key: str | None = None) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return client.post(COLLECTION_PATH, json=body, headers=headers)


def _job_files(data_dir: Path, job_id: str, suffix: str) -> list[Path]:
    """The job's files wherever the mock keeps them (its layout is not part of the contract)."""
    return [p for p in data_dir.rglob(f"*{suffix}")
            if p.is_file() and job_id in str(p.relative_to(data_dir)) and "sqlite" not in p.name]


def _job_row(data_dir: Path, job_id: str) -> tuple[str, str, int]:
    conn = sqlite3.connect(data_dir / "mock.sqlite3")
    try:
        return conn.execute("SELECT status, step_status, attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()


@pytest.mark.timeout(scaled(120, 600))
def test_kill_9_during_a_big_job_then_restart_finishes_it(serve, tmp_path):
    data = tmp_path / "data"
    server = serve(data)
    with server.client() as client:
        small = _post(client, job_body(5, "before-crash"), "key-before-crash")
        assert small.status_code == 200, small.text
        small_job = client.wait(small.json()["jobId"], 30)
        small_bytes = [httpx.get(url).content for url in small_job["fileUrls"]]
        big = _post(client, job_body(KILL_DOCS, "crash", start=100_000), "key-big-job")
        assert big.status_code == 200, big.text
        big_id = big.json()["jobId"]
        deadline = time.monotonic() + 60
        while not _job_files(data, big_id, ".zip"):  # mid-job: the first ZIP is written, others are not
            assert time.monotonic() < deadline, "the job never started writing ZIPs"
            time.sleep(0.01)
    server.kill9()
    status, step, attempts = _job_row(data, big_id)
    assert status == "Executing", f"the job ended ({status}) before the kill; make it bigger"
    on_disk = sorted(p.name for p in _job_files(data, big_id, ""))
    jobs_before = count_jobs(data)

    began = time.monotonic()
    server = serve(data)
    with server.client() as client:
        job = client.wait(big_id, scaled(90, 500))
        recovered_in = time.monotonic() - began
        assert job["status"] == "Completed" or (job["status"] == "Error" and job["reasons"]), job
        if job["status"] == "Completed":
            zips = download_all(job)
            assert len(zips) == math.ceil(KILL_DOCS / 1000)
            assert sum(len(rows) for _, rows in zips) == KILL_DOCS
            assert [url.rsplit("/", 1)[1] for url in job["fileUrls"]] == [
                f"crash_{n}.zip" for n in range(1, len(zips) + 1)]
        assert not list(data.rglob("*.part")), "a partial ZIP was left behind"
        assert count_jobs(data) == jobs_before, "a job was lost or duplicated"
        # the idempotency records survived: both keys replay their original answers
        assert _post(client, job_body(5, "before-crash"), "key-before-crash").content == small.content
        assert _post(client, job_body(KILL_DOCS, "crash", start=100_000), "key-big-job").content == big.content
        assert count_jobs(data) == jobs_before
        again = client.wait(small_job["jobId"], 5)
        assert again["status"] == "Completed"
        assert [httpx.get(url).content for url in again["fileUrls"]] == small_bytes
    figure(f"kill -9: job of {KILL_DOCS} docs",
           f"killed after step {step} (attempt {attempts}) with {on_disk}; after restart "
           f"{job['status']} in {recovered_in:.1f} s, {jobs_before} jobs before and after, replays intact")


@pytest.mark.timeout(scaled(120, 300))
def test_a_job_killed_on_every_attempt_is_marked_failed_with_a_reason(serve, tmp_path):
    data = tmp_path / "data"
    server = serve(data, "--job-delay", "0.3")
    with server.client() as client:
        response = _post(client, job_body(50, "unlucky"), "key-unlucky")
        job_id = response.json()["jobId"]
    for attempt in range(1, 4):
        deadline = time.monotonic() + 30
        while _job_row(data, job_id)[2] < attempt:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        server.kill9()
        server = serve(data, "--job-delay", "0.3")
    with server.client() as client:
        job = client.wait(job_id, 10)
        assert job["status"] == "Error"
        assert job["fileUrls"] == []
        assert "interrupted 3 times" in job["reasons"][0]["message"], job["reasons"]
        assert _post(client, job_body(50, "unlucky"), "key-unlucky").content == response.content
    assert count_jobs(data) == 1


@pytest.mark.timeout(scaled(120, 300))
def test_kill_9_during_concurrent_posts_loses_no_acknowledged_job(serve, tmp_path):
    """Every key answered before the crash replays that answer afterwards; every key, resent,
    ends with exactly one job; nothing half-written is visible."""
    data = tmp_path / "data"
    server = serve(data)
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    answered: dict[str, bytes] = {}
    sent: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        i = 0
        while not stop.is_set():
            key = f"crash-{n}-{i}"
            i += 1
            with lock:
                sent.append(key)
            try:
                conn.request("POST", COLLECTION_PATH, orjson.dumps(job_body(2, key[:32], start=1 + n * 10_000 + i)),
                             {**AUTH, "Content-Type": "application/json", "Idempotency-Key": key})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                return
            assert response.status == 200, body
            with lock:
                answered[key] = body

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    while len(answered) < 40:
        time.sleep(0.005)
    server.kill9()
    stop.set()
    for thread in threads:
        thread.join(15)
    server = serve(data)
    with server.client() as client:
        for key in sent:
            n, i = map(int, key.split("-")[1:])
            response = _post(client, job_body(2, key[:32], start=1 + n * 10_000 + i), key)
            assert response.status_code == 200, response.text
            if key in answered:
                assert response.content == answered[key]
    assert count_jobs(data) == len(sent)
    figure("kill -9 during POSTs",
           f"{len(answered)} answered before the crash replay unchanged, {len(sent) - len(answered)} "
           f"unanswered resent: {len(sent)} keys, {len(sent)} jobs")


# -- disks ---------------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "tiny-disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); RLIMIT_FSIZE test covers it")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(path: Path) -> int:
    """Write to ``path`` until the disk is full; the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as handle:
        block = b"\0" * 65536
        while True:
            try:
                written += handle.write(block)
            except OSError:
                break
        for size in (4096, 512, 1):
            try:
                while True:
                    written += handle.write(b"\0" * size)
            except OSError:
                pass
    return written


@pytest.mark.timeout(scaled(120, 300))
def test_a_full_disk_fails_the_job_and_answers_500_not_a_hang(tiny_disk, serve):
    data = tiny_disk / "data"
    server = serve(data)
    with server.client(timeout=20.0) as client:
        response = _post(client, job_body(3000, "too-big-for-the-disk"))
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["jobId"], 15)
        assert job["status"] == "Error" and job["fileUrls"] == [], job
        assert "No space left on device" in job["reasons"][0]["message"], job["reasons"]
        assert not list(data.rglob("*.part"))

        filler = tiny_disk / "filler"
        _fill(filler)
        statuses = []
        for i in range(30):  # requests that cannot be stored: 500 with Zuora's body, quickly
            began = time.monotonic()
            response = _post(client, job_body(20_000 + i, f"full-{i}", start=1 + i))
            assert time.monotonic() - began < 15
            statuses.append(response.status_code)
            if response.status_code == 500:
                payload = assert_zuora_error(500, response.headers, response.content)
                assert "data directory" in payload["reasons"][0]["message"]
                break
            assert response.status_code == 200, response.text
        assert statuses[-1] == 500, f"the full disk was never noticed: {statuses}"
        assert client.get(f"{COLLECTION_PATH}/{job['jobId']}", headers=AUTH).status_code == 200

        # Space again: the server works again, without a restart. The filler alone may not be
        # enough: a checkpoint can take what it frees first (the database absorbs the WAL's
        # pages of the big job, then neither can grow), so the disk grows as well.
        filler.unlink()
        subprocess.run(["mount", "-o", "remount,size=8m", str(tiny_disk)], check=True, capture_output=True)
        response = _post(client, job_body(5, "after-the-disk-emptied", start=900_000))
        assert response.status_code == 200, response.text
        assert client.wait(response.json()["jobId"], 30)["status"] == "Completed"
    assert server.alive()
    figure("full disk (1 MiB tmpfs)",
           f"3000-doc job Error 'No space left on device'; POSTs on a full disk: {statuses[:-1].count(200)} "
           "stored, then 500 with Zuora's body; recovers when space is freed")


@pytest.mark.timeout(scaled(60, 120))
def test_a_file_size_limit_fails_the_job_with_a_reason(serve, tmp_path):
    server = serve(tmp_path / "data", prefix=file_size_limit(400_000))
    with server.client(timeout=20.0) as client:
        response = _post(client, job_body(1000, "over-the-limit"))
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["jobId"], 30)
        assert job["status"] == "Error" and "File too large" in job["reasons"][0]["message"], job
        small = _post(client, job_body(10, "under-the-limit", start=5000))
        assert client.wait(small.json()["jobId"], 30)["status"] == "Completed"
    assert not list((tmp_path / "data").rglob("*.part"))
    assert server.alive()


def test_serve_on_a_data_dir_that_is_a_file_exits_with_a_clear_message(tmp_path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be")
    with pytest.raises(RuntimeError) as failed:
        start_serve(not_a_dir, timeout=30)
    output = str(failed.value)
    assert "bulkpdf serve:" in output and str(not_a_dir) in output, output
    assert "Traceback" not in output


@pytest.mark.timeout(60)
def test_an_output_directory_that_cannot_be_written_fails_the_job(serve, tmp_path):
    """Where the ZIPs go is found by running a job; that directory is then replaced by a file."""
    data = tmp_path / "data"
    server = serve(data)
    with server.client() as client:
        first = _post(client, job_body(2, "find-the-output-dir")).json()["jobId"]
        assert client.wait(first, 30)["status"] == "Completed"
        output_dir = _job_files(data, first, ".zip")[0].parent
        assert output_dir != data
        shutil.rmtree(output_dir)
        output_dir.write_text("a file where the output directory should be")
        response = _post(client, job_body(5, "nowhere-to-write"))
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["jobId"], 30)
        assert job["status"] == "Error" and job["reasons"] and job["fileUrls"] == [], job
        assert "could not be written" in job["reasons"][0]["message"]
        assert client.get(f"{COLLECTION_PATH}/{uuid.uuid4().hex}", headers=AUTH).status_code == 404
    assert server.alive()
