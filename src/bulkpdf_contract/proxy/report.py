"""What the proxy tells: the violations as JSON lines, and the summary at exit.

One line per violation (``Violation.to_dict``: direction, rule, pointer, message, method, path,
status, exchange), flushed as it is written, so ``tail -f`` and a killed proxy both see every
violation so far. The summary goes to stderr, not into the report, which holds violations only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import orjson

from ..validators.exchanges import Violation


@dataclass
class Stats:
    """What passed through: exchanges, those the proxy answered itself, and the violations."""

    exchanges: int = 0
    refused: int = 0  # answered by the proxy under --enforce
    unreachable: int = 0  # answered 502/504 by the proxy
    aborted: int = 0  # the client went away before its request was complete
    violations: Counter = field(default_factory=Counter)  # by rule
    by_direction: Counter = field(default_factory=Counter)


class ReportWriter:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "wb")

    def write(self, violations: Iterable[Violation]) -> None:
        lines = b"".join(orjson.dumps(v.to_dict()) + b"\n" for v in violations)
        if lines:
            self._file.write(lines)
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def summary(stats: Stats) -> str:
    """``bulkpdf proxy: 14 exchanges, 3 violations`` and one line per rule, most frequent first."""
    total = sum(stats.violations.values())
    extra = [f"{n} {what}" for n, what in ((stats.refused, "refused (--enforce)"),
                                           (stats.unreachable, "answered 502/504 (upstream unreachable)"),
                                           (stats.aborted, "aborted by the client")) if n]
    head = f"bulkpdf proxy: {stats.exchanges} exchanges" + (f" ({', '.join(extra)})" if extra else "")
    if not total:
        return f"{head}, no violations"
    sides = ", ".join(f"{stats.by_direction[d]} {d}" for d in ("request", "response") if stats.by_direction[d])
    lines = [f"{head}, {total} violations ({sides})"]
    width = max(len(rule) for rule in stats.violations)
    lines += [f"  {rule:<{width}}  {count}" for rule, count in stats.violations.most_common()]
    return "\n".join(lines)
