"""The mock's state in SQLite: jobs, their ZIP files and download tokens, idempotency records,
and documents seeded over HTTP.

Plain ``sqlite3``, no ORM: a handful of tables and statements. WAL mode lets readers run while a
job commits; a committed transaction survives ``kill -9`` (``synchronous=NORMAL`` only risks the
last transactions on an OS crash). Each thread gets its own connection; write transactions are
serialised by a process lock first, so concurrent requests queue in Python instead of spinning in
SQLite's busy handler; :meth:`Storage.batch` lets many writes share one commit (see
:mod:`.commits` for how concurrent requests' writes are gathered into batches, and for the
checkpoints the server runs in the background). Idempotency is
decided inside one ``BEGIN IMMEDIATE`` transaction keyed by a primary key, so two concurrent
requests with one key can never both create a job.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT,
    file_name TEXT NOT NULL,
    index_format TEXT NOT NULL,
    generate_missing INTEGER NOT NULL,
    ignore_archived INTEGER NOT NULL,
    persist_index INTEGER NOT NULL,
    status TEXT NOT NULL,
    step_status TEXT NOT NULL,
    created_on REAL NOT NULL,
    created_by TEXT NOT NULL,
    documents BLOB NOT NULL,
    skipped BLOB,
    failed BLOB,
    reasons BLOB,
    attempts INTEGER NOT NULL DEFAULT 0,
    finished_on REAL,
    fault BLOB
);
CREATE TABLE IF NOT EXISTS files (
    job_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    documents INTEGER NOT NULL,
    token TEXT NOT NULL UNIQUE,
    expires_at REAL NOT NULL,
    PRIMARY KEY (job_id, n)
);
CREATE TABLE IF NOT EXISTS idempotency (
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    status INTEGER,
    headers BLOB,
    body BLOB,
    created_at REAL NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

ACTIVE = ("Submitted", "Executing")
_DOCUMENTS_CHANGED = ("INSERT INTO counters (name, value) VALUES ('documents', 1)"
                      " ON CONFLICT (name) DO UPDATE SET value = value + 1")  # no row yet: never changed
_JSON_COLUMNS = ("documents", "skipped", "failed", "reasons", "fault")
_ADDED_COLUMNS = {"fault": "BLOB"}  # columns newer than the oldest data directories (added at start-up)


@dataclass
class StoredResponse:
    """A response as kept for idempotent replay."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class IdempotencyRecord:
    method: str
    path: str
    state: str  # "in_flight" or "done"
    owner: str
    response: StoredResponse | None


