"""Every time rule of the mock reads the clock it was given (``create_app(clock=...)``), in-process
and over real HTTP: a frozen clock years from the real time shows any rule that does not.

URL expiry and the job steps are in test_output, idempotency retention and the 409 in
test_idempotency, the job process in test_job_process.
"""

from __future__ import annotations

import time

import pytest

from bulkpdf_contract.mock import Clock, MockSettings, create_app

from mock_support import FROZEN_AT


def test_the_app_exposes_its_clock_and_follows_the_system_clock_by_default(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    assert make_api(clock=clock).state.clock is clock
    default = make_api().state.clock
    assert not default.frozen and abs(default.now() - time.time()) < 60


def test_created_on_is_the_clocks_time(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock)
    clock.advance(3600)
    job = api.wait(api.post_job().json()["jobId"])
    assert job["createdOn"] == "2033-05-18 04:33:20"


def test_the_rate_window_is_a_minute_of_the_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, rate_limit=3)
    assert [api.post_job().status_code for _ in range(4)] == [200, 200, 200, 429]
    clock.advance(59)
    limited = api.post_job()
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Reset"] == "1" and limited.headers["Retry-After"] == "1"
    clock.advance(1)  # a new window
    fresh = api.post_job()
    assert fresh.status_code == 200
    assert fresh.headers["RateLimit-Remaining"] == "2" and fresh.headers["RateLimit-Reset"] == "60"


def test_finished_on_and_url_expiry_are_the_clocks_time(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, file_url_ttl=100)
    clock.advance(7)
    job_id = api.wait(api.post_job().json()["jobId"])["jobId"]
    assert api.state.storage.job(job_id)["finished_on"] == FROZEN_AT + 7
    assert [f["expires_at"] for f in api.state.storage.files(job_id)] == [FROZEN_AT + 107]


def test_stopping_wakes_a_job_paused_on_a_frozen_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, job_delay=3600)
    api.post_job()
    assert clock.wait_for_sleepers(1)
    threads = list(api.state.runner._threads)
    api.close()  # the runner's stop wakes the wait instead of leaving it for the clock
    assert threads and not any(thread.is_alive() for thread in threads)
    assert clock.sleepers == 0


def test_settings_are_one_list_and_unknown_keywords_are_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'job_dealy'"):
        create_app(tmp_path / "d", job_dealy=1)
    with pytest.raises(TypeError):
        MockSettings(job_dealy=1)
    app = create_app(tmp_path / "d", job_process=False, job_delay=2, documents_per_zip=None)
    settings = app.state.mock.config.settings
    assert settings.job_delay == 2 and settings.documents_per_zip == 1000  # None: the contract's value
    app.state.mock.close()
