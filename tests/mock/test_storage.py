"""Storage.batch: many writes share one commit, and one that fails undoes only itself."""

from __future__ import annotations

import sqlite3

import pytest

from bulkpdf_contract.mock.storage import Storage

from mock_support import job_row


def _put(doc_id: str):
    def operation(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO documents (id, data) VALUES (?, ?)", (doc_id, b"{}"))
        return doc_id
    return operation


def _fail_after_put(doc_id: str):
    def operation(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO documents (id, data) VALUES (?, ?)", (doc_id, b"{}"))
        raise ValueError(f"{doc_id} refused")
    return operation


def _ids(storage: Storage) -> list[str]:
    return [row["id"] for row in storage.query("SELECT id FROM documents ORDER BY id")]


@pytest.fixture
def storage(tmp_path):
    storage = Storage(tmp_path / "mock.sqlite3")
    yield storage
    storage.close()


def test_a_batch_commits_every_operation_and_returns_their_results(storage):
    assert storage.batch([_put("a"), _put("b"), _put("c")]) == [("a", None), ("b", None), ("c", None)]
    assert _ids(storage) == ["a", "b", "c"]


def test_a_failing_operation_undoes_only_its_own_writes(storage):
    results = storage.batch([_put("a"), _fail_after_put("x"), _put("b")])
    assert [value for value, _ in results] == ["a", None, "b"]
    assert isinstance(results[1][1], ValueError) and results[0][1] is None and results[2][1] is None
    assert _ids(storage) == ["a", "b"]  # each good one exactly once: none is committed twice


def test_a_lone_failing_operation_is_reported_not_raised(storage):
    (result,) = storage.batch([_fail_after_put("x")])
    assert result[0] is None and isinstance(result[1], ValueError)
    assert _ids(storage) == []


def test_an_operation_failing_on_a_constraint_leaves_the_others(storage):
    storage.batch([_put("a")])
    results = storage.batch([_put("b"), _put("a"), _put("c")])  # "a" exists: a primary-key error
    assert isinstance(results[1][1], sqlite3.IntegrityError)
    assert _ids(storage) == ["a", "b", "c"]


def test_a_failing_commit_is_raised_for_the_whole_batch(storage, monkeypatch):
    class Refusing:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, *args)

    real = storage.connection()
    monkeypatch.setattr(storage, "connection", lambda: Refusing(real))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        storage.batch([_put("a"), _put("b")])
    real.execute("ROLLBACK")
    monkeypatch.undo()
    assert _ids(storage) == []


# -- checkpoints: off the event loop, and the WAL still restarts ------------------------------------
def _wal_frames(storage: Storage) -> int:
    """Frames in the WAL now (a passive checkpoint reports them; it also copies them, harmlessly)."""
    return storage.connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def _fill(storage: Storage, transactions: int) -> None:
    for i in range(transactions):
        with storage.write() as conn:
            conn.execute("INSERT OR REPLACE INTO documents (id, data) VALUES (?, ?)", (f"d{i % 50}", b"x" * 3000))


def test_a_server_storage_never_checkpoints_in_a_commit(tmp_path):
    sqlite_threshold = 1000  # SQLite's automatic checkpoint, in WAL pages

    storage = Storage(tmp_path / "mock.sqlite3", background_checkpoints=True)
    try:
        assert storage.connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        _fill(storage, sqlite_threshold)
        page = storage.connection().execute("PRAGMA page_size").fetchone()[0]
        # SQLite's own checkpoint would have restarted the WAL near its threshold
        assert (tmp_path / "mock.sqlite3-wal").stat().st_size > 1.5 * sqlite_threshold * page
    finally:
        storage.close()
    default = Storage(tmp_path / "other.sqlite3")
    try:
        assert default.connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    finally:
        default.close()


def test_a_background_checkpoint_lets_the_wal_start_over(tmp_path):
    from bulkpdf_contract.mock.commits import Checkpoints

    storage = Storage(tmp_path / "mock.sqlite3", background_checkpoints=True)
    try:
        _fill(storage, 500)
        Checkpoints(storage, restart_frames=400).checkpoint()  # past them: completed, writers held meanwhile
        _fill(storage, 1)
        assert _wal_frames(storage) < 10  # the write after it started the WAL from its beginning
        assert len(storage.query("SELECT id FROM documents")) == 50  # nothing lost on the way
    finally:
        storage.close()


def test_writers_are_held_only_past_restart_frames(tmp_path):
    import contextlib

    from bulkpdf_contract.mock.commits import Checkpoints

    storage = Storage(tmp_path / "mock.sqlite3", background_checkpoints=True)
    held = []
    waiting = storage.writers_waiting

    @contextlib.contextmanager
    def counted():
        held.append(_wal_frames(storage))
        with waiting():
            yield

    storage.writers_waiting = counted
    try:
        _fill(storage, 100)
        Checkpoints(storage, restart_frames=10_000).checkpoint()
        assert held == []  # a round of its own while writers go on
        _fill(storage, 100)
        Checkpoints(storage, restart_frames=50).checkpoint()
        assert len(held) == 1
    finally:
        storage.close()


def test_the_checkpoint_thread_stops_with_the_server(tmp_path):
    from bulkpdf_contract.mock.commits import Checkpoints

    storage = Storage(tmp_path / "mock.sqlite3", background_checkpoints=True)
    checkpoints = Checkpoints(storage, interval=0.01)
    checkpoints.start()
    thread = checkpoints._thread
    _fill(storage, 20)
    checkpoints.stop(timeout=10)
    # its own thread: another test's server (a session fixture, under pytest-xdist in any
    # order) may run a checkpoint thread of the same name meanwhile
    assert thread is not None and checkpoints._thread is None
    assert not thread.is_alive()
    storage.close()


def test_the_documents_version_moves_with_each_change_to_the_seeded_documents_and_only_then(storage):
    versions = [storage.documents_version()]

    def moved() -> bool:
        versions.append(storage.documents_version())
        return versions[-1] != versions[-2]

    storage.put_documents([{"id": "a", "pdfFileName": "a.pdf"}])
    assert moved()
    with storage.write() as conn:  # a job's writes leave it alone
        Storage.insert_job(conn, job_row("j", []))
    assert not moved()
    storage.put_documents([{"id": "a", "pdfFileName": "replaced.pdf"}])
    assert moved()
    storage.delete_documents(["a"])
    assert moved()
    storage.delete_documents(None)
    assert moved()


def test_a_database_from_before_the_documents_version_gets_one_on_opening(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = Storage(path)
    old.put_documents([{"id": "a"}])
    with old.write() as conn:
        conn.execute("DROP TABLE counters")  # as a data directory of an earlier release has it
    old.close()
    storage = Storage(path)
    try:
        before = storage.documents_version()
        storage.put_documents([{"id": "b"}])
        assert storage.documents_version() != before
        assert [d["id"] for d in storage.seeded_documents()] == ["a", "b"]
    finally:
        storage.close()


def test_opening_an_existing_database_writes_nothing(tmp_path):
    """The job process opens the server's database too and must never write to it (an open
    that reset the documents' counter would set it back): another connection's data_version
    moves with every commit but its own."""
    path = tmp_path / "mock.sqlite3"
    first = Storage(path)
    first.put_documents([{"id": "a"}])
    watcher = sqlite3.connect(path)
    try:
        before = watcher.execute("PRAGMA data_version").fetchone()[0]
        Storage(path).close()  # as the job process opens it
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == before
        first.put_documents([{"id": "b"}])  # the watcher does see a commit
        assert watcher.execute("PRAGMA data_version").fetchone()[0] != before
    finally:
        watcher.close()
        first.close()
