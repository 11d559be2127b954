"""What happens to each finished exchange: checked against the contract and the conversation so
far, its violations reported (JSON lines, the log, the pytest plugin), the exchange written to the
HAR file and counted.

Exchanges are processed one at a time in the order they finished, because the conversation rules
depend on that order: each takes a turn when it finishes and waits for the turn before it. The
request check of a large body runs in a thread meanwhile, so the event loop keeps forwarding.
The plugin reads from another thread: counters and kept violations sit behind a lock, and
:meth:`Recorder.wait_idle` waits until every exchange begun so far is processed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..spec import Contract
from ..validators.conversation import Conversation
from ..validators.exchanges import Exchange, Violation, check_exchange, request_violations
from .config import ProxySettings
from .har import HarWriter, Timings
from .report import ReportWriter, Stats

log = logging.getLogger("bulkpdf_contract.proxy")
log.addHandler(logging.NullHandler())  # a library stays quiet unless the command (or pytest) shows its log
LARGE_BODY_BYTES = 65536
"""Request bodies larger than this are validated in a thread (a 50,000-ID request takes ~30 ms)."""
KEPT_VIOLATIONS = 10_000
"""Violations kept in memory for the plugin (the report file keeps them all)."""


@dataclass(frozen=True)
class Finished:
    """An exchange as the forwarding side hands it over."""

    exchange: Exchange
    url: str
    timings: Timings
    requested: list[Violation] | None = None  # already checked (--enforce)
    error: str | None = None
    checked: bool = True  # False: the request never arrived whole, so nothing can be judged


class Recorder:
    def __init__(self, settings: ProxySettings, contract: Contract):
        self.contract = contract
        self.conversation = Conversation(contract)
        self.report = ReportWriter(settings.report) if settings.report is not None else None
        try:
            self.har = HarWriter(settings.har) if settings.har is not None else None
        except OSError:
            if self.report is not None:
                self.report.close()
            raise
        self.stats = Stats()
        self._kept: deque[tuple[int, Violation]] = deque(maxlen=KEPT_VIOLATIONS)
        self._count = 0  # violations so far
        self._next_id = 0
        self._in_flight = 0
        self._cond = threading.Condition()
        self._turn: asyncio.Future | None = None
        self._wall0 = time.time_ns() // 1000
        self._mono0 = time.perf_counter_ns()
        self.closed = False

    def now_us(self) -> int:
        """Wall-clock microseconds that never go backwards (they follow the monotonic clock)."""
        return self._wall0 + (time.perf_counter_ns() - self._mono0) // 1000

    def begin(self) -> tuple[int, int]:
        """A new exchange: its id and start time (µs)."""
        with self._cond:
            self._next_id += 1
            self._in_flight += 1
            return self._next_id, self.now_us()

    async def finish(self, exchange_id: int, make: Callable[[], Finished]) -> None:
        """Make the record (``make()``), check, report and keep it in its turn; never raises into
        the forwarding side."""
        previous, mine = self._turn, asyncio.get_running_loop().create_future()
        self._turn = mine
        try:
            # One turn of the loop first: the answer's bytes leave then (the server's transport
            # writes on the next turn, see mock.server.CoalescingTransport), not after the record
            # is made (~30 us at 400 req/s) and checked.
            await asyncio.sleep(0)
            done = make()
            requested = done.requested
            if done.checked and requested is None and done.exchange.request_body.size > LARGE_BODY_BYTES:
                requested = await asyncio.to_thread(request_violations, done.exchange, self.contract)
            if previous is not None:
                await previous
            self._process(done, requested)
        except Exception:  # a checker bug must not cost the client its answer, nor stop the others
            log.exception("exchange %d could not be checked", exchange_id)
        finally:
            mine.set_result(None)
            if self._turn is mine:
                self._turn = None
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _process(self, done: Finished, requested: list[Violation] | None) -> None:
        exchange = done.exchange
        violations = (check_exchange(exchange, self.conversation, self.contract, requested)
                      if done.checked else [])
        if self.report is not None:
            self.report.write(violations)
        if self.har is not None:
            self.har.add(exchange, done.url, done.timings, done.error)
        elapsed = (exchange.finished - exchange.started) * 1000
        log.info("%s %s -> %s in %.1f ms%s", exchange.method, exchange.path, exchange.status or "-",
                 elapsed, f" ({len(violations)} violations)" if violations else "")
        for v in violations:
            log.warning("exchange %d %s %s %s: %s", v.exchange, v.direction, v.rule, v.pointer or "/", v.message)
        with self._cond:
            stats = self.stats
            stats.exchanges += 1
            stats.aborted += not done.checked
            stats.refused += exchange.by_proxy and 400 <= (exchange.status or 0) < 500
            stats.unreachable += exchange.by_proxy and exchange.status in (502, 504)
            for v in violations:
                stats.violations[v.rule] += 1
                stats.by_direction[v.direction] += 1
                self._kept.append((self._count, v))
                self._count += 1

    # -- for other threads (the plugin, the command) -------------------------------------------
    def mark(self) -> int:
        """A position in the violations: :meth:`violations_since` it gives the later ones."""
        with self._cond:
            return self._count

    def violations_since(self, mark: int) -> list[Violation]:
        with self._cond:
            return [v for n, v in self._kept if n >= mark]

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every exchange begun so far is processed; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._in_flight == 0, timeout)

    def snapshot(self) -> Stats:
        with self._cond:
            s = self.stats
            return Stats(s.exchanges, s.refused, s.unreachable, s.aborted, s.violations.copy(),
                         s.by_direction.copy())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for writer in (self.report, self.har):
            if writer is not None:
                writer.close()
