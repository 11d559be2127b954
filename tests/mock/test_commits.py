"""GroupCommit: the job process's progress, read by a thread or by the loop itself, is committed
on the server's loop with the requests' writes, in order, and none of it is lost when the server
stops."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from bulkpdf_contract.mock.commits import GroupCommit
from bulkpdf_contract.mock.storage import Storage


@pytest.fixture
def storage(tmp_path):
    storage = Storage(tmp_path / "mock.sqlite3")
    yield storage
    storage.close()


def _ids(storage: Storage) -> list[str]:
    return [row["id"] for row in storage.query("SELECT id FROM documents ORDER BY rowid")]


def _put(doc_id: str, threads: list[str] | None = None):
    def operation(conn: sqlite3.Connection) -> str:
        if threads is not None:
            threads.append(threading.current_thread().name)
        conn.execute("INSERT INTO documents (id, data) VALUES (?, ?)", (doc_id, b"{}"))
        return doc_id
    return operation


def _refused(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO documents (id, data) VALUES ('refused', x'')")
    raise ValueError("refused")


def _from_a_thread(commits: GroupCommit, operations, report) -> bool:
    """``from_thread`` as the job-progress reader calls it, on a thread of its own (joined, so
    the loop has not run meanwhile)."""
    taken = []
    reader = threading.Thread(target=lambda: taken.append(commits.from_thread(operations, report)),
                              name="reader")
    reader.start()
    reader.join()
    return taken[0]


def test_progress_commits_on_the_loop_in_the_same_transaction_as_the_requests(storage):
    threads: list[str] = []
    reports: list = []

    async def main() -> None:
        commits = GroupCommit(storage)
        commits.take_over(asyncio.get_running_loop())
        taken = _from_a_thread(commits, [_put("p1", threads), _put("p2", threads)],
                               lambda op, error: reports.append(error))
        before = storage.writes
        assert await commits.run(_put("request", threads)) == "request"
        assert storage.writes == before + 1  # one commit for the request and the progress
        assert taken and _ids(storage) == ["request", "p1", "p2"]

    asyncio.run(main())
    assert set(threads) == {threading.current_thread().name}  # never on the reader's thread
    assert reports == []


def test_a_progress_write_that_fails_is_reported_and_spares_the_others(storage):
    reports: list = []

    async def main() -> None:
        commits = GroupCommit(storage)
        commits.take_over(asyncio.get_running_loop())
        _from_a_thread(commits, [_put("a"), _refused, _put("b")],
                       lambda op, error: reports.append((op, str(error))))
        await commits.run(_put("request"))

    asyncio.run(main())
    assert reports == [(_refused, "refused")]
    assert _ids(storage) == ["request", "a", "b"]


def test_without_a_loop_taking_them_the_reader_commits_itself(storage):
    commits = GroupCommit(storage)
    assert _from_a_thread(commits, [_put("x")], print) is False  # never taken over
    loop = asyncio.new_event_loop()
    commits.take_over(loop)
    loop.close()
    assert _from_a_thread(commits, [_put("y")], print) is False  # its loop is closed
    assert _ids(storage) == []  # nothing was run: the caller runs them


def test_give_back_commits_what_was_handed_over_then_takes_no_more(storage):
    async def main() -> None:
        commits = GroupCommit(storage)
        commits.take_over(asyncio.get_running_loop())
        assert _from_a_thread(commits, [_put("late-1"), _put("late-2")], print) is True
        commits.give_back()  # at shutdown, before the database closes: no turn of the loop needed
        assert _ids(storage) == ["late-1", "late-2"]
        assert _from_a_thread(commits, [_put("after")], print) is False
        await asyncio.sleep(0)  # the turn scheduled for them finds nothing left to commit
        await asyncio.sleep(0)
        assert _ids(storage) == ["late-1", "late-2"]

    asyncio.run(main())


def test_progress_the_loop_reads_commits_after_what_a_thread_handed_over_before(storage):
    """``add`` (the loop reading the job process itself) keeps the order of the progress: what
    the thread that read before it handed over, not yet taken by the loop, commits first."""
    reports: list = []

    async def main() -> None:
        commits = GroupCommit(storage)
        commits.take_over(asyncio.get_running_loop())
        assert _from_a_thread(commits, [_put("by-thread-1"), _put("by-thread-2")], print) is True
        commits.add([_put("by-loop"), _refused], lambda op, error: reports.append(op))
        assert await commits.run(_put("request")) == "request"

    asyncio.run(main())
    assert _ids(storage) == ["by-thread-1", "by-thread-2", "by-loop", "request"]
    assert reports == [_refused]
