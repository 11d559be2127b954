"""The mock's time: the system clock, shifted by ``advance``, or frozen for tests.

Every rule of the contract that is about time (download URLs valid 24 h, idempotency keys kept
24 h, token lifetimes, job delays) reads this clock, so a test moves time forward instead of
waiting for it: ``clock.advance(86400)`` expires every URL at once. Waiting is done here too,
on a condition that ``advance`` notifies, so a job step or a held request that waits for the
clock wakes when time is moved past its end rather than after the real seconds.

A following clock (the default) runs with the system clock plus every second advanced; a
frozen clock (``Clock(frozen_at=...)``) moves only when advanced, which makes waits
deterministic: nothing that waits on it returns until a test says so.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any, Callable


class Clock:
    def __init__(self, *, frozen_at: float | None = None, offset: float = 0.0):
        self._frozen_at = frozen_at
        self._offset = offset
        self._condition = threading.Condition()
        self._sleepers = 0
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = set()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    # -- reading ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the epoch, as the mock sees them."""
        base = time.time() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset(self) -> float:
        """Seconds this clock was advanced in all (what separates it from the system clock)."""
        return self._offset

    def state(self) -> dict[str, Any]:
        """What another process needs to keep the same time (see :meth:`from_state`)."""
        return {"frozen_at": self._frozen_at, "offset": self._offset}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Clock:
        return cls(frozen_at=state.get("frozen_at"), offset=float(state.get("offset", 0.0)))

    # -- moving ----------------------------------------------------------------------------------
    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (finite, not negative); returns the new ``now()``."""
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
            raise ValueError(f"advance takes a finite number of seconds, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"time only moves forward; got {seconds!r} seconds")
        with self._condition:
            self._offset += seconds
        self._changed()
        return self.now()

    def set_state(self, state: dict[str, Any]) -> None:
        """Take over another clock's time (a job process following the server's clock)."""
        with self._condition:
            self._frozen_at = state.get("frozen_at")
            self._offset = float(state.get("offset", 0.0))
        self._changed()

    def on_change(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(state)`` after every change (the server tells its job process)."""
        self._listeners.append(listener)

    def wake(self) -> None:
        """Wake every waiter so it re-checks its deadline and its stop event."""
        with self._condition:
            self._condition.notify_all()
            waiters = list(self._async_waiters)
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    def _changed(self) -> None:
        self.wake()
        state = self.state()
        for listener in list(self._listeners):
            listener(state)

    # -- waiting ---------------------------------------------------------------------------------
    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Block until ``seconds`` of this clock's time have passed; True if ``stop`` was set
        first (the caller then calls :meth:`wake` after setting it)."""
        deadline = self.now() + seconds
        with self._condition:
            self._sleepers += 1
            self._condition.notify_all()
            try:
                while True:
                    if stop is not None and stop.is_set():
                        return True
                    remaining = deadline - self.now()
                    if remaining <= 0:
                        return False
                    self._condition.wait(remaining)
            finally:
                self._sleepers -= 1

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` in this clock's time (for requests the mock holds on purpose)."""
        deadline = self.now() + seconds
        loop = asyncio.get_running_loop()
        with self._condition:
            self._sleepers += 1
            self._condition.notify_all()
        try:
            while (remaining := deadline - self.now()) > 0:
                future = loop.create_future()
                entry = (loop, future)
                with self._condition:
                    self._async_waiters.add(entry)
                try:
                    await asyncio.wait_for(future, remaining)
                except asyncio.TimeoutError:
                    pass
                finally:
                    with self._condition:
                        self._async_waiters.discard(entry)
        finally:
            with self._condition:
                self._sleepers -= 1

    @property
    def sleepers(self) -> int:
        """How many waits are in progress right now."""
        return self._sleepers

    def wait_for_sleepers(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until at least ``count`` waits are in progress (tests: "the request is held
        now"), or ``timeout`` real seconds; True when they are."""
        end = time.monotonic() + timeout
        with self._condition:
            while self._sleepers < count:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
