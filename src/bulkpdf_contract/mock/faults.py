"""Fault injection: rules that make the mock answer what a real server sometimes answers.

A rule matches requests by method and path, picks some of them (the n-th matching ones, a
probability, at most ``times``), and does one thing: answer a status with Zuora's error body,
delay, jump the clock, drop the connection (after the request took effect, or before), cut the
response short, or shape the job a POST creates (held *Submitted*/*Executing*, ended *Error* or
*PartialComplete*). The README has the rule format; :mod:`.fault_rules` reads it (for ``create_app(faults=...)``,
``bulkpdf serve --faults FILE`` and ``POST /_mock/faults`` alike) into the :class:`Rule` objects
of this module.

A rule set is validated whole before anything changes, so a bad rule never leaves half a set
applied. Plain Python, no web framework: :class:`JobFault` travels with the job into the job
process as a dict (:meth:`JobFault.to_dict`), where :mod:`.jobs` reads it.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any

MAX_RULES = 1000
MAX_SECONDS = 10 * 365 * 86400.0  # ten years: past every lifetime the contract has
MAX_PATHS_COUNTED = 10000  # per-path counters of one rule (each download URL is a path)


class FaultError(ValueError):
    """A rule set that cannot be used; the message names the rule and the field."""


# -- actions ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Respond:
    """Answer ``status`` with Zuora's error body instead of handling the request."""

    status: int
    retry_after: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class Delay:
    """Hold the request ``seconds`` of the mock's clock, then handle it."""

    seconds: float


@dataclass(frozen=True)
class Advance:
    """Move the mock's clock ``seconds`` forward, then handle the request (a token expires
    mid-run, a URL is past its lifetime)."""

    seconds: float


@dataclass(frozen=True)
class Disconnect:
    """Close the connection before any byte of the answer; ``effect``: handle the request first
    (the job is created, the answer is lost), else drop it unhandled."""

    effect: bool = True


@dataclass(frozen=True)
class Truncate:
    """Send the status, headers and the first ``bytes`` bytes of the body, then close."""

    bytes: int


@dataclass(frozen=True)
class JobFault:
    """How the job a POST creates behaves: seconds (of the clock) it stays *Submitted*, then
    *Executing*, and how it ends (None: as it would)."""

    submitted_for: float = 0.0
    executing_for: float = 0.0
    end: str | None = None
    reasons: tuple[tuple[str, str], ...] = ()
    skip: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"submittedFor": self.submitted_for, "executingFor": self.executing_for, "end": self.end,
                "reasons": [{"code": c, "message": m} for c, m in self.reasons], "skip": self.skip}


Action = Respond | Delay | Advance | Disconnect | Truncate | JobFault


@dataclass
class Rule:
    """One rule and its counters (``seen``: matching requests, ``applied``: acted on)."""

    name: str
    action: Action
    kind: str
    methods: frozenset[str] | None = None
    path: str = "*"
    nth: frozenset[int] | None = None
    probability: float | None = None
    seed: int | None = None
    times: int | None = None
    per_path: bool = False
    source: dict[str, Any] = field(default_factory=dict, repr=False)
    seen: int = 0
    applied: int = 0
    _per_path_seen: dict[str, int] = field(default_factory=dict, repr=False)
    _random: random.Random | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and fnmatch.fnmatchcase(path, self.path)

    def decide(self, path: str) -> bool:
        """Count one matching request; True when the rule acts on it."""
        self.seen += 1
        count = self.seen
        if self.per_path:
            if path not in self._per_path_seen and len(self._per_path_seen) >= MAX_PATHS_COUNTED:
                self._per_path_seen.clear()
            count = self._per_path_seen[path] = self._per_path_seen.get(path, 0) + 1
        if self.times is not None and self.applied >= self.times:
            return False
        if self.nth is not None:
            acts = count in self.nth
        elif self.probability is not None:
            if self._random is None:
                self._random = random.Random(self.seed)
            acts = self._random.random() < self.probability
        else:
            acts = True
        self.applied += acts
        return acts

    def describe(self) -> dict[str, Any]:
        """The rule as given, with its counters (what ``GET /_mock/faults`` lists)."""
        return {**self.source, "name": self.name, "seen": self.seen, "applied": self.applied}


# -- the live rule set -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """What the rules do to one request (``rules``: the names of those that acted)."""

    rules: tuple[str, ...] = ()
    respond: Respond | None = None
    delay: float = 0.0
    advance: float = 0.0
    cut: Disconnect | Truncate | None = None
    job: JobFault | None = None


NO_FAULT = Plan()


class FaultSet:
    """The rules in force, in order. Every matching rule counts a request; of those that act, the
    clock jumps and delays add up, the first ``respond`` answers (nothing else happens), else the
    first ``disconnect``/``truncate`` shapes the answer and the first ``job`` rule the job."""

    def __init__(self, rules: list[Rule] = ()):
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self.add(list(rules))

    def add(self, rules: list[Rule]) -> None:
        """Add rules; a rule with the name of one in force replaces it (and its counters)."""
        with self._lock:
            names = {r.name for r in rules}
            kept = [r for r in self._rules if r.name not in names]
            if len(kept) + len(rules) > MAX_RULES:
                raise FaultError(f"at most {MAX_RULES} rules in force; {len(kept)} are, {len(rules)} more given")
            self._rules = kept + list(rules)

    def remove(self, names: list[str] | None = None) -> int:
        """Remove the named rules (all without names); how many were removed."""
        with self._lock:
            before = len(self._rules)
            self._rules = [] if names is None else [r for r in self._rules if r.name not in set(names)]
            return before - len(self._rules)

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def __len__(self) -> int:
        return len(self._rules)

    def plan(self, method: str, path: str) -> Plan:
        if not self._rules:
            return NO_FAULT
        with self._lock:
            acting = [r for r in self._rules if r.matches(method, path) and r.decide(path)]
        if not acting:
            return NO_FAULT
        actions = [r.action for r in acting]
        respond = next((a for a in actions if isinstance(a, Respond)), None)
        return Plan(
            rules=tuple(r.name for r in acting),
            respond=respond,
            delay=sum(a.seconds for a in actions if isinstance(a, Delay)),
            advance=sum(a.seconds for a in actions if isinstance(a, Advance)),
            cut=None if respond else next((a for a in actions if isinstance(a, (Disconnect, Truncate))), None),
            job=None if respond else next((a for a in actions if isinstance(a, JobFault)), None),
        )


def job_fault_from_dict(raw: dict[str, Any] | None) -> JobFault | None:
    """The job fault stored with a job (see :meth:`JobFault.to_dict`)."""
    if not raw:
        return None
    return JobFault(
        submitted_for=float(raw.get("submittedFor", 0.0)), executing_for=float(raw.get("executingFor", 0.0)),
        end=raw.get("end"), reasons=tuple((r["code"], r["message"]) for r in raw.get("reasons") or ()),
        skip=int(raw.get("skip", 0)),
    )
