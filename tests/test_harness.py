"""The harness handles without pytest: rules named per handle and removed per handle, the
journal since a handle started or was reset, the clock; errors that say why."""

from __future__ import annotations

import pytest

from bulkpdf_contract.client import BulkPdfServer
from bulkpdf_contract.harness import Faults, HarnessError, HarnessUnavailable, Journal, MockClock
from bulkpdf_contract.mock import DEFAULT_TOKEN, Clock, run_server


@pytest.fixture(scope="module")
def server():
    with run_server(token=DEFAULT_TOKEN, job_process=False, clock=Clock(frozen_at=2_000_000_000)) as running:
        handle = BulkPdfServer(running.url, DEFAULT_TOKEN, embedded=True, app=running.app)
        yield handle
        handle.close()


def test_each_handle_names_and_removes_only_its_rules(server):
    mine, theirs = Faults(server, prefix="mine"), Faults(server)
    assert mine.add({"action": "delay", "seconds": 0.001}, {"name": "named", "action": "disconnect",
                                                           "path": "/nowhere"}) == ["mine-1", "named"]
    (other,) = theirs.add({"action": "delay", "seconds": 0.001, "path": "/nowhere"})
    assert other.startswith(theirs.prefix + "-")
    assert [r["name"] for r in mine.rules()] == ["mine-1", "named"]
    mine.clear()
    assert mine.rules() == [] and [r["name"] for r in theirs.rules()] == [other]
    theirs.clear()
    with pytest.raises(HarnessError, match="'status' must be at least 400"):
        mine.add({"action": "respond", "status": 302})
    assert mine.names == []


def test_the_journal_starts_with_the_handle_and_resets(server):
    control = server.control()
    control.get("/v1/operations/bulk-pdf/" + "0" * 32)
    journal = Journal(server)
    assert journal.entries() == []
    control.get("/v1/operations/bulk-pdf/" + "1" * 32)
    (poll,) = journal.polls()
    assert poll.status == 404 and poll.path.endswith("1" * 32)
    journal.reset()
    assert journal.entries() == [] and journal.posts() == [] and journal.downloads() == []


def test_the_clock_moves_forward_only(server):
    clock = MockClock(server)
    start = clock.now()
    assert clock.advance(60) == start + 60 and clock.state()["frozen"] is True
    with pytest.raises(HarnessError, match="time only moves forward"):
        clock.advance(-1)


def test_a_server_without_the_harness_is_a_skip():
    nowhere = BulkPdfServer("http://127.0.0.1:9", "t", embedded=False)
    with pytest.raises(HarnessUnavailable, match="need a bulkpdf mock server"):
        MockClock(nowhere).now()
    nowhere.close()
