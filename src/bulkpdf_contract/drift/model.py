"""What the drift check reports, and the state one comparison collects it in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .document import Document

#: ``stricter``/``looser``: the fragment accepts less/more than Zuora's file; ``missing``: Zuora's
#: file has it and the fragment does not; ``extra``: the other way round; ``changed``: both have
#: it, differently; ``stale``: a decision record that no longer matches any difference.
KINDS = ("stricter", "looser", "missing", "extra", "changed", "stale")


@dataclass(frozen=True)
class Difference:
    """One difference between the fragment and Zuora's file.

    ``where`` is the fragment pointer of the constraint, or the pointer it would have when the
    fragment lacks it (that is what a decision record covers). ``theirs`` points into Zuora's file
    at the constraint, or at the nearest node it would belong to; None when nothing there
    corresponds.
    """

    where: str | None
    theirs: str | None
    kind: str
    message: str
    decision: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")

    @property
    def covered(self) -> bool:
        """Whether a recorded decision accounts for it (a stale decision never does)."""
        return self.decision is not None and self.kind != "stale"

    def decided(self, decision: str | None) -> Difference:
        return replace(self, decision=decision)

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "theirs": self.theirs, "kind": self.kind,
                "decision": self.decision, "message": self.message}


@dataclass
class Comparison:
    """The two documents and the differences found so far (each reported once)."""

    ours: Document
    theirs: Document
    found: list[Difference] = field(default_factory=list)
    _seen: set = field(default_factory=set)
    _pairs: set = field(default_factory=set)

    def add(self, where: str | None, theirs: str | None, kind: str, message: str) -> None:
        """Record a difference; a shared component compared again reports nothing new."""
        key = (where, theirs, kind)
        if key not in self._seen:
            self._seen.add(key)
            self.found.append(Difference(where, theirs, kind, message))

    def first_visit(self, *pair: Any) -> bool:
        """True the first time two nodes are compared (shared components are compared once)."""
        if pair in self._pairs:
            return False
        self._pairs.add(pair)
        return True
