"""Reading fault rules and deciding which requests they act on: the format's every field, the
refusals (all or nothing, naming the rule and the field), counting (nth, per path, times,
probability with a seed) and how several acting rules combine."""

from __future__ import annotations

import json

import pytest

from bulkpdf_contract.mock.fault_rules import load_faults, parse_rules
from bulkpdf_contract.mock.faults import (
    MAX_RULES, Advance, Delay, Disconnect, FaultError, FaultSet, JobFault, Respond, Truncate, job_fault_from_dict,
)

POST = {"method": "POST", "path": "/v1/operations/bulk-pdf"}


def test_every_action_reads_into_its_dataclass():
    rules = parse_rules({"faults": [
        {**POST, "action": "respond", "status": 429, "retryAfter": 3, "message": "slow down"},
        {"action": "delay", "seconds": 1.5},
        {"action": "advance", "seconds": 3601},
        {"action": "disconnect"},
        {"action": "disconnect", "effect": False},
        {"action": "truncate", "bytes": 0},
        {"action": "job", "submittedFor": 2, "executingFor": 3, "end": "Error",
         "reasons": [{"code": "51580060", "message": "boom"}]},
        {"action": "job", "end": "PartialComplete", "skip": 4},
    ]})
    assert [r.action for r in rules] == [
        Respond(429, 3, "slow down"), Delay(1.5), Advance(3601.0), Disconnect(True), Disconnect(False),
        Truncate(0), JobFault(2.0, 3.0, "Error", (("51580060", "boom"),), 0),
        JobFault(0.0, 0.0, "PartialComplete", (), 4),
    ]
    assert [r.name for r in rules] == [f"fault-{n}" for n in range(1, 9)]
    assert rules[0].methods == frozenset({"POST"}) and rules[1].methods is None


def test_a_rule_a_list_and_a_file_are_the_same_format(tmp_path):
    rule = {**POST, "name": "once", "nth": 1, "action": "respond", "status": 500}
    (tmp_path / "f.yaml").write_text("faults:\n  - {method: POST, path: /v1/operations/bulk-pdf, name: once,"
                                     " nth: 1, action: respond, status: 500}\n")
    (tmp_path / "f.json").write_text(json.dumps([rule]))
    (tmp_path / "empty.yaml").write_text("")
    described = [r.describe() for r in parse_rules(rule)]
    assert [r.describe() for r in parse_rules([rule])] == described
    assert [r.describe() for r in load_faults(tmp_path / "f.yaml")] == described
    assert [r.describe() for r in load_faults(str(tmp_path / "f.json"))] == described
    assert load_faults(tmp_path / "empty.yaml") == []


