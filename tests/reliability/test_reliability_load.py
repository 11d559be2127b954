"""Load: concurrent idempotent POSTs, and polling and downloading while jobs run, over real
HTTP against ``bulkpdf serve`` on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.client
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest
from reliability_support import (
    AUTH,
    FINAL,
    assert_zuora_error,
    check_zip,
    count_jobs,
    figure,
    job_body,
    percentile,
    scaled,
)

from bulkpdf_contract.spec import COLLECTION_PATH

POSTS, CLIENTS, KEYS = scaled((200, 32, 20), (1000, 64, 100))


@pytest.mark.timeout(scaled(120, 600))
def test_concurrent_idempotent_posts_create_one_job_per_key(serve):
    """The clients use ``http.client`` (one keep-alive connection each): httpx costs the client
    interpreter more than the server spends per request, and the latency would measure that."""
    server = serve()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    bodies = {f"load-key-{k:03d}": orjson.dumps(job_body(3, f"load-{k}", start=1 + 3 * k)) for k in range(KEYS)}
    keys = list(bodies)
    local = threading.local()
    start = threading.Barrier(CLIENTS)
    conflicts = []

    def post(i: int):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(host, int(port), timeout=60)
            start.wait(30)
        key = keys[i % KEYS]
        headers = {**AUTH, "Content-Type": "application/json", "Idempotency-Key": key}
        began = time.perf_counter()
        for _ in range(50):  # a key still in flight (409) is retried, as a client would
            conn.request("POST", COLLECTION_PATH, bodies[key], headers)
            response = conn.getresponse()
            content = response.read()
            if response.status != 409:
                break
            conflicts.append(key)
            time.sleep(0.01)
        return key, response.status, content, time.perf_counter() - began, response.headers

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(post, range(POSTS)))
    elapsed = time.perf_counter() - began

    statuses = [status for _, status, _, _, _ in results]
    assert not [s for s in statuses if s >= 500], "5xx under load"
    for _, status, content, _, headers in results:
        if status != 200:
            assert_zuora_error(status, headers, content)
    assert statuses.count(200) == POSTS
    answers = defaultdict(set)
    for key, _, content, _, _ in results:
        answers[key].add(content)
    # every replay is byte for byte the first answer: same jobId, same requestId
    assert all(len(a) == 1 for a in answers.values()), {k: len(a) for k, a in answers.items() if len(a) > 1}
    job_ids = {k: orjson.loads(next(iter(a)))["jobId"] for k, a in answers.items()}
    assert len(set(job_ids.values())) == KEYS
    assert count_jobs(server.data_dir) == KEYS
    with server.client() as client:
        for key, job_id in job_ids.items():
            job = client.get(f"{COLLECTION_PATH}/{job_id}", headers=AUTH)
            assert job.status_code == 200
            assert job.json()["jobId"] == job_id
    latencies = [t * 1000 for _, _, _, t, _ in results]
    figure(f"load: {POSTS} POSTs, {CLIENTS} clients, {KEYS} keys",
           f"{KEYS} jobs, 0 5xx, {len(conflicts)} 409 retried; p50 {percentile(latencies, 50):.1f} ms, "
           f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms, {POSTS / elapsed:.0f} req/s")
    assert server.alive()


JOBS, DOCS, POLLERS = scaled((3, 1100, 8), (20, 2500, 32))


@pytest.mark.timeout(scaled(120, 900))
def test_polling_and_downloading_while_jobs_run_never_sees_a_partial_file(serve):
    server = serve()
    with server.client() as client:
        job_ids = []
        for j in range(JOBS):
            response = client.post(COLLECTION_PATH, json=job_body(DOCS, f"poll-{j}", start=1 + j * DOCS,
                                                                  index="JSON" if j % 2 else "CSV"),
                                   headers=AUTH)
            assert response.status_code == 200, response.text
            job_ids.append(response.json()["jobId"])

    lock = threading.Lock()
    downloaded: dict[str, dict[str, int]] = defaultdict(dict)  # job -> url -> documents
    verified: dict[str, tuple[str, int]] = {}  # url -> (sha256, documents)
    seen_final: set[str] = set()
    counts = {"polls": 0, "downloads": 0, "5xx": 0}
    problems: list[str] = []
    deadline = time.monotonic() + scaled(90, 600)
    stop = threading.Event()

    def poller(n: int):
        try:
            poll(n)
        except Exception as exc:  # a dropped connection is a failure too, not a silent thread death
            problems.append(f"poller {n}: {exc!r}")

    def poll(n: int):
        mine: set[str] = set()  # each poller downloads each file once; polls continue throughout
        # keep-alive: the client must give up idle connections before the server does (uvicorn:
        # 5 s), or a request can meet a connection the server is closing (httpx's default is 5 s too)
        with server.client(timeout=60.0, limits=httpx.Limits(keepalive_expiry=2.0)) as client:
            i = n
            while not stop.is_set() and time.monotonic() < deadline:
                job_id = job_ids[i % JOBS]
                i += 1
                response = client.get(f"{COLLECTION_PATH}/{job_id}", headers=AUTH)
                with lock:
                    counts["polls"] += 1
                if response.status_code >= 500:
                    with lock:
                        counts["5xx"] += 1
                    continue
                if response.status_code != 200:
                    problems.append(f"GET {job_id}: {response.status_code} {response.text[:200]}")
                    continue
                job = response.json()
                for url in job["fileUrls"]:
                    if url in mine:
                        continue
                    mine.add(url)
                    got = client.get(url)
                    if got.status_code >= 500:
                        with lock:
                            counts["5xx"] += 1
                        continue
                    try:
                        assert got.status_code == 200, got.status_code
                        digest = hashlib.sha256(got.content).hexdigest()
                        with lock:
                            known = verified.get(url)
                        if known is None:  # the first download is opened and checked in full
                            _, rows = check_zip(got.content)
                            known = (digest, len(rows))
                            with lock:
                                verified.setdefault(url, known)
                        assert digest == known[0], "a download differs from the verified file"
                    except Exception as exc:  # collected, reported below with the URL
                        problems.append(f"{url}: {exc!r}")
                        continue
                    with lock:
                        counts["downloads"] += 1
                        downloaded[job_id][url] = known[1]
                time.sleep(0.02)  # clients poll at an interval; a busy loop would starve the jobs
                if job["status"] in FINAL:
                    with lock:
                        seen_final.add(job_id)
                        if len(seen_final) == JOBS and all(downloaded[j] for j in job_ids):
                            stop.set()

    began = time.perf_counter()
    threads = [threading.Thread(target=poller, args=(n,)) for n in range(POLLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    assert not problems, problems[:5]
    assert counts["5xx"] == 0
    assert seen_final == set(job_ids), "jobs did not finish in time"
    with server.client() as client:
        for job_id in job_ids:
            job = client.get(f"{COLLECTION_PATH}/{job_id}", headers=AUTH).json()
            assert job["status"] == "Completed", job
            assert set(job["fileUrls"]) == set(downloaded[job_id])
            assert sum(downloaded[job_id].values()) == DOCS
    figure(f"polling: {JOBS} jobs x {DOCS} docs, {POLLERS} pollers",
           f"{counts['polls']} polls, {counts['downloads']} complete ZIP downloads, 0 5xx, "
           f"0 partial files, {elapsed:.1f} s")
    assert server.alive()
