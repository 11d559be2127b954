"""What one mock server owns at run time: its data directory, database, document world, job
runner, clock and token issuer, and its test harness: the fault rules in force and the
request journal.

Start-up is lazy and idempotent (:meth:`MockState.ensure_started`): the ASGI lifespan calls it,
and so does the first request, because in-process clients such as httpx's ``ASGITransport`` do
not run the lifespan. An exclusive lock on the data directory keeps a second live server from
"recovering" jobs the first one is still running; the lock dies with its process, so a server
killed with ``kill -9`` can be restarted on the same directory.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
from pathlib import Path
from typing import IO, Any

from .clock import Clock
from .config import MockConfig
from .faults import FaultSet
from .ids import JobIds
from .journal import Journal
from .jobs import JobOptions, JobRunner
from .oauth import TokenIssuer, load_key
from .commits import Checkpoints, GroupCommit
from .storage import Storage
from .job_process import WorkerSettings
from .worker import ProcessRunner
from .world import World, parse_document

try:
    import fcntl
except ImportError:  # Windows: no advisory lock, one server per directory is up to the user
    fcntl = None

log = logging.getLogger("bulkpdf_contract.mock")
DB_NAME = "mock.sqlite3"


class MockState:
    def __init__(self, config: MockConfig, world: World):
        self.config = config
        self.world = world
        self.storage: Storage | None = None
        self.runner: JobRunner | ProcessRunner | None = None
        self.commits: GroupCommit | None = None  # request writes sharing a transaction
        self.checkpoints: Checkpoints | None = None  # the WAL's, off the event loop
        self.faults = FaultSet(list(config.settings.faults))  # the rules in force (see .faults)
        self.journal = Journal(config.settings.journal_size)  # every request received (see .journal)
        self.job_ids = JobIds()
        self.oauth: TokenIssuer | None = None  # the OAuth clients' tokens (its key is the data directory's)
        self.started = False
        self._lock = threading.Lock()
        self._lock_file: IO[str] | None = None
        config.clock.on_change(self._clock_changed)

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def clock(self) -> Clock:
        """The mock's time; ``state.clock.advance(seconds)`` moves it for every rule at once."""
        return self.config.clock

    def ensure_started(self) -> None:
        if self.started:
            return
        with self._lock:
            if self.started:
                return
            self._start()
            self.started = True

    def _start(self) -> None:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_directory()
        try:
            settings = cfg.settings
            self.oauth = TokenIssuer(settings.clients, settings.token_ttl, self.clock, load_key(cfg.data_dir))
            storage = Storage(cfg.data_dir / DB_NAME, background_checkpoints=True)
            storage.recover(not_before=self.clock.now() - cfg.settings.idempotency_ttl)
            self.world.seeded = {d["id"]: parse_document(d) for d in storage.seeded_documents()}
            # Set before it starts: a clock change during the start reaches the job process.
            self.runner = self._make_runner(storage)
            self.runner.start()
        except BaseException:
            self.runner = None
            self._release_directory()
            raise
        self.storage, self.commits = storage, GroupCommit(storage)
        if isinstance(self.runner, ProcessRunner):  # commits its progress there once a loop takes it
            self.runner.commits = self.commits
        self.checkpoints = Checkpoints(storage)
        self.checkpoints.start()
        log.info("bulkpdf mock: data directory %s", cfg.data_dir)

    def _make_runner(self, storage: Storage) -> JobRunner | ProcessRunner:
        settings = self.config.settings
        options = JobOptions(
            documents_per_zip=settings.documents_per_zip, file_url_ttl=settings.file_url_ttl,
            job_delay=settings.job_delay, workers=settings.workers, max_attempts=settings.max_job_attempts,
        )
        if not settings.job_process:
            return JobRunner(storage, self.world, self.data_dir, options, clock=self.clock)
        return ProcessRunner(WorkerSettings(
            db_path=str(self.data_dir / DB_NAME), data_dir=str(self.data_dir), jobs=options,
            open_world=self.world.open_world, configured=[d.to_dict() for d in self.world.configured.values()],
        ), storage, self.clock)

    def _clock_changed(self, clock_state: dict[str, Any]) -> None:
        runner = self.runner
        if isinstance(runner, ProcessRunner):  # threads of this process read the clock itself
            runner.clock_changed(clock_state)

    def _acquire_directory(self) -> None:
        if fcntl is None:
            return
        handle = open(self.config.data_dir / "lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise RuntimeError(
                f"the data directory {self.config.data_dir} is in use by another running mock server; "
                "stop it or choose another --data-dir"
            ) from None
        self._lock_file = handle

    def _release_directory(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                self._lock_file.close()
            self._lock_file = None

    def count_jobs(self, *, file_name: str | None = None) -> int:
        """How many jobs this server holds (with this ``fileName``), starting it if needed."""
        self.ensure_started()
        return self.storage.count_jobs(file_name=file_name)

    def close(self) -> None:
        """Stop the workers, close the database, release the directory (and delete it if temporary)."""
        with self._lock:
            if self.runner is not None:
                self.runner.stop()
            if self.checkpoints is not None:
                self.checkpoints.stop()
            if self.storage is not None:
                self.storage.close()
            self.runner = self.storage = self.commits = self.checkpoints = None
            self._release_directory()
            self.started = False
            if self.config.temporary:
                shutil.rmtree(self.config.data_dir, ignore_errors=True)
