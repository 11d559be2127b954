"""Reading fault rules: the rule format (README, *Fault injection*) into :class:`~.faults.Rule`
objects, every field checked, a whole set valid or none of it (:class:`~.faults.FaultError`
names the rule and the field)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

from .faults import (MAX_RULES, MAX_SECONDS, Action, Advance, Delay, Disconnect, FaultError, JobFault, Respond,
                     Rule, Truncate)
from .world import read_data_file

MAX_NTH = 1000
ACTIONS = ("respond", "delay", "advance", "disconnect", "truncate", "job")
JOB_ENDS = ("Error", "PartialComplete")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_METHOD = re.compile(r"^[A-Za-z]{1,20}$")
_COMMON_KEYS = frozenset({"name", "method", "path", "nth", "probability", "seed", "times", "per", "action"})
_ACTION_KEYS = {
    "respond": frozenset({"status", "retryAfter", "message"}),
    "delay": frozenset({"seconds"}),
    "advance": frozenset({"seconds"}),
    "disconnect": frozenset({"effect"}),
    "truncate": frozenset({"bytes"}),
    "job": frozenset({"submittedFor", "executingFor", "end", "reasons", "skip"}),
}


# -- reading rules -----------------------------------------------------------------------------------
def _number(rule: str, key: str, value: Any, *, low: float, high: float, integer: bool = False,
            low_inclusive: bool = True) -> Any:
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise FaultError(f"{rule}: {key!r} must be {kind}, got {value!r}")
    if not math.isfinite(value) or value > high or value < low or (value == low and not low_inclusive):
        bound = f"{'at least' if low_inclusive else 'more than'} {low:g} and at most {high:g}"
        raise FaultError(f"{rule}: {key!r} must be {bound}, got {value!r}")
    return value


def _string(rule: str, key: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        raise FaultError(f"{rule}: {key!r} must be a printable string of 1 to {limit} characters, got {value!r:.80}")
    return value


def _methods(rule: str, value: Any) -> frozenset[str] | None:
    if value is None or value == "*":
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not 1 <= len(items) <= 10 or not all(
        isinstance(m, str) and _METHOD.match(m) for m in items
    ):
        raise FaultError(f"{rule}: 'method' must be an HTTP method or a list of 1 to 10 of them, got {value!r:.80}")
    return frozenset(m.upper() for m in items)


def _nth(rule: str, value: Any) -> frozenset[int]:
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_NTH:
        raise FaultError(f"{rule}: 'nth' must be a count from 1 or a list of 1 to {MAX_NTH} of them, got {value!r:.80}")
    return frozenset(_number(rule, "nth", n, low=1, high=10**9, integer=True) for n in items)


def _reasons(rule: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 20:
        raise FaultError(f"{rule}: 'reasons' must be a list of 1 to 20 {{code, message}} objects")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"code", "message"}:
            raise FaultError(f"{rule}: each of 'reasons' must be an object with exactly 'code' and 'message'")
        out.append((_string(rule, "code", item["code"], 64), _string(rule, "message", item["message"], 1000)))
    return tuple(out)


def _action(rule: str, kind: str, raw: Mapping[str, Any]) -> Action:
    if kind == "respond":
        if "status" not in raw:
            raise FaultError(f"{rule}: a respond rule needs 'status' (400 to 599)")
        retry = raw.get("retryAfter")
        return Respond(
            status=_number(rule, "status", raw["status"], low=400, high=599, integer=True),
            retry_after=None if retry is None else _number(rule, "retryAfter", retry, low=0, high=86400, integer=True),
            message=None if raw.get("message") is None else _string(rule, "message", raw["message"], 1000),
        )
    if kind in ("delay", "advance"):
        if "seconds" not in raw:
            raise FaultError(f"{rule}: a {kind} rule needs 'seconds'")
        seconds = _number(rule, "seconds", raw["seconds"], low=0, high=MAX_SECONDS, low_inclusive=False)
        return Delay(float(seconds)) if kind == "delay" else Advance(float(seconds))
    if kind == "disconnect":
        effect = raw.get("effect", True)
        if not isinstance(effect, bool):
            raise FaultError(f"{rule}: 'effect' must be true or false, got {effect!r:.80}")
        return Disconnect(effect)
    if kind == "truncate":
        if "bytes" not in raw:
            raise FaultError(f"{rule}: a truncate rule needs 'bytes' (the body bytes sent before the cut)")
        return Truncate(_number(rule, "bytes", raw["bytes"], low=0, high=2**40, integer=True))
    return _job_fault(rule, raw)


def _job_fault(rule: str, raw: Mapping[str, Any]) -> JobFault:
    given = _ACTION_KEYS["job"] & set(raw)
    if not given:
        raise FaultError(f"{rule}: a job rule needs at least one of {', '.join(sorted(_ACTION_KEYS['job']))}")
    end = raw.get("end")
    if end is not None and end not in JOB_ENDS:
        raise FaultError(f"{rule}: 'end' must be one of {', '.join(JOB_ENDS)}, got {end!r:.80}")
    if "reasons" in raw and end != "Error":
        raise FaultError(f"{rule}: 'reasons' go with end: Error")
    if "skip" in raw and end != "PartialComplete":
        raise FaultError(f"{rule}: 'skip' goes with end: PartialComplete")
    reasons = _reasons(rule, raw["reasons"]) if "reasons" in raw else ()
    return JobFault(
        submitted_for=float(_number(rule, "submittedFor", raw.get("submittedFor", 0), low=0, high=MAX_SECONDS)),
        executing_for=float(_number(rule, "executingFor", raw.get("executingFor", 0), low=0, high=MAX_SECONDS)),
        end=end,
        reasons=reasons,
        skip=(_number(rule, "skip", raw.get("skip", 1), low=1, high=50000, integer=True)
              if end == "PartialComplete" else 0),
    )


def parse_rule(raw: Any, index: int) -> Rule:
    """One rule from its JSON/YAML form; :class:`FaultError` says what is wrong."""
    where = f"faults[{index}]"
    if not isinstance(raw, Mapping):
        raise FaultError(f"{where}: a rule is an object, got {type(raw).__name__}")
    if "name" in raw:
        if not isinstance(raw["name"], str) or not _NAME.match(raw["name"]):
            raise FaultError(f"{where}: 'name' must be 1 to 64 letters, digits, '.', '_' or '-', "
                             f"got {raw['name']!r:.80}")
        where = f"{where} ({raw['name']})"
    kind = raw.get("action")
    if kind not in ACTIONS:
        raise FaultError(f"{where}: 'action' must be one of {', '.join(ACTIONS)}, got {kind!r:.80}")
    unknown = sorted(set(map(str, raw)) - _COMMON_KEYS - _ACTION_KEYS[kind])
    if unknown:
        allowed = sorted(_COMMON_KEYS | _ACTION_KEYS[kind])
        raise FaultError(f"{where}: unknown field(s) {', '.join(unknown)} for a {kind} rule; "
                         f"allowed: {', '.join(allowed)}")
    if "nth" in raw and "probability" in raw:
        raise FaultError(f"{where}: give 'nth' or 'probability', not both")
    if "seed" in raw and "probability" not in raw:
        raise FaultError(f"{where}: 'seed' goes with 'probability'")
    per = raw.get("per", "rule")
    if per not in ("rule", "path"):
        raise FaultError(f"{where}: 'per' must be 'rule' (count all matching requests) or 'path', got {per!r:.80}")
    path = _string(where, "path", raw.get("path", "*"), 1000)
    if not path.startswith(("/", "*")):
        raise FaultError(f"{where}: 'path' must start with / or *, got {path!r:.80}")
    return Rule(
        name=raw.get("name") or f"fault-{index + 1}",
        action=_action(where, kind, raw),
        kind=kind,
        methods=_methods(where, raw.get("method")),
        path=path,
        nth=_nth(where, raw["nth"]) if "nth" in raw else None,
        probability=(_number(where, "probability", raw["probability"], low=0, high=1, low_inclusive=False)
                     if "probability" in raw else None),
        seed=_number(where, "seed", raw["seed"], low=-(2**63), high=2**63, integer=True) if "seed" in raw else None,
        times=_number(where, "times", raw["times"], low=1, high=10**9, integer=True) if "times" in raw else None,
        per_path=per == "path",
        source=dict(raw),
    )


def parse_rules(raw: Any, *, start: int = 0) -> list[Rule]:
    """A rule set: a rule, a list of rules, or ``{"faults": [...]}``; all valid or FaultError."""
    if isinstance(raw, Mapping) and "faults" in raw:
        unknown = sorted(set(map(str, raw)) - {"faults"})
        if unknown:
            raise FaultError(f"unknown key(s) {', '.join(unknown)}; a fault file is {{faults: [rule, ...]}}")
        raw = raw.get("faults", [])
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise FaultError(f"expected a rule, a list of rules or {{faults: [...]}}, got {type(raw).__name__}")
    if len(items) > MAX_RULES:
        raise FaultError(f"at most {MAX_RULES} rules, got {len(items)}")
    rules = [parse_rule(item, start + i) for i, item in enumerate(items)]
    names = [r.name for r in rules]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise FaultError(f"rule name(s) given twice: {', '.join(doubled)}")
    return rules


def load_faults(source: Any) -> list[Rule]:
    """Rules from a YAML/JSON file path, or from data already loaded (``create_app(faults=...)``)."""
    if isinstance(source, (str, Path)):
        try:
            data = read_data_file(Path(source), "faults")
            return [] if data is None else parse_rules(data)
        except ValueError as exc:
            raise FaultError(f"{source}: {exc}" if isinstance(exc, FaultError) else str(exc)) from None
    if isinstance(source, Rule):
        return [source]
    return parse_rules(source)
