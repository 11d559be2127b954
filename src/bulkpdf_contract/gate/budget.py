"""How many jobs a gate run may create on its target (``--max-jobs``), and how many it did.

Both halves of a run create jobs (schemathesis' accepted positive POSTs, the domain checks'
requests), so one :class:`JobBudget` counts the distinct job IDs that POSTs answered with, from
any thread; a replay that answers an existing job's ID counts once. The domain phase decides up
front which checks the budget pays for (:func:`~.domain_phase.fund_checks`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

DEFAULT_URL_MAX_JOBS = 10
"""The budget of a run against ``--url`` (someone's tenant) unless ``--max-jobs`` says otherwise;
the embedded mock's is unlimited."""


@dataclass
class JobBudget:
    """``limit`` None: unlimited."""

    limit: int | None = None
    created: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, job_id: object) -> None:
        """Count the job a POST answered with (once, however often it is answered)."""
        if isinstance(job_id, str) and job_id:
            with self._lock:
                self.created.add(job_id)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.created)