@pytest.mark.parametrize("raw, words", [
    ({"action": "explode"}, "'action' must be one of respond, delay, advance, disconnect, truncate, job"),
    ({"status": 500}, "'action' must be one of"),
    ({"action": "respond"}, "needs 'status'"),
    ({"action": "respond", "status": 200}, "'status' must be at least 400 and at most 599"),
    ({"action": "respond", "status": "429"}, "'status' must be an integer"),
    ({"action": "respond", "status": 429.0}, "'status' must be an integer"),
    ({"action": "respond", "status": True}, "'status' must be an integer"),
    ({"action": "respond", "status": 429, "retryAfter": -1}, "'retryAfter' must be at least 0"),
    ({"action": "delay", "seconds": -1}, "'seconds' must be more than 0"),
    ({"action": "delay", "seconds": 0}, "'seconds' must be more than 0"),
    ({"action": "delay", "seconds": float("nan")}, "'seconds' must be more than 0"),
    ({"action": "advance", "seconds": float("inf")}, "'seconds' must be more than 0"),
    ({"action": "advance", "seconds": 1e12}, "at most"),
    ({"action": "delay"}, "needs 'seconds'"),
    ({"action": "truncate"}, "needs 'bytes'"),
    ({"action": "truncate", "bytes": -5}, "'bytes' must be at least 0"),
    ({"action": "disconnect", "effect": "yes"}, "'effect' must be true or false"),
    ({"action": "job"}, "needs at least one of"),
    ({"action": "job", "end": "Completed"}, "'end' must be one of Error, PartialComplete"),
    ({"action": "job", "reasons": [{"code": "1", "message": "m"}]}, "'reasons' go with end: Error"),
    ({"action": "job", "end": "Error", "reasons": []}, "'reasons' must be a list of 1 to 20"),
    ({"action": "job", "end": "Error", "reasons": [{"code": "1"}]}, "exactly 'code' and 'message'"),
    ({"action": "job", "skip": 2}, "'skip' goes with end: PartialComplete"),
    ({"action": "job", "submittedFor": -3}, "'submittedFor' must be at least 0"),
    ({"action": "delay", "seconds": 1, "status": 500}, "unknown field(s) status for a delay rule"),
    ({"action": "delay", "seconds": 1, "nth": 0}, "'nth' must be at least 1"),
    ({"action": "delay", "seconds": 1, "nth": []}, "'nth' must be a count from 1 or a list"),
    ({"action": "delay", "seconds": 1, "nth": 1, "probability": 0.5}, "give 'nth' or 'probability', not both"),
    ({"action": "delay", "seconds": 1, "probability": 0}, "'probability' must be more than 0"),
    ({"action": "delay", "seconds": 1, "probability": 1.5}, "at most 1"),
    ({"action": "delay", "seconds": 1, "seed": 3}, "'seed' goes with 'probability'"),
    ({"action": "delay", "seconds": 1, "times": 0}, "'times' must be at least 1"),
    ({"action": "delay", "seconds": 1, "per": "job"}, "'per' must be 'rule'"),
    ({"action": "delay", "seconds": 1, "method": "GET POST"}, "'method' must be an HTTP method"),
    ({"action": "delay", "seconds": 1, "method": []}, "'method' must be an HTTP method"),
    ({"action": "delay", "seconds": 1, "path": "v1/x"}, "'path' must start with / or *"),
    ({"action": "delay", "seconds": 1, "path": ""}, "'path' must be a printable string"),
    ({"action": "delay", "seconds": 1, "name": "has space"}, "'name' must be 1 to 64 letters"),
    ("respond", "expected a rule, a list of rules"),
    ([1], "faults[0]: a rule is an object"),
    ({"faults": [], "extra": 1}, "unknown key(s) extra"),
])
def test_a_bad_rule_is_refused_naming_what_is_wrong(raw, words):
    with pytest.raises(FaultError) as refused:
        parse_rules(raw)
    assert words in str(refused.value)


def test_a_set_is_refused_whole_and_names_the_bad_rule():
    with pytest.raises(FaultError, match=r"faults\[1\] \(second\)"):
        parse_rules([{"action": "delay", "seconds": 1}, {"name": "second", "action": "boom"}])
    with pytest.raises(FaultError, match="given twice: a"):
        parse_rules([{"name": "a", "action": "delay", "seconds": 1}, {"name": "a", "action": "disconnect"}])
    with pytest.raises(FaultError, match=f"at most {MAX_RULES} rules"):
        parse_rules([{"action": "disconnect"}] * (MAX_RULES + 1))


