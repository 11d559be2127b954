"""How the server's writes reach the disk without holding up its event loop: concurrent
requests' writes share a commit (:class:`GroupCommit`), the job process's progress joins them
there, and the WAL is checkpointed by a thread of its own (:class:`Checkpoints`) instead of by
whichever commit crosses SQLite's threshold.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
import threading
from typing import Any, Callable

from .storage import Storage

log = logging.getLogger("bulkpdf_contract.mock")
Operation = Callable[[sqlite3.Connection], Any]
Report = Callable[[Operation, BaseException], None]

CHECKPOINT_INTERVAL = 0.1
"""Seconds between background checkpoints while there are writes: under load the WAL then holds
a few hundred pages at most (readers, the job process among them, search all of it)."""
RESTART_FRAMES = 8000
"""WAL frames past which a checkpoint is completed with writers waiting. That checkpoint holds
every write for 1-6 ms (the frames written since the last round, and the fsyncs): at SQLite's
own threshold of 1,000 frames it ran 6-7 times a second under load (wrk, 32 connections, jobs
running), at 8,000 (a WAL of ~32 MB at most) about once. p99 in six alternating pairs of 10 s
runs, 2026-12-02: 19.4-27.9 ms with 1,000, 16.8-26.6 ms with 8,000, lower in five pairs."""


class GroupCommit:
    """Writes of concurrent requests share one transaction per event-loop turn.

    A commit appends to the WAL with its own system calls; under load, POSTs that reach their
    write in the same turn of the loop are committed together (see :meth:`Storage.batch`), and
    each still answers only after its data is committed.
    """

    def __init__(self, storage: Storage):
        self.storage = storage
        # Each write with the future of the request awaiting it, or how to report its failure.
        self._pending: list[tuple[Operation, asyncio.Future | Report]] = []
        self._handed: collections.deque[tuple[list[Operation], Report]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop writes are handed to
        self._hand_over = threading.Lock()

    async def run(self, operation: Operation) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((operation, future))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await future

    # -- writes of other threads: the job process's progress ---------------------------------------
    def take_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on :meth:`from_thread` commits on ``loop`` (the server's, for its lifetime).

        The thread that reads the job process's progress used to commit it itself. Under load
        it then held the write lock while waiting for the GIL, which the event loop gives up
        only every few milliseconds, and the loop's next commit waited for that lock with every
        request in flight. Six alternating pairs of 10 s runs (wrk, 32 connections, jobs
        running, 2026-12-02): 3,064-4,048 req/s and a p99 of 17.2-23.8 ms before, 3,481-4,780
        req/s and 15.7-19.3 ms after: both better in five pairs of six.
        """
        with self._hand_over:
            self._loop = loop

    def from_thread(self, operations: list[Operation], report: Report) -> bool:
        """Commit ``operations`` with the requests' writes of the loop's next turn (in order;
        ``report`` is told of each that fails). False when no loop takes them: the caller then
        commits them itself."""
        with self._hand_over:
            if self._loop is None:
                return False
            self._handed.append((operations, report))
            try:
                self._loop.call_soon_threadsafe(self._take)
            except RuntimeError:  # the loop is closed: nothing will take them there
                self._handed.pop()
                self._loop = None
                return False
            return True

    def add(self, operations: list[Operation], report: Report) -> None:
        """On the loop: commit ``operations`` with the requests' writes of its next turn, after
        anything handed over before (``report`` is told of each that fails)."""
        self._take()
        scheduled = bool(self._pending)
        self._pending += [(operation, report) for operation in operations]
        if not scheduled:
            asyncio.get_running_loop().call_soon(self._flush)

    def give_back(self) -> None:
        """On the loop, at shutdown: commit what was handed over and take no more (before the
        database closes). The reading thread commits anything later itself, and only after
        this: a job's progress is applied in the order it was sent."""
        with self._hand_over:
            self._loop = None
            self._take()
            self._flush()

    def _take(self) -> None:
        if not self._handed:
            return
        scheduled = bool(self._pending)
        while self._handed:
            operations, report = self._handed.popleft()
            self._pending += [(operation, report) for operation in operations]
        if not scheduled:
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            results = self.storage.batch([operation for operation, _ in batch])
        except Exception as exc:  # the commit itself failed: every request in it gets the error
            results = [(None, exc)] * len(batch)
        for (operation, waiting), (value, error) in zip(batch, results):
            if not isinstance(waiting, asyncio.Future):
                if error is not None:
                    waiting(operation, error)
            elif waiting.done():
                continue
            elif error is not None:
                waiting.set_exception(error)
            else:
                waiting.set_result(value)


class Checkpoints:
    """A thread that checkpoints the WAL of a :class:`Storage` made with
    ``background_checkpoints=True`` (whose connections never do).

    SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages: on the
    event loop, copying them all with two fsyncs, a pause every request in flight waits for
    (about 6 ms of the p99 at 32 connections; at 10,000 pages 40 ms). Here, each round copies
    what the WAL holds while writers go on; once it holds ``restart_frames``, writers wait
    for one more checkpoint of only the frames written meanwhile, which completes it, so the next
    write starts the WAL from its beginning (a checkpoint that never catches up with the writers
    would let the WAL grow without end: every reader searches it).
    """

    def __init__(self, storage: Storage, interval: float = CHECKPOINT_INTERVAL,
                 restart_frames: int = RESTART_FRAMES):
        self.storage = storage
        self.interval = interval
        self.restart_frames = restart_frames
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="bulkpdf-mock-checkpoints", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        done = self.storage.writes
        while not self._stop.wait(self.interval):
            if self.storage.writes == done:
                continue
            done = self.storage.writes
            try:
                self.checkpoint()
            except sqlite3.Error as exc:  # the next round tries again; the WAL only grows meanwhile
                log.warning("bulkpdf mock: WAL checkpoint failed: %s", exc)

    def checkpoint(self) -> None:
        conn = self.storage.connection()
        _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= self.restart_frames:
            with self.storage.writers_waiting():
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
