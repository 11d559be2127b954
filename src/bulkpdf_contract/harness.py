"""Handles on a bulkpdf mock's test harness over HTTP: its fault rules (:class:`Faults`), its
request journal (:class:`Journal`) and its clock (:class:`MockClock`).

They are what the pytest plugin's ``bulkpdf_faults``, ``bulkpdf_journal`` and ``bulkpdf_clock``
fixtures hand out, and need no pytest: each takes a :class:`~.client.BulkPdfServer` (the
embedded mock, or a ``bulkpdf serve`` started elsewhere). Against a server without the harness
(a real Zuora sandbox) they raise :class:`HarnessUnavailable`, a :class:`unittest.SkipTest`.
"""

from __future__ import annotations

import itertools
import unittest
import uuid
from typing import Any, Mapping

import httpx

from .client import BulkPdfServer, describe
from .mock.journal import Entries, Entry

FAULTS, JOURNAL, CLOCK = "/_mock/faults", "/_mock/journal", "/_mock/clock"


class HarnessUnavailable(unittest.SkipTest):
    """The server has no ``/_mock`` harness (faults, journal, clock); under pytest, a skip."""


class HarnessError(RuntimeError):
    """The harness refused a call (a bad rule, a clock moved backwards); the message says why."""


def _call(server: BulkPdfServer, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    if not server.supports_seeding():
        raise HarnessUnavailable(f"faults, the journal and the clock need a bulkpdf mock server; {server.url} has none")
    response: httpx.Response = server.control().request(method, path, **kwargs)
    if response.status_code != 200:
        raise HarnessError(f"{method} {path} failed: {describe(response)}")
    return response.json()


class Faults:
    """Fault rules added through this handle (the README's rule format), removed by :meth:`clear`.

    ``add`` names the rules it is given without a name (``<prefix>-<n>``), so two handles never
    remove each other's rules."""

    def __init__(self, server: BulkPdfServer, prefix: str | None = None):
        self.server = server
        self.prefix = prefix or f"t{uuid.uuid4().hex[:8]}"
        self.names: list[str] = []
        self._numbers = itertools.count(1)

    def add(self, *rules: Mapping[str, Any]) -> list[str]:
        """Put rules in force (all or none: a bad one raises :class:`HarnessError`); their names."""
        named = [{**rule, "name": rule.get("name") or f"{self.prefix}-{next(self._numbers)}"} for rule in rules]
        added = _call(self.server, "POST", FAULTS, json=named)["added"]
        self.names += [n for n in added if n not in self.names]
        return added

    def rules(self) -> list[dict[str, Any]]:
        """The rules of this handle in force, with their ``seen`` and ``applied`` counters."""
        return [r for r in _call(self.server, "GET", FAULTS)["faults"] if r["name"] in self.names]

    def rule(self, name: str) -> dict[str, Any]:
        return next(r for r in self.rules() if r["name"] == name)

    def remove(self, *names: str) -> None:
        _call(self.server, "DELETE", FAULTS, json=list(names))
        self.names = [n for n in self.names if n not in names]

    def clear(self) -> None:
        """Remove every rule this handle added."""
        if self.names:
            self.remove(*self.names)


class Journal:
    """The requests the mock received since this handle started (or was :meth:`reset`)."""

    def __init__(self, server: BulkPdfServer, since: int | None = None):
        self.server = server
        self.since = self._next() - 1 if since is None else since

    def _next(self) -> int:
        return int(_call(self.server, "GET", JOURNAL, params={"limit": 0})["next"])

    def entries(self) -> Entries:
        """Every entry since the start, oldest first (``Entry``: method, path, headers, status, ...)."""
        raw = _call(self.server, "GET", JOURNAL, params={"since": self.since})["entries"]
        return Entries(Entry.from_json(e) for e in raw)

    def reset(self) -> None:
        """Forget what came so far: later calls see only newer requests."""
        self.since = self._next() - 1

    def posts(self) -> Entries:
        return self.entries().posts()

    def polls(self, job: str | None = None) -> Entries:
        return self.entries().polls(job)

    def downloads(self) -> Entries:
        return self.entries().downloads()

    def jobs_created(self) -> list[str]:
        return self.entries().jobs_created()


class MockClock:
    """The mock's clock: ``advance(seconds)`` moves every rule about time at once."""

    def __init__(self, server: BulkPdfServer):
        self.server = server

    def state(self) -> dict[str, Any]:
        """``{"now", "iso", "frozen", "offset"}``."""
        return _call(self.server, "GET", CLOCK)

    def now(self) -> float:
        return float(self.state()["now"])

    def advance(self, seconds: float) -> float:
        """Move the mock's time forward; returns its new ``now``."""
        return float(_call(self.server, "POST", CLOCK, json={"advance": seconds})["now"])
