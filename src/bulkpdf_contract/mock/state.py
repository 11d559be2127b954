"""What one mock server owns: its settings, data directory, database, document world and runner.

Start-up is lazy and idempotent (:meth:`MockState.ensure_started`): the ASGI lifespan calls it,
and so does the first request, because in-process clients such as httpx's ``ASGITransport`` do
not run the lifespan. An exclusive lock on the data directory keeps a second live server from
"recovering" jobs the first one is still running; the lock dies with its process, so a server
killed with ``kill -9`` can be restarted on the same directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec import Contract
from .jobs import JobRunner
from .worker import ProcessRunner, WorkerSettings
from .storage import Storage
from .world import World, parse_document

try:
    import fcntl
except ImportError:  # Windows: no advisory lock, one server per directory is up to the user
    fcntl = None

log = logging.getLogger("bulkpdf_contract.mock")
DB_NAME = "mock.sqlite3"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/bulkpdf-contract/mock`` (``~/.local/share/...``): the default of ``bulkpdf serve``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "bulkpdf-contract" / "mock"


@dataclass
class MockConfig:
    contract: Contract
    data_dir: Path
    temporary: bool
    tokens: frozenset[str] | None
    documents_per_zip: int
    file_url_ttl: float
    idempotency_ttl: float
    job_delay: float
    request_delay: float
    max_body_bytes: int
    max_inflated_bytes: int
    workers: int
    max_job_attempts: int
    rate_limit: int | None
    concurrency_limit: int | None
    job_process: bool = True
    disabled_rules: frozenset[str] = field(default_factory=frozenset)
    gzip_min_bytes: int = 1000
    idempotent_methods: frozenset[str] = frozenset({"POST", "PATCH"})


class MockState:
    def __init__(self, config: MockConfig, world: World):
        self.config = config
        self.world = world
        self.storage: Storage | None = None
        self.runner: JobRunner | ProcessRunner | None = None
        self.commits: Any = None  # the app's GroupCommit: request writes sharing a transaction
        self.started = False
        self._lock = threading.Lock()
        self._lock_file: Any = None

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

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
            storage = Storage(cfg.data_dir / DB_NAME)
            storage.recover(not_before=time.time() - cfg.idempotency_ttl)
            self.world.seeded = {d["id"]: parse_document(d) for d in storage.seeded_documents()}
            if cfg.job_process:
                runner = ProcessRunner(WorkerSettings(
                    db_path=str(cfg.data_dir / DB_NAME), data_dir=str(cfg.data_dir),
                    documents_per_zip=cfg.documents_per_zip, file_url_ttl=cfg.file_url_ttl,
                    job_delay=cfg.job_delay, workers=cfg.workers, max_attempts=cfg.max_job_attempts,
                    open_world=self.world.open_world,
                    configured=[d.to_dict() for d in self.world.configured.values()],
                ), storage)
            else:
                runner = JobRunner(
                    storage, self.world, cfg.data_dir,
                    documents_per_zip=cfg.documents_per_zip, file_url_ttl=cfg.file_url_ttl,
                    job_delay=cfg.job_delay, workers=cfg.workers, max_attempts=cfg.max_job_attempts,
                )
            runner.start()
        except BaseException:
            self._release_directory()
            raise
        self.storage, self.runner = storage, runner
        log.info("bulkpdf mock: data directory %s", cfg.data_dir)

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
            if self.storage is not None:
                self.storage.close()
            self.runner = self.storage = None
            self._release_directory()
            self.started = False
            if self.config.temporary:
                shutil.rmtree(self.config.data_dir, ignore_errors=True)


def make_temporary_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="bulkpdf-mock-"))