class Storage:
    """One SQLite database file; safe to use from any thread."""

    def __init__(self, path: Path, *, background_checkpoints: bool = False):
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._conn_lock = threading.Lock()
        self._generation = 0
        # True: connections never checkpoint the WAL, a .commits.Checkpoints thread does.
        self.background_checkpoints = background_checkpoints
        self.writes = 0  # write transactions begun (the checkpointer's cue)
        with self._write_lock:
            conn = self.connection()
            conn.executescript(SCHEMA)
            present = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in present:
                    conn.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")

    # -- connections ---------------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.generation == self._generation:
            return conn
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if self.background_checkpoints:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        with self._conn_lock:
            self._connections.append(conn)
        self._local.conn = conn
        self._local.generation = self._generation
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on error."""
        conn = self.connection()
        with self._write_lock:
            self.writes += 1
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def writers_waiting(self) -> Iterator[None]:
        """No write transaction begins meanwhile (for :class:`.commits.Checkpoints`)."""
        with self._write_lock:
            yield

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._conn_lock:
            connections, self._connections = self._connections, []
            self._generation += 1
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- jobs ----------------------------------------------------------------------------------
    @staticmethod
    def insert_job(conn: sqlite3.Connection, job: dict[str, Any]) -> None:
        row = {k: (orjson.dumps(v) if k in _JSON_COLUMNS else v) for k, v in job.items()}
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        conn.execute(f"INSERT INTO jobs ({columns}) VALUES ({marks})", tuple(row.values()))

    _SUMMARY = ", ".join(
        c for c in ("id", "tenant", "name", "file_name", "index_format", "generate_missing",
                    "ignore_archived", "persist_index", "status", "step_status", "created_on",
                    "created_by", "skipped", "failed", "reasons", "attempts", "finished_on")
    )

    def job(self, job_id: str, tenant: str | None = None, *, documents: bool = False) -> dict[str, Any] | None:
        """A job row; ``documents=True`` also decodes its document list (the runner needs it,
        a poll does not: for a 50,000-document job it is megabytes)."""
        columns = "*" if documents else self._SUMMARY
        sql = f"SELECT {columns} FROM jobs WHERE id = ?" + (" AND tenant = ?" if tenant is not None else "")
        rows = self.query(sql, (job_id,) if tenant is None else (job_id, tenant))
        if not rows:
            return None
        job = dict(rows[0])
        for name in _JSON_COLUMNS:
            if name in job:
                job[name] = orjson.loads(job[name]) if job[name] is not None else None
        return job

    def update_job(self, job_id: str, **values: Any) -> None:
        with self.write() as conn:
            self.update_job_in(conn, job_id, **values)

    @staticmethod
    def update_job_in(conn: sqlite3.Connection, job_id: str, **values: Any) -> None:
        row = {k: (orjson.dumps(v) if k in _JSON_COLUMNS else v) for k, v in values.items()}
        assignments = ", ".join(f"{k} = ?" for k in row)
        conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*row.values(), job_id))

    def count_jobs(self, *, file_name: str | None = None) -> int:
        """How many jobs exist (with this ``fileName``): for checks that a replay created none."""
        if file_name is None:
            return int(self.query("SELECT COUNT(*) FROM jobs")[0][0])
        return int(self.query("SELECT COUNT(*) FROM jobs WHERE file_name = ?", (file_name,))[0][0])

    def active_jobs(self) -> list[dict[str, Any]]:
        placeholders = ", ".join("?" * len(ACTIVE))
        rows = self.query(
            f"SELECT id, attempts FROM jobs WHERE status IN ({placeholders}) ORDER BY created_on", ACTIVE
        )
        return [dict(r) for r in rows]

    def finish_job(self, job_id: str, files: list[dict[str, Any]], **values: Any) -> None:
        """Register the finished ZIPs and the final status in one transaction."""
        with self.write() as conn:
            self.finish_job_in(conn, job_id, files, **values)

    @classmethod
    def finish_job_in(cls, conn: sqlite3.Connection, job_id: str, files: list[dict[str, Any]], **values: Any) -> None:
        conn.execute("DELETE FROM files WHERE job_id = ?", (job_id,))
        conn.executemany(
            "INSERT INTO files (job_id, n, name, path, size, documents, token, expires_at)"
            " VALUES (:job_id, :n, :name, :path, :size, :documents, :token, :expires_at)",
            [{"job_id": job_id, **f} for f in files],
        )
        cls.update_job_in(conn, job_id, **values)

    def batch(self, operations: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[Any, BaseException | None]]:
        """Run several operations in one transaction (one commit): ``[(result, None) | (None,
        error), ...]``; one failing operation does not undo the others.

        All run in one go first; only when one fails is the transaction rolled back and each
        run again in its own savepoint (two statements per operation that the common case,
        where none fails, need not pay)."""
        failed: Exception | None = None
        try:
            with self.write() as conn:
                results: list[tuple[Any, BaseException | None]] = []
                for operation in operations:
                    try:
                        results.append((operation(conn), None))
                    except Exception as exc:
                        failed = exc
                        raise
                return results
        except Exception as exc:
            if exc is not failed:  # the transaction itself failed
                raise
        if len(operations) == 1:
            return [(None, failed)]
        return self._in_savepoints(operations)

    def _in_savepoints(self, operations: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[Any, BaseException | None]]:
        out: list[tuple[Any, BaseException | None]] = []
        with self.write() as conn:
            for operation in operations:
                conn.execute("SAVEPOINT operation")
                try:
                    value = operation(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO operation")
                    conn.execute("RELEASE operation")
                    out.append((None, exc))
                else:
                    conn.execute("RELEASE operation")
                    out.append((value, None))
        return out

    def files(self, job_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM files WHERE job_id = ? ORDER BY n", (job_id,))]

    def file_by_token(self, token: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM files WHERE token = ?", (token,))
        return dict(rows[0]) if rows else None

    # -- idempotency ---------------------------------------------------------------------------
    @staticmethod
    def _record(row: sqlite3.Row | None) -> IdempotencyRecord | None:
        if row is None:
            return None
        response = None
        if row["state"] == "done":
            response = StoredResponse(row["status"], orjson.loads(row["headers"]), row["body"])
        return IdempotencyRecord(row["method"], row["path"], row["state"], row["owner"], response)

    @staticmethod
    def _current(conn: sqlite3.Connection, tenant: str, key: str, not_before: float) -> sqlite3.Row | None:
        row = conn.execute(
            "SELECT * FROM idempotency WHERE tenant = ? AND key = ?", (tenant, key)
        ).fetchone()
        if row is not None and row["created_at"] < not_before:
            conn.execute("DELETE FROM idempotency WHERE tenant = ? AND key = ?", (tenant, key))
            return None
        return row

    def idempotency_record(self, tenant: str, key: str, not_before: float) -> IdempotencyRecord | None:
        rows = self.query(
            "SELECT * FROM idempotency WHERE tenant = ? AND key = ? AND created_at >= ?",
            (tenant, key, not_before),
        )
        return self._record(rows[0] if rows else None)

    def claim_key(
        self, tenant: str, key: str, method: str, path: str, owner: str, now: float, not_before: float
    ) -> IdempotencyRecord | None:
        """Mark a key in flight for ``owner``; the existing record instead when there is one."""
        with self.write() as conn:
            row = self._current(conn, tenant, key, not_before)
            if row is not None:
                return self._record(row)
            conn.execute(
                "INSERT INTO idempotency (tenant, key, method, path, state, owner, created_at)"
                " VALUES (?, ?, ?, ?, 'in_flight', ?, ?)",
                (tenant, key, method, path, owner, now),
            )
        return None

    @classmethod
    def store_result_in(
        cls,
        conn: sqlite3.Connection,
        *,
        tenant: str,
        key: str | None,
        method: str,
        path: str,
        owner: str,
        now: float,
        not_before: float,
        response: StoredResponse | None,
        job: dict[str, Any] | None,
    ) -> IdempotencyRecord | None:
        """Create the job (if any) and keep the response under the key, atomically.

        Returns None when this request's result was stored, or the record that already holds
        the key (another request's), in which case nothing was written.
        """
        if key is not None:
            row = cls._current(conn, tenant, key, not_before)
            if row is not None and not (row["state"] == "in_flight" and row["owner"] == owner):
                return cls._record(row)
        if job is not None:
            cls.insert_job(conn, job)
        if key is not None and response is not None:
            conn.execute(
                "INSERT OR REPLACE INTO idempotency"
                " (tenant, key, method, path, state, owner, status, headers, body, created_at)"
                " VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?, ?)",
                (tenant, key, method, path, owner, response.status,
                 orjson.dumps(response.headers), response.body, now),
            )
        return None

    def release_key(self, tenant: str, key: str, owner: str) -> None:
        with self.write() as conn:
            conn.execute(
                "DELETE FROM idempotency WHERE tenant = ? AND key = ? AND owner = ? AND state = 'in_flight'",
                (tenant, key, owner),
            )

    def recover(self, not_before: float) -> None:
        """At start-up: forget requests that died in flight and records past their retention."""
        with self.write() as conn:
            conn.execute("DELETE FROM idempotency WHERE state = 'in_flight' OR created_at < ?", (not_before,))

    # -- seeded documents ----------------------------------------------------------------------
    def seeded_documents(self) -> list[dict[str, Any]]:
        return [orjson.loads(r["data"]) for r in self.query("SELECT data FROM documents ORDER BY rowid")]

    def documents_version(self) -> int:
        """Moves with each change to the seeded documents: the job process re-reads them only then."""
        rows = self.query("SELECT value FROM counters WHERE name = 'documents'")
        return rows[0][0] if rows else 0

    def put_documents(self, documents: list[dict[str, Any]]) -> None:
        with self.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO documents (id, data) VALUES (?, ?)",
                [(d["id"], orjson.dumps(d)) for d in documents],
            )
            conn.execute(_DOCUMENTS_CHANGED)

    def delete_documents(self, ids: list[str] | None) -> None:
        with self.write() as conn:
            if ids is None:
                conn.execute("DELETE FROM documents")
            else:
                conn.executemany("DELETE FROM documents WHERE id = ?", [(i,) for i in ids])
            conn.execute(_DOCUMENTS_CHANGED)
