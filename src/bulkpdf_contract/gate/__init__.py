"""The CI gate behind ``bulkpdf check``: does a server keep the bulk-PDF contract?

Two halves run side by side against one server: schemathesis over the spec (both operations,
mode ``all``, the POST -> GET link; :mod:`.runner`, with the repairs of :mod:`.hooks`) and the
domain checks schemathesis cannot express (:mod:`.checks`). :mod:`.report` turns the results into
a table, curl lines and JUnit XML; :mod:`.cli` is the command.

Splitting a long run: every run is independent (fresh names, IDs and idempotency keys; seeded
documents removed by ID), so several machines can check one server at once. Give each machine its
own ``--seed`` (e.g. base + CI node index) and ``--junit-xml``, and merge the XML files; the
deterministic parts (coverage phase, domain checks) repeat on each, the random parts explore
different data. ``--workers N`` adds threads within one run.
"""

from .orchestrate import ALL_CHECKS, GateOptions, GateOutcome, Unreachable, probe, run_gate

__all__ = ["ALL_CHECKS", "GateOptions", "GateOutcome", "Unreachable", "probe", "run_gate"]
