"""The job runner in a child process, at a lower CPU priority than the server.

Zipping is CPU work. In the server's own process it would compete with the event loop for the
GIL and for the CPU, so every POST and poll would wait behind the jobs. In a child process with
a higher nice value, requests are answered first and jobs use the CPU that is left (on a
multi-core machine, a core of their own). The child runs the same :class:`JobRunner` (threads)
reading the same SQLite database. It never writes to it: job progress travels back as JSON
lines on its stdout and the server writes it, so the database has a single writing process and
the server never waits for a lock held by a lower-priority process.

The child's side, and the protocol on its pipes, are in :mod:`.job_process`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import select
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson

from . import job_process
from .clock import Clock
from .job_process import WorkerSettings
from .storage import Storage

if TYPE_CHECKING:
    from .commits import GroupCommit

log = logging.getLogger("bulkpdf_contract.mock")


class ProcessRunner:
    """Same interface as :class:`JobRunner` (``start``, ``submit``, ``stop``), plus
    :meth:`clock_changed` to pass the server's time on to the child.

    ``submit`` never blocks the event loop and costs no thread switch: it appends the ID to a
    buffer and writes what the pipe takes right away (the pipe is non-blocking); whatever a
    slow or starting child has not taken yet is written by a drain thread once the pipe has
    room. (On Windows, where pipes cannot be non-blocking, the drain thread writes everything.)
    """

    def __init__(self, settings: WorkerSettings, storage: Storage, clock: Clock):
        self.settings = settings
        self.storage = storage
        self.clock = clock
        self.commits: GroupCommit | None = None  # commits progress on the server's loop, once it takes it
        self._process: subprocess.Popen | None = None
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._flush_scheduled = False
        # Who reads the child's progress: a thread (self._reader), or the server's event loop
        # while it serves (self._on_loop: the loop, the pipe's fd, its unfinished line).
        self._on_loop: tuple[asyncio.AbstractEventLoop, int, list[bytes]] | None = None
        self._reader: threading.Thread | None = None
        self._switch: tuple[int, int] | None = None  # a pipe that asks the reading thread to stop
        self._switching = threading.Lock()

    def start(self) -> None:
        self._drain_loop_pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        main = f"import sys; from {job_process.__name__} import child_main; sys.exit(child_main())"
        self._process = subprocess.Popen(
            [sys.executable, "-c", main],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
        )
        self._fd = self._process.stdin.fileno()
        self._nonblocking = os.name != "nt"
        if self._nonblocking:
            os.set_blocking(self._fd, False)
        self._closing = False
        self._flush_scheduled = False
        with self._lock:
            # Read under the lock that clock_changed takes: a change is either in these
            # settings or sent after them, never lost in between.
            self._buffer = bytearray(replace(self.settings, clock=self.clock.state()).to_line())
        self._drain_thread = threading.Thread(target=self._drain, name="bulkpdf-mock-jobs-in", daemon=True)
        self._drain_thread.start()
        self._wake.set()
        loop = self._on_loop[0] if self._on_loop is not None else None
        if loop is not None and _running_loop() is loop:  # a replaced child, read where the last one was
            self._read_on(loop, b"")
        else:
            self._on_loop = None
            self._read_in_thread(b"")

    def _flush(self) -> None:
        """Write what the pipe takes now (lock held); wake the drain thread for the rest."""
        try:
            while self._buffer:
                del self._buffer[:os.write(self._fd, self._buffer)]
        except BlockingIOError:
            self._wake.set()
        except OSError:  # the child died: the next submit starts a new one
            self._buffer.clear()

    def _drain(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._buffer:
                        break
                    if not self._nonblocking:
                        data, self._buffer = bytes(self._buffer), bytearray()
                if self._nonblocking:
                    select.select([], [self._fd], [], 0.5)
                    with self._lock:
                        self._flush()
                else:
                    try:
                        os.write(self._fd, data)
                    except OSError:
                        break
            if self._closing:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
                return

    def _send(self, line: bytes) -> None:
        """Queue one protocol line for the child (lock held). On the event loop, the lines of one
        loop turn go out in one write (under load, one system call for many POSTs' jobs)."""
        self._buffer += line
        if not self._nonblocking:
            self._wake.set()
        elif not self._flush_scheduled:
            loop = _running_loop()
            if loop is None:  # another thread (a clock advanced by a test): write now
                self._flush()
            else:
                self._flush_scheduled = True
                loop.call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        with self._lock:
            self._flush_scheduled = False
            self._flush()

    def submit(self, job_id: str) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                # The child died (killed, out of memory): a new one resumes every active job,
                # this one included, from the database.
                log.error("the mock's job process exited (code %s); starting a new one", self._process.returncode)
                self._closing = True
                self._wake.set()
            else:
                self._send(job_id.encode() + b"\n")
                return
        self._drain_thread.join(5)
        self.start()

    def clock_changed(self, state: dict[str, Any]) -> None:
        """Tell the child the server's clock moved (a child started later reads it in its settings)."""
        with self._lock:
            if self._process is not None and not self._closing:
                self._send(orjson.dumps({"op": "clock", "state": state}) + b"\n")

    def stop(self, timeout: float = 30.0) -> None:
        if self._process is None:
            return
        self._off_loop()  # stopped without the lifespan's switch back to a thread
        with self._lock:
            self._closing = True
        self._wake.set()
        self._drain_thread.join(timeout)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        if self._reader is not None:
            self._reader.join(timeout)
        if self._switch is not None:
            for end in self._switch:
                os.close(end)
            self._switch = None
        self._process = None

    # -- the child's progress ----------------------------------------------------------------
    async def read_on_loop(self) -> bool:
        """From now on the running event loop reads the child's progress and commits it with the
        requests' writes (the server's lifespan calls this once it serves). False where a loop
        cannot watch a pipe (Windows): the reading thread goes on there.

        A reading thread woke for every chunk the child sent, then waited for the GIL, which the
        loop gives up only every few milliseconds, and each hand-over to the loop cost more
        thread switches. Six alternating pairs of 10 s runs against the thread (wrk, 32
        connections, jobs running, 2026-12-02): the server's CPU per POST lower in all six
        (241-389 us against 323-475), requests/s higher in four, p99 lower in three (the rest
        within 4 ms: the job process's share of the two cores sets the tail).
        """
        if os.name == "nt" or self._process is None or self._reader is None:
            return False
        reader, self._reader = self._reader, None
        os.write(self._switch[1], b"x")
        leftover = await asyncio.to_thread(self._join_reader, reader)
        self._read_on(asyncio.get_running_loop(), leftover)
        return True

    def read_in_thread(self) -> None:
        """Back to a reading thread (on the loop, at shutdown, before the loop's last commit): what
        the child sends while it stops is still recorded, after what the loop read."""
        with self._switching:  # once, should the loop and stop() both get here
            taken, self._on_loop = self._on_loop, None
        if taken is None:
            return
        loop, fd, unfinished = taken
        if not loop.is_closed():
            loop.remove_reader(fd)
        if self._process is not None and self._process.stdout.fileno() == fd:
            os.set_blocking(fd, True)
            self._read_in_thread(unfinished[0])

    def _off_loop(self) -> None:
        """If the loop still watches the pipe, it stops before the pipe closes with the child: a
        stale watch would hide the next file that gets the pipe's number from the loop. A thread
        reads the rest."""
        on_loop = self._on_loop
        if on_loop is None:
            return
        loop = on_loop[0]
        if _running_loop() is loop or loop.is_closed():
            self.read_in_thread()
            return
        switched = threading.Event()

        def switch() -> None:
            self.read_in_thread()
            switched.set()

        with contextlib.suppress(RuntimeError):  # closed meanwhile: then it watches nothing
            loop.call_soon_threadsafe(switch)
            if switched.wait(5):
                return
        self.read_in_thread()  # a loop that does not run any more (removing its reader is safe)

    def _read_in_thread(self, pending: bytes) -> None:
        if os.name != "nt" and self._switch is None:
            self._switch = os.pipe()
        self._reader = threading.Thread(target=self._read, args=(self._process.stdout, pending),
                                        name="bulkpdf-mock-jobs-out", daemon=True)
        self._reader.start()

    def _join_reader(self, reader: threading.Thread) -> bytes:
        reader.join()
        with contextlib.suppress(BlockingIOError):  # the request to stop, read or not
            os.set_blocking(self._switch[0], False)
            os.read(self._switch[0], 64)
        return self._leftover

    def _read_on(self, loop: asyncio.AbstractEventLoop, pending: bytes) -> None:
        fd = self._process.stdout.fileno()
        os.set_blocking(fd, False)
        self._on_loop = (loop, fd, [pending])
        loop.add_reader(fd, self._readable, loop, fd, self._on_loop[2])

    def _readable(self, loop: asyncio.AbstractEventLoop, fd: int, unfinished: list[bytes]) -> bool:
        """Read what the pipe holds and queue its lines' writes; False (and no longer watched) at
        the end of the child's output."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            loop.remove_reader(fd)
            return False
        operations, unfinished[0] = _operations(unfinished[0], chunk)
        if operations:
            self.commits.add(operations, _report)
        return True

    def _drain_loop_pipe(self) -> None:
        """A dead child's last progress, read on the loop before a new child replaces it."""
        if self._on_loop is not None:
            loop, fd, unfinished = self._on_loop
            while self._readable(loop, fd, unfinished):
                pass

    def _read(self, stream, pending: bytes) -> None:
        """Apply the child's job progress to the database, in order: on the server's event loop
        with the requests' writes once it takes them (:meth:`.GroupCommit.take_over`), else here,
        the lines that arrived together in one transaction. Stops when asked through the switch
        pipe (the loop reads from then on), leaving its unfinished line in ``_leftover``."""
        fd, switch = stream.fileno(), self._switch
        try:
            while True:
                if switch is not None and switch[0] in select.select([fd, switch[0]], [], [])[0]:
                    return
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return
                operations, pending = _operations(pending, chunk)
                self._commit(operations)
        finally:
            self._leftover = pending

    def _commit(self, operations: list[functools.partial]) -> None:
        commits = self.commits
        if not operations or (commits is not None and commits.from_thread(operations, _report)):
            return
        for operation, (_, error) in zip(operations, self.storage.batch(operations)):
            if error is not None:
                _report(operation, error)


def _operations(unfinished: bytes, chunk: bytes) -> tuple[list[functools.partial], bytes]:
    """The writes of the whole lines in ``unfinished + chunk``, and the unfinished line after them."""
    *lines, rest = (unfinished + chunk).split(b"\n")
    return [functools.partial(_apply, line) for line in lines if line], rest


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _report(operation: functools.partial, error: BaseException) -> None:
    # The job stays active and is resumed on restart.
    log.error("could not record job progress %r: %s", operation.args[0][:200], error)


def _apply(line: bytes, conn: sqlite3.Connection) -> None:
    message = orjson.loads(line)
    if message["op"] == "update":
        Storage.update_job_in(conn, message["job"], **message["values"])
    else:
        Storage.finish_job_in(conn, message["job"], message["files"], **message["values"])
