"""The job process's own side: its settings line, its writes as JSON lines, its main function.

The child is a fresh interpreter running :func:`child_main`, not a
``multiprocessing`` process, so a user's script that starts the mock without an
``if __name__ == "__main__"`` guard is never re-imported. It imports only the job modules of
this package (no Starlette, uvicorn or validators). The protocol is one line per message: on the
child's stdin the settings as JSON (:class:`WorkerSettings`, with the server's clock as it is at
that moment), then one job ID per line, and ``{"op": "clock", "state": ...}`` whenever the
server's clock changes, so the child keeps the server's time (a frozen clock holds its jobs
until advanced); on its stdout ``{"op": "update" | "finish", ...}`` (see :class:`PipeWrites`).
End of input means stop, so when the server dies (even by ``kill -9``) the child stops too and
leaves its jobs *Executing* for the restarted server to resume. Documents seeded over HTTP are
read from the database as a job starts, when they changed since the last read (a counter the
seeding transaction moves). The server's side is :mod:`.worker`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from .clock import Clock
from .jobs import JobOptions, JobRunner
from .storage import Storage
from .world import World, parse_document

JOB_NICENESS = 10


@dataclass(frozen=True)
class WorkerSettings:
    """The first line the child reads: what it needs to run jobs like the server would."""

    db_path: str
    data_dir: str
    jobs: JobOptions
    open_world: bool
    configured: list[dict[str, Any]] = field(default_factory=list)
    clock: dict[str, Any] = field(default_factory=dict)  # Clock.state() of the server's clock

    def to_line(self) -> bytes:
        return orjson.dumps(asdict(self)) + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> WorkerSettings:
        raw = orjson.loads(line)
        return cls(**{**raw, "jobs": JobOptions(**raw["jobs"])})


class PipeWrites:
    """The job runner's writes, sent to the server as JSON lines instead of written to SQLite."""

    def __init__(self, stream):
        self._stream = stream
        self._lock = threading.Lock()

    def _send(self, message: dict[str, Any]) -> None:
        with self._lock:
            try:
                self._stream.write(orjson.dumps(message) + b"\n")
                self._stream.flush()
            except OSError:  # the server is gone; the restarted one resumes the job
                pass

    def update_job(self, job_id: str, **values: Any) -> None:
        self._send({"op": "update", "job": job_id, "values": values})

    def finish_job(self, job_id: str, files: list[dict[str, Any]], **values: Any) -> None:
        self._send({"op": "finish", "job": job_id, "files": files, "values": values})


def child_main(stream=None) -> int:
    logging.basicConfig(level=logging.WARNING, format="bulkpdf mock jobs: %(message)s")
    stream = stream or sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, never into the protocol
    with contextlib.suppress(OSError):
        os.nice(JOB_NICENESS)
    first = stream.readline()
    if not first:
        return 0
    settings = WorkerSettings.from_line(first)
    storage = Storage(settings.db_path)
    world = World([parse_document(d) for d in settings.configured], open_world=settings.open_world)
    clock = Clock.from_state(settings.clock)
    runner = JobRunner(storage, world, settings.data_dir, settings.jobs, clock=clock,
                       refresh_world=True, writes=PipeWrites(out))
    # A job allocates a few objects per document, none of them in cycles: with CPython's
    # thresholds a 10,000-document job runs ~45 collections (2% of its time) for no garbage.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)
    try:
        runner.start()
        for line in stream:
            line = line.strip()
            if line.startswith(b"{"):
                message = orjson.loads(line)
                if message.get("op") == "clock":
                    clock.set_state(message["state"])
            elif line:
                runner.submit(line.decode())
    finally:
        runner.stop()
        storage.close()
    return 0
