"""The mock's clock: advancing moves time and wakes waiters; nothing here sleeps to hope."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

from bulkpdf_contract.mock.clock import Clock


def test_a_frozen_clock_moves_only_when_advanced():
    clock = Clock(frozen_at=1000.0)
    assert clock.now() == 1000.0 and clock.frozen
    assert clock.advance(86400) == 87400.0
    assert clock.now() == 87400.0 and clock.offset == 86400


def test_a_following_clock_keeps_the_system_time_plus_the_advance():
    import time

    clock = Clock()
    clock.advance(3600)
    assert 3599 < clock.now() - time.time() < 3601


@pytest.mark.parametrize("bad", [-1, math.inf, math.nan, "10", None, True])
def test_advance_refuses_what_is_not_a_forward_step(bad):
    clock = Clock(frozen_at=0.0)
    with pytest.raises(ValueError):
        clock.advance(bad)
    assert clock.now() == 0.0


def test_a_wait_ends_when_time_is_advanced_past_it():
    clock = Clock(frozen_at=0.0)
    done = threading.Event()
    result = []

    def sleeper():
        result.append(clock.wait(3600))
        done.set()

    thread = threading.Thread(target=sleeper)
    thread.start()
    assert clock.wait_for_sleepers(1)
    clock.advance(1800)
    assert not done.wait(0.05)  # half-way: still waiting
    clock.advance(1800)
    assert done.wait(5)
    thread.join()
    assert result == [False] and clock.sleepers == 0


def test_a_wait_ends_early_when_its_stop_event_is_set():
    clock = Clock(frozen_at=0.0)
    stop = threading.Event()
    result = []
    thread = threading.Thread(target=lambda: result.append(clock.wait(10, stop)))
    thread.start()
    assert clock.wait_for_sleepers(1)
    stop.set()
    clock.wake()
    thread.join(5)
    assert result == [True]


def test_async_sleep_follows_the_clock():
    clock = Clock(frozen_at=0.0)

    async def main():
        task = asyncio.ensure_future(clock.sleep(60))
        while clock.sleepers < 1:
            await asyncio.sleep(0)
        assert not task.done()
        await asyncio.get_running_loop().run_in_executor(None, clock.advance, 60)
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert clock.sleepers == 0


def test_state_round_trips_and_listeners_hear_every_change():
    clock = Clock(frozen_at=5.0)
    heard = []
    clock.on_change(heard.append)
    clock.advance(10)
    copy = Clock.from_state(clock.state())
    assert copy.now() == clock.now() == 15.0
    follower = Clock()
    follower.set_state(clock.state())
    assert follower.now() == 15.0
    assert heard == [{"frozen_at": 5.0, "offset": 10.0}]
