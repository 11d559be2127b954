"""Job IDs: Zuora's shape, never repeated, growing with time."""

from __future__ import annotations

import re
import threading
import time

import httpx

from bulkpdf_contract.mock import run_server
from bulkpdf_contract.mock.ids import JobIds

from mock_support import AUTH, seed_request

COLLECTION = "/v1/operations/bulk-pdf"
ZUORA_ID = re.compile(r"^[0-9a-f]{32}$")


def millis(job_id: str) -> int:
    return int(job_id[16:28], 16)


def test_an_id_has_zuoras_shape_and_carries_the_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    job_id = JobIds()()
    after = time.time_ns() // 1_000_000
    assert ZUORA_ID.match(job_id)
    assert before <= millis(job_id) <= after


def test_ids_only_grow_within_a_millisecond_and_when_the_clock_is_set_back(monkeypatch):
    ids = JobIds("402880de8ce7edc3")
    now = [1_704_698_414_084_000_000]
    monkeypatch.setattr(time, "time_ns", lambda: now[0])
    first = [ids() for _ in range(70_000)]  # more than the counter's 65,536 in one millisecond
    now[0] -= 3_600 * 10**9  # an hour back
    later = [ids() for _ in range(3)]
    assert first[0] == "402880de8ce7edc3018ce7f184040000"  # Zuora's example's time, counter 0
    assert first + later == sorted(set(first + later))


def test_ids_of_concurrent_threads_never_repeat():
    ids = JobIds()
    out: list[list[str]] = [[] for _ in range(8)]
    threads = [threading.Thread(target=lambda o=o: o.extend(ids() for _ in range(5_000))) for o in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for o in out for i in o]
    assert len(set(every)) == len(every) == 40_000
    assert all(o == sorted(o) for o in out)


def test_the_servers_jobs_get_growing_ids_and_a_restart_a_new_prefix(tmp_path):
    seen = []
    for _ in range(2):  # the same data directory twice
        with run_server(data_dir=tmp_path / "d") as server, httpx.Client(base_url=server.url, headers=AUTH) as c:
            ids = [c.post(COLLECTION, json=seed_request()).json()["jobId"] for _ in range(5)]
            assert all(ZUORA_ID.match(i) for i in ids) and ids == sorted(ids)
            assert len({i[:16] for i in ids}) == 1
            assert c.get(f"{COLLECTION}/{ids[-1]}").json()["jobId"] == ids[-1]
            seen.append(ids)
    assert seen[0][0][:16] != seen[1][0][:16]
    assert len(set(seen[0] + seen[1])) == 10
