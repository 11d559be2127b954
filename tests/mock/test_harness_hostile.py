"""Hostile input to the harness API: garbage JSON, huge bodies, negative or endless times, unknown
actions, wrong types. Each gets a clear 4xx with Zuora's error body (400; 413 for a body over the
limit, as everywhere in the mock), never a 5xx, and nothing of it applies: the rules in force and
the clock stay as they were."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkpdf_contract.mock import Clock
from bulkpdf_contract.mock.routes.harness import MAX_CONTROL_BYTES

from mock_support import AUTH, FROZEN_AT, open_api

KEPT = {"name": "kept", "method": "POST", "path": "/v1/operations/bulk-pdf", "action": "respond", "status": 503}
JSON = {**AUTH, "Content-Type": "application/json"}

GARBAGE = [b"", b"{", b"\xff\xfe\x00", b"NaN", b"[1e400]", b"[" * 10000 + b"]" * 10000, b'"respond"', b"42",
           b"null", b"true"]
BAD_RULES = [
    {"action": "teleport"}, [{"action": "respond", "status": 200}], {"action": "delay", "seconds": -1},
    {"action": "advance", "seconds": -86400}, {"action": "delay", "seconds": 1e300},
    {"action": "respond", "status": "500"}, {"action": "truncate", "bytes": -1}, {"action": "job"},
    {"action": "job", "end": "Completed"}, [KEPT, {"action": "nope"}],  # one good rule and one bad: neither
    {"action": "respond", "status": 429, "retryAfter": 10**12}, {"faults": "all"},
    [{"action": "disconnect"}] * 1001,
]
BAD_CLOCK = [
    {"advance": -1}, {"advance": -0.001}, {"advance": 1e20}, {"advance": True}, {"advance": "60"},
    {"advance": None}, {"advance": [1]}, {}, {"advance": 1, "freeze": True}, {"rewind": 5}, [60], 60,
]


def _status_body(response) -> tuple[int, dict]:
    assert response.status_code < 500, response.text
    payload = response.json()
    assert payload["success"] is False and payload["reasons"][0]["code"].startswith("515800")
    assert payload["requestId"] == response.headers["Zuora-Request-Id"]
    return response.status_code, payload


@pytest.fixture
def guarded(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, faults=[KEPT])
    yield api
    assert [r["name"] for r in api.client.get("/_mock/faults", headers=AUTH).json()["faults"]] == ["kept"]
    assert clock.now() == FROZEN_AT


@pytest.mark.parametrize("raw", GARBAGE, ids=lambda r: repr(r[:12]))
def test_garbage_is_400_for_faults_and_clock(guarded, raw):
    for path in ("/_mock/faults", "/_mock/clock"):
        status, payload = _status_body(guarded.client.post(path, content=raw, headers=JSON))
        assert status == 400, payload


@pytest.mark.parametrize("rules", BAD_RULES, ids=lambda r: json.dumps(r)[:40])
def test_bad_rules_are_400_and_none_of_the_set_applies(guarded, rules):
    status, payload = _status_body(guarded.client.post("/_mock/faults", json=rules, headers=AUTH))
    assert status == 400, payload


@pytest.mark.parametrize("move", BAD_CLOCK, ids=lambda r: json.dumps(r)[:40])
def test_bad_clock_moves_are_400(guarded, move):
    status, payload = _status_body(guarded.client.post("/_mock/clock", json=move, headers=AUTH))
    assert status == 400 and "advance" in payload["reasons"][0]["message"]


def test_huge_bodies_are_refused_before_they_are_read(guarded):
    huge = b"[" + b'{"action": "disconnect"},' * (MAX_CONTROL_BYTES // 20) + b"]"
    for path in ("/_mock/faults", "/_mock/clock"):
        status, payload = _status_body(guarded.client.post(path, content=huge, headers=JSON))
        assert status == 413 and f"larger than {MAX_CONTROL_BYTES} bytes" in payload["reasons"][0]["message"]


def test_bad_deletes_and_methods(guarded):
    for raw in (b'"kept"', b"{", b"[1, 2]"):
        status, _ = _status_body(guarded.client.request("DELETE", "/_mock/faults", content=raw, headers=JSON))
        assert status == 400
    for method, path in (("DELETE", "/_mock/clock"), ("PUT", "/_mock/faults"), ("POST", "/_mock/journal")):
        status, _ = _status_body(guarded.client.request(method, path, headers=AUTH))
        assert status == 405


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["action", "status", "seconds", "nth", "path", "method", "advance", "faults", "bytes",
                         "end", "skip", "times", "probability", "name", "x"]), inner, max_size=5),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One in-process mock for every example of the property (a mock per example would dominate)."""
    api = open_api("asgi", data_dir=tmp_path_factory.mktemp("hostile"), job_process=False,
                   clock=Clock(frozen_at=FROZEN_AT), faults=[KEPT])
    yield api
    api.close()


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES)
def test_no_json_value_gets_a_5xx_or_applies_in_part(hostile, value):
    api = hostile
    before = api.client.get("/_mock/faults", headers=AUTH).json()["faults"]
    response = api.client.post("/_mock/faults", json=value, headers=AUTH)
    after = api.client.get("/_mock/faults", headers=AUTH).json()["faults"]
    if response.status_code == 200:
        added = response.json()["added"]
        assert [r["name"] for r in after] == [r["name"] for r in before if r["name"] not in added] + added
        api.client.request("DELETE", "/_mock/faults", json=added, headers=AUTH)
    else:
        assert _status_body(response)[0] == 400 and after == before
    now = api.state.clock.now()
    moved = api.client.post("/_mock/clock", json=value, headers=AUTH)
    assert moved.status_code == 200 or (_status_body(moved)[0] == 400 and api.state.clock.now() == now)
