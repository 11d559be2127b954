"""Benchmark of the mock server, against baselines measured in the same run.

1. POST throughput: requests/second of ``POST /v1/operations/bulk-pdf`` (the seed request) at 32
   concurrent keep-alive connections, against a bare Starlette endpoint returning a JSON 200,
   each under the same uvicorn in its own process on 127.0.0.1, once per HTTP stack (h11 with
   asyncio; httptools with uvloop, the mock's). The load generator is a small raw-socket HTTP/1.1
   client in this process. Target (issue 17): ratio >= 0.6 for the request path (validation,
   idempotency, the job committed to SQLite; no job workers, so jobs queue). Also printed: the
   same with every job run meanwhile, each POST then also producing a ZIP on the same cores.
2. A 10,000-document job (POST to Completed, over HTTP, 10 ZIPs with JSON index files) against
   writing the same bytes (the same PDFs and index files, generated before the clock starts)
   with ``zipfile`` directly at the same compression. Target: ratio <= 1.3. Wall and CPU time
   are both printed. The job process runs at a lower priority (nice 10) so that requests are
   answered first; the baseline runs at the same priority. The mock writes its ZIPs with
   ``zipfile`` through a write-back buffer (``archive._Spool``: the seek back to each entry's
   header costs no flush). Figures (ratio of wall times, one run of ``--parts job`` each, 2 cores
   shared with other work, 2026-12-02): before 1.46, 1.53 (50 ms polls); with each document and
   its PDF derived for less and the buffer, 1.21-1.37 (10 ms polls). A ZIP writer of our own
   (the same bytes, no per-entry zipfile objects) measured 1.02-1.11 and was not kept: zipfile
   is the maintained tool for the format and the yardstick itself.
3. Peak memory during a 2,000- and a 10,000-document job: RSS high-water marks (VmHWM) of the
   server process and of its job process. Target: <= 200 MB and flat in the number of documents.
   Figures (2026-12-02): 48/30 MB (server/job process) at 2,000 documents, 53/32 MB at 10,000.
4. ``bulkpdf serve`` (jobs running) against Stoplight Prism 5.16 on the same fragment, same wrk
   load (:mod:`prism_baseline`; npm and wrk needed, else skipped). Target: >= 2x Prism's
   requests/s and p99 <= 0.2x Prism's.

The HTTP stack, chosen on these figures (wrk, 32 connections, seed POST, 2 cores, 2026-12-02;
req/s, p99 in brackets):

    stack                        bare Starlette   mock, jobs queued   mock, jobs running
    uvicorn h11 + asyncio          6,152              2,238 (53 ms)      1,145 (82 ms)
    uvicorn httptools + uvloop    20,337              3,836 (48 ms)      1,893 (61 ms)
    granian 2.8 (Rust, ASGI)      29,279              3,236 (52 ms)      1,602 (72 ms)

httptools + uvloop under uvicorn: granian answers a bare endpoint faster, but the mock slower
(the per-request crossing into Python costs more than the parser saves), and it offers no
protocol class to subclass for the two things the mock needs from its server: Zuora's body for a
request that cannot be parsed, and the connection a fault drops. Then, on that stack: one pipe
write per event-loop turn for the jobs submitted in it (4,469 req/s queued, 2,177 running), and
``bulkpdf serve`` collecting garbage less often (``tune_gc_for_serving``: the p99 of a full
collection over the journal's entries; with CPython's defaults the queued p99 is 40 ms, without
collection 15 ms).

What came after, in the order it was done on 2026-12-02 (each step measured by three runs of
this script; each figure the best of three rounds; the table below has them side by side):

1. The request path lost a third of its CPU per POST: the two Zuora routes go straight to their
   endpoints past Starlette's error, exception and routing layers (``mock.app.ZuoraRoutes``), a
   batch of writes runs without savepoints unless one fails, header names are canonicalised from
   a cache, a response's head and body leave in one write (``mock.server.CoalescingTransport``:
   the second send was a fifth of a small response's cost), and WAL checkpoints run in a thread
   of their own (``mock.commits.Checkpoints``: SQLite's automatic one ran inside a commit on the
   event loop).
2. The job process's progress commits on the event loop with the requests' writes
   (``mock.commits.GroupCommit.take_over``; its reading thread had held the write lock while
   waiting for the GIL: ~6 % of the loop's time spent waiting for that lock), and a checkpoint
   holds writers only past 8,000 WAL frames instead of 1,000 (``RESTART_FRAMES``: 6-7 stalls of
   1-6 ms a second under load became about one). Under wrk with jobs running the loop then has
   no turn over 1 ms in a thousand, and ~1 % of its commits take 2 ms or more; the p99 left is
   queueing behind the work of 32 requests on two cores shared with the job process and wrk.
3. While it serves, the event loop reads the job process's progress itself
   (``ProcessRunner.read_on_loop``; a thread had woken for every chunk and handed it over): the
   server's CPU per POST with jobs running was lower in six of six A/B pairs (241-389 us against
   323-475).
4. On a slower host: job IDs shaped like Zuora's, growing with time (``mock.ids``: a new job
   lands at the end of the jobs table's index; a uuid4 changed a page in its middle), so a write
   in the server's commits costs 29-31 us of CPU with jobs running against 41-44 us; both servers
   of the request-path figures collect garbage as ``bulkpdf serve`` does. Prism is measured with
   ``-v silent`` too (its fastest; the target is judged against Prism as users run it, its
   default log).
5. A fifth session, nothing on the mock's path changed, on a quicker host with Prism installed
   afresh by npm: both servers did ~1.5x the requests/s of session 4, but Prism's tail shrank far
   more (p99 44-69 ms against 133-223), so the p99 target, met in the three runs before, was
   missed in two of these three although ours was the lowest yet (12-14 ms). Our p99 is about
   twice the mean wait of 32 connections on a saturated server (32 / requests/s: 6.0-6.2 ms), so
   only more requests/s lower it. The h11 request-path ratio moved with its bare endpoint
   (5,985-8,694 req/s), not with the mock. Three more runs after the job process stopped
   re-reading the seeded documents for every job (none are seeded here; a job's start now reads
   a counter instead of the empty documents table): requests/s against Prism 2.98, 3.28, 3.64x;
   p99 against Prism .13, .21, .18x (ours 16.4, 11.8, 10.6 ms; Prism's 131, 55, 61); request
   path .48 .52 .42 (h11), .20 .29 .28 (httptools); job / zipfile 1.03, 1.04, 1.12; RSS 52 / 32 MB.

6. A sixth session (2026-12-02, a fresh machine, Prism installed afresh by npm), nothing on the
   mock's path changed. The host slowed during the runs (bare Starlette under httptools 20.4 k,
   13.0 k, 10.7 k req/s; under h11 5.9, 4.2, 2.9 k), and Prism's default log was slow on it (p99
   403-436 ms): requests/s against Prism 3.29, 4.07, 3.52x (ours 3,671, 2,774, 3,138; Prism's
   1,115, 682, 892); p99 against Prism .04, .04, .04x (ours 14.8, 17.7, 17.7 ms); against Prism
   -v silent 1.79, 1.53, 1.40x and .33, .23, .15x; request path .49 .65 .59 (h11), .26 .25 .23
   (httptools); job / zipfile 1.16, 1.11, 1.14; RSS 52 / 31-32 MB.

    figure (runs 1, 2, 3)            after 1         after 2         after 3         after 4         5, unchanged    target
    request path / bare, h11         .33 .47 .47     .49 .35 .35     .53 .35 .46     .39 .40 .36     .50 .67 .43     >= 0.6
    request path / bare, httptools   .27 .25 .24     .25 .22 .25     .20 .20 .25     .23 .21 .30     .24 .24 .27     >= 0.6
    10,000-doc job / zipfile (wall)  1.11 1.10 .98   1.14 1.09 1.28  1.24 1.21 1.22  1.11 .90 1.22   1.09 1.06 .94   <= 1.3
    peak RSS 10,000 docs, MB         53 / 32         52 / 32         52 / 33         52 / 32         52 / 32         <= 200, flat
    serve req/s (jobs running), k    3.97 4.99 4.82  3.41 4.41 3.65  4.77 4.20 3.80  3.25 3.19 3.49  5.23 5.13 5.37
    Prism (default log) req/s, k     1.91 1.76 1.87  1.44 1.74 1.11  1.30 1.01 1.08  .96 1.06 .94    1.31 1.41 1.70
    requests/s against Prism, x      2.08 2.84 2.57  2.36 2.53 3.28  3.66 4.18 3.53  3.39 3.01 3.70  3.99 3.64 3.15  >= 2
    our p99, ms                      20 17 17        20 15 18        17 18 19        19 18 20        14 13 12
    Prism's p99, ms                  41 45 53        90 53 139       73 251 123      139 133 223     64 69 44
    p99 against Prism, x             .49 .38 .32     .23 .29 .13     .24 .07 .15     .13 .13 .09     .21 .19 .27     <= 0.2
    Prism -v silent req/s, k                                                         1.77 1.98 2.22  3.03 3.03 3.69
    Prism -v silent p99, ms                                                          51 39 33        30 29 22
    req/s against it, x                                                              1.84 1.61 1.57  1.73 1.69 1.45
    p99 against it, x                                                                .36 .45 .60     .45 .45 .53

The RSS is the server's / the job process's. Prism's own p99 moves the p99 ratio most (41-251 ms
in the day's runs; ours 12-20 ms).

The request path is measured against an endpoint that reads no body, validates nothing and
stores nothing; a faster server makes the ratio worse (httptools answers the bare endpoint three
times as fast as h11, the mock's own ~120 us per POST stay). With jobs running, the job
process takes its share of the two cores; without jobs the mock's p99 is 9-13 ms.

Run: ``.venv/bin/python benchmarks/mock.py`` (a few minutes on 2 cores; ``--quick`` for less).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TOKEN = "bench-token"
# The big job's status is polled this often: its wall time includes half an interval on average
# (at 50 ms, 25 ms: 8% of a 0.3 s baseline, and as much again as noise); a poll costs the server
# under a millisecond of CPU.
POLL = 0.01
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)


# -- servers (run in child processes) ---------------------------------------------------------------
def bare_app():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def endpoint(request):
        return JSONResponse({"jobId": "402880de8ce7edc3018ce7f18404312a", "invalidIds": [], "success": True})

    return Starlette(routes=[Route("/v1/operations/bulk-pdf", endpoint, methods=["POST"])])


def serve(kind: str, port: int, stack: str) -> None:
    import uvicorn

    from bulkpdf_contract.mock.server import PROTOCOL, ZuoraH11Protocol, tune_gc_for_serving

    http, loop = (ZuoraH11Protocol, "asyncio") if stack == "h11" else (PROTOCOL, "auto")
    if kind == "bare":
        app = bare_app()
    else:
        from bulkpdf_contract.mock import create_app

        workers = {"mock": 2, "mock-queued": 0}[kind]
        app = create_app(None, TOKEN, workers=workers)  # a temporary data directory, deleted at shutdown
    tune_gc_for_serving()  # as ``bulkpdf serve`` does; the bare server too, so both are run alike
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, http=http, loop=loop,
                proxy_headers=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


# -- load generator ---------------------------------------------------------------------------------
def seed_body() -> bytes:
    from bulkpdf_contract.spec import load_contract

    return json.dumps(load_contract().request_examples()["seed"]).encode()


async def _connection(port: int, request: bytes, budget: list[int], statuses: dict[int, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0:
            budget[0] -= 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            await reader.readexactly(int(_LENGTH.search(head).group(1)))
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(port: int, total: int, concurrency: int) -> tuple[float, dict[int, int]]:
    body = seed_body()
    request = (
        b"POST /v1/operations/bulk-pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    statuses: dict[int, int] = {}
    await asyncio.gather(*(_connection(port, request, [total // concurrency], statuses) for _ in range(2)))
    statuses.clear()  # warm-up done
    budget = [total]
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, request, budget, statuses) for _ in range(concurrency)))
    return total / (time.perf_counter() - started), statuses


def throughput(kind: str, total: int, concurrency: int, stack: str) -> float:
    port = free_port()
    child = start_child("--serve", kind, "--port", str(port), "--stack", stack)
    try:
        wait_for_port(port)
        rps, statuses = asyncio.run(_load(port, total, concurrency))
    finally:
        child.terminate()
        child.wait(30)
    if set(statuses) != {200}:
        raise RuntimeError(f"{kind}: unexpected statuses {statuses}")
    return rps


# -- the big job and its zipfile baseline (child processes) -----------------------------------------
def job_ids(n: int) -> list[str]:
    return [f"{i:032x}" for i in range(1, n + 1)]


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of a process, from /proc (Linux); (nan, nan) elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        hwm = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
        return cpu, int(hwm.split()[1]) / 1024
    except (OSError, StopIteration, IndexError, ValueError):
        return float("nan"), float("nan")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []


def run_job(n: int) -> dict:
    """One job of ``n`` documents on a fresh ``mock`` server process: wall time, CPU time of the
    server and of its job process, and their peak RSS. The client (this process) polls every
    10 ms (``POLL``) and is not counted."""
    import httpx

    body = {"documents": [{"docType": "Invoice", "objectIds": job_ids(n)}], "fileName": "bench",
            "indexFileFormat": "JSON"}
    port = free_port()
    server = start_child("--serve", "mock", "--port", str(port), "--stack", "httptools")
    try:
        wait_for_port(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=60) as client:
            def finish(job_id: str, interval: float) -> dict:
                while (job := client.get(f"/v1/operations/bulk-pdf/{job_id}").json())["status"] in ("Submitted", "Executing"):
                    time.sleep(interval)
                return job

            one = {**body, "documents": [{"docType": "Invoice", "objectIds": job_ids(1)}]}
            finish(client.post("/v1/operations/bulk-pdf", json=one).json()["jobId"], 0.01)  # job process is up
            (worker,) = children(server.pid) or [None]
            payload = json.dumps(body).encode()
            cpu_server, cpu_worker = proc_stats(server.pid)[0], proc_stats(worker)[0] if worker else float("nan")
            started = time.perf_counter()
            job_id = client.post("/v1/operations/bulk-pdf", content=payload,
                                 headers={"Content-Type": "application/json"}).json()["jobId"]
            job = finish(job_id, POLL)
            seconds = time.perf_counter() - started
            (cpu_server_after, rss_server), (cpu_worker_after, rss_worker) = proc_stats(server.pid), proc_stats(worker)
        assert job["status"] == "Completed" and len(job["fileUrls"]) == -(-n // 1000), job
    finally:
        server.terminate()
        server.wait(30)
    return {"seconds": seconds, "server_cpu": cpu_server_after - cpu_server, "job_cpu": cpu_worker_after - cpu_worker,
            "server_rss_mb": rss_server, "job_rss_mb": rss_worker}


def run_zipfile(n: int) -> dict:
    """The same entries (index first, then the PDFs), same names, same bytes, same compression,
    at the job process's scheduling priority (nice), so both get the same share of a busy CPU."""
    from bulkpdf_contract.mock.job_process import JOB_NICENESS

    with contextlib.suppress(OSError):
        os.nice(JOB_NICENESS)
    from bulkpdf_contract.mock.archive import render_index
    from bulkpdf_contract.mock.jobs import _pdfs, index_row
    from bulkpdf_contract.mock.world import default_document

    docs = [default_document(i, "Invoice") for i in job_ids(n)]
    chunks = []
    for start in range(0, n, 1000):
        part = docs[start:start + 1000]
        rows = [index_row(d, "") for d in part]
        chunks.append((render_index(rows, "JSON"), [(r["pdfFileName"], pdf) for r, pdf in zip(rows, _pdfs(part))]))
    with tempfile.TemporaryDirectory(prefix="bulkpdf-bench-") as scratch:
        out = Path(scratch)
        cpu = time.process_time()
        started = time.perf_counter()
        for number, (index, entries) in enumerate(chunks, start=1):
            with zipfile.ZipFile(out / f"bench_{number}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("index.json", index)
                for name, pdf in entries:
                    zf.writestr(name, pdf)
        return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def child_json(*args: str) -> dict:
    child = start_child(*args)
    out, _ = child.communicate(timeout=600)
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed")
    return json.loads(out.strip().splitlines()[-1])


# -- main -------------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3, help="repeat each measurement, keep the best")
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument("--parts", default="post,job,memory,prism", help="which measurements (default: all)")
    parser.add_argument("--stack", choices=["h11", "httptools"], default="httptools", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=["bare", "mock", "mock-queued"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--zipfile", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.stack)
        return 0
    if args.job:
        print(json.dumps(run_job(args.job)))
        return 0
    if args.zipfile:
        print(json.dumps(run_zipfile(args.zipfile)))
        return 0
    if args.quick:
        args.requests, args.rounds = 1500, 1

    parts = set(args.parts.split(","))
    if "post" in parts:
        post_throughput(args)
    if "job" in parts:
        big_job(args)
    if "memory" in parts:
        memory(args)
    if "prism" in parts:
        against_prism(args)
    return 0


def post_throughput(args) -> None:
    print(f"POST throughput, {args.concurrency} concurrent connections, {args.requests} requests, best of {args.rounds}")
    for stack in ("h11", "httptools"):
        best = {"bare": 0.0, "mock-queued": 0.0, "mock": 0.0}
        for _ in range(args.rounds):  # interleaved, so background load hits all alike
            for kind in best:
                best[kind] = max(best[kind], throughput(kind, args.requests, args.concurrency, stack))
        bare = best["bare"]
        print(f"  uvicorn with {stack}" + (" (the mock's stack)" if stack == "httptools" else ""))
        print(f"    bare Starlette JSON 200 (baseline):          {bare:7.0f} req/s")
        print(f"    mock, request path (jobs queued, not run):   {best['mock-queued']:7.0f} req/s"
              f"  ratio {best['mock-queued'] / bare:.2f}  (target >= 0.6)")
        print(f"    mock, every POST's job also run meanwhile:   {best['mock']:7.0f} req/s"
              f"  ratio {best['mock'] / bare:.2f}")
    print("  (the request path validates, checks idempotency and commits the job to SQLite; in the")
    print("  third line each POST also makes a ZIP on the same cores, in the lower-priority job process)")


def big_job(args) -> None:
    n = args.documents
    print(f"\n{n:,}-document job (POST to Completed over HTTP), best of {args.rounds} (each figure)")
    jobs, bases = [], []
    for _ in range(args.rounds):  # interleaved, so background load hits both alike
        jobs.append(child_json("--job", str(n)))
        bases.append(child_json("--zipfile", str(n)))
    job = {k: min(r[k] for r in jobs) for k in ("seconds", "server_cpu", "job_cpu")}
    base = {k: min(r[k] for r in bases) for k in ("seconds", "cpu")}
    job_cpu = min(r["server_cpu"] + r["job_cpu"] for r in jobs)
    print(f"  zipfile writing the same bytes (baseline): {base['seconds']:6.2f} s wall, {base['cpu']:6.2f} s CPU")
    print(f"  mock job:                                  {job['seconds']:6.2f} s wall, {job_cpu:6.2f} s CPU"
          f" (server {job['server_cpu']:.2f} s, job process {job['job_cpu']:.2f} s)")
    print(f"  ratio job/baseline: {job['seconds'] / base['seconds']:.2f} wall, {job_cpu / base['cpu']:.2f} CPU  (target <= 1.3)")
    print("  (the job process and the baseline both run at the job process's nice value)")



def memory(args) -> None:
    n = args.documents
    print("\nPeak memory (RSS high-water mark) during one job")
    for size in (max(1, n // 5), n):
        result = child_json("--job", str(size))
        print(f"  {size:>6,} documents: server process {result['server_rss_mb']:5.1f} MB, "
              f"job process {result['job_rss_mb']:5.1f} MB")
    print("  target: <= 200 MB and flat in the number of documents")


def against_prism(args) -> None:
    import prism_baseline

    print("\nbulkpdf serve against Stoplight Prism on the same fragment (wrk, 32 connections, seed POST, 10 s)")
    missing = prism_baseline.missing_tools()
    if missing:
        print(f"  skipped: {', '.join(missing)} not found (wrk from the system's packages, npm for Prism)")
        return
    from bulkpdf_contract.spec import spec_path

    with tempfile.TemporaryDirectory(prefix="bulkpdf-bench-") as scratch:
        body = Path(scratch) / "seed.json"
        body.write_bytes(seed_body())
        best = prism_baseline.compare(str(Path(sys.executable).with_name("bulkpdf")), spec_path(), body, args.rounds)
    ours = best["bulkpdf serve (jobs running)"]
    for name, (rps, p99) in best.items():
        print(f"  {name:<30} {rps:7.0f} req/s  p99 {p99:7.1f} ms")
    for name in ("prism, default log", "prism -v silent"):
        rps, p99 = best[name]
        print(f"  against {name:<22} requests/s {ours[0] / rps:.2f}x (target >= 2)   p99 {ours[1] / p99:.2f}x "
              f"(target <= 0.2)")


if __name__ == "__main__":
    sys.exit(main())
