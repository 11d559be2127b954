"""The CI gate behind ``bulkpdf check``: does a server keep the bulk-PDF contract?

Two halves run side by side against one server (:mod:`.orchestrate`): schemathesis over the spec
(both operations, mode ``all``, the POST -> GET link; :mod:`.schemathesis_run`, with the repairs of
:mod:`.hooks`) and the domain checks schemathesis cannot express. The domain half: the checks in
:mod:`.checks` (one module per theme), each declared with ``@domain_check`` (:mod:`.registry`:
preconditions and the standard jobs it reads, :mod:`.standard_jobs`), run by :mod:`.domain_phase`
with a :class:`~.context.Context` (the client of :mod:`.http`, the jobs, ZIPs read by
:mod:`.archives`) and the edge-case requests of :mod:`.edge_requests`. Against a live target both halves share the run's token and 429 policy
(:mod:`bulkpdf_contract.live`), the documents it holds (:mod:`.documents`, ``--documents``) and
its job budget (:mod:`.budget`, ``--max-jobs``); schemathesis' side of that is :mod:`.live_run`.
:mod:`.report` turns the results into a table, curl lines and JUnit XML; :mod:`.cli` is the command.

``bulkpdf check-client`` is the other half: does a client cope with everything the server can
answer? Its scenarios are data (:mod:`.client_scenarios`: a request, fault rules, mock settings),
:mod:`.client_run` runs the client once per scenario against a fresh mock and gathers the
evidence, :mod:`.client_judgements` judges it (``@judgement``), :mod:`.client_cli` is the command
(the same :mod:`.report` table and JUnit).

Splitting a long run: every run is independent (fresh names, IDs and idempotency keys; seeded
documents removed by ID), so several machines can check one server at once. Give each machine its
own ``--seed`` (e.g. base + CI node index) and ``--junit-xml``, and merge the XML files; the
deterministic parts (coverage phase, domain checks) repeat on each, the random parts explore
different data. ``--workers N`` adds threads within one run.
"""

from .orchestrate import ALL_CHECKS, GateOptions, GateOutcome, Unreachable, probe, run_gate

__all__ = ["ALL_CHECKS", "GateOptions", "GateOutcome", "Unreachable", "probe", "run_gate"]