def test_unreadable_files_are_fault_errors(tmp_path):
    with pytest.raises(FaultError, match="cannot read the faults file"):
        load_faults(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("faults: [")
    with pytest.raises(FaultError, match="not valid YAML"):
        load_faults(tmp_path / "bad.yaml")
    (tmp_path / "wrong.yaml").write_text("faults: [{action: nope}]")
    with pytest.raises(FaultError, match=r"wrong\.yaml: faults\[0\]"):
        load_faults(tmp_path / "wrong.yaml")


def _set(*rules):
    return FaultSet(parse_rules(list(rules)))


def test_nth_counts_the_matching_requests_only():
    faults = _set({**POST, "nth": [2, 3], "action": "respond", "status": 503})
    plans = []
    for method, path in [("GET", "/v1/operations/bulk-pdf/1"), ("POST", "/v1/operations/bulk-pdf")] * 4:
        plans.append(faults.plan(method, path).respond)
    assert plans[1::2] == [None, Respond(503), Respond(503), None]
    assert plans[0::2] == [None] * 4
    assert faults.listing()[0]["seen"] == 4 and faults.listing()[0]["applied"] == 2


def test_paths_are_globs_and_methods_a_set():
    faults = _set({"method": ["get", "HEAD"], "path": "/_mock/files/*", "action": "truncate", "bytes": 10})
    assert faults.plan("GET", "/_mock/files/abc/x_1.zip").cut == Truncate(10)
    assert faults.plan("HEAD", "/_mock/files/abc/x_2.zip").cut == Truncate(10)
    assert faults.plan("POST", "/_mock/files/abc/x_1.zip").cut is None
    assert faults.plan("GET", "/v1/operations/bulk-pdf/1").cut is None


def test_per_path_counts_each_download_url_apart():
    faults = _set({"path": "/_mock/files/*", "nth": 1, "per": "path", "action": "truncate", "bytes": 4})
    cuts = [faults.plan("GET", f"/_mock/files/t/{name}").cut for name in ("a", "b", "a", "b", "c")]
    assert cuts == [Truncate(4), Truncate(4), None, None, Truncate(4)]


def test_times_caps_the_applications():
    faults = _set({"times": 2, "action": "respond", "status": 500})
    assert [faults.plan("GET", "/x").respond is not None for _ in range(4)] == [True, True, False, False]


def test_a_seeded_probability_repeats_and_roughly_holds():
    def draws():
        faults = _set({"probability": 0.3, "seed": 42, "action": "respond", "status": 503})
        return [faults.plan("GET", "/x").respond is not None for _ in range(400)]

    first = draws()
    assert first == draws()
    assert 60 < sum(first) < 180


def test_acting_rules_combine_respond_wins_and_delays_add_up():
    faults = _set(
        {"name": "slow", "action": "delay", "seconds": 1},
        {"name": "jump", "action": "advance", "seconds": 10},
        {"name": "slower", "action": "delay", "seconds": 2},
        {"name": "cut", "action": "truncate", "bytes": 3},
        {"name": "job", "action": "job", "end": "Error"},
    )
    plan = faults.plan("POST", "/v1/operations/bulk-pdf")
    assert (plan.delay, plan.advance, plan.cut, plan.job.end) == (3.0, 10.0, Truncate(3), "Error")
    assert plan.rules == ("slow", "jump", "slower", "cut", "job")
    faults.add(parse_rules([{"name": "refuse", "action": "respond", "status": 401}]))
    plan = faults.plan("POST", "/v1/operations/bulk-pdf")
    assert plan.respond == Respond(401) and plan.cut is None and plan.job is None


def test_add_replaces_by_name_and_remove_counts():
    faults = _set({"name": "a", "action": "disconnect"}, {"name": "b", "action": "disconnect"})
    faults.plan("GET", "/x")
    faults.add(parse_rules([{"name": "a", "action": "delay", "seconds": 1}]))
    assert [(r["name"], r["action"], r["seen"]) for r in faults.listing()] == [
        ("b", "disconnect", 1), ("a", "delay", 0)]
    assert faults.remove(["a", "zzz"]) == 1 and faults.remove() == 1 and len(faults) == 0
    with pytest.raises(FaultError, match="at most"):
        faults.add(parse_rules([{"action": "disconnect"}] * MAX_RULES) + parse_rules(
            {"name": "one-more", "action": "disconnect"}))
    assert len(faults) == 0


def test_a_job_fault_travels_as_a_dict():
    (rule,) = parse_rules({"action": "job", "executingFor": 5, "end": "Error",
                           "reasons": [{"code": "51580060", "message": "m"}]})
    assert job_fault_from_dict(json.loads(json.dumps(rule.action.to_dict()))) == rule.action
    assert job_fault_from_dict(None) is None
