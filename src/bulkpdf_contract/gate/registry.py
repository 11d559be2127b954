"""How a domain check is declared: ``@domain_check`` next to its function, with the standard jobs
it reads and the preconditions it needs (after schemathesis 4, whose checks are functions
registered by a decorator).

A :class:`Precondition` is what a check may need from the server or the run, with the reason
reported when it is unmet; a check lists the ones it needs in ``needs=``, and declares in
``creates=`` the jobs it creates itself (the job budget, ``--max-jobs``, pays for them and for the
standard jobs it reads). The domain phase asks
:meth:`DomainCheck.unmet` twice: when it plans the jobs (a check that will be skipped gets none)
and again just before the check runs (the server's answer to seeding can change it in between),
so ``met`` must be a plain test of the context that is true or false for the same reasons both
times. A new precondition is one more :class:`Precondition` (its skip reason and its test, usually
of one more :class:`~.context.Context` field) listed in the ``needs`` of the checks it concerns;
neither the checks nor the domain phase change.

The registry's order is the report's order: :mod:`.checks` imports its modules in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

from .context import Context
from .standard_jobs import STANDARD_JOBS

CheckFunction = Callable[[Context], str]


@dataclass(frozen=True)
class Precondition:
    """Something a check needs; unmet, the check is skipped with ``reason`` (a text, or a
    function of the context and the check that words it).

    ``label`` is the short form ``bulkpdf check --help`` shows next to the check.
    """

    label: str
    reason: str | Callable[[Context, "DomainCheck"], str]
    met: Callable[[Context, "DomainCheck"], bool]

    def why(self, ctx: Context, check: "DomainCheck") -> str:
        return self.reason if isinstance(self.reason, str) else self.reason(ctx, check)


SEEDING = Precondition(
    "needs a seeding server",
    "needs a server that seeds documents (GET /_mock/capabilities: seeding)",
    lambda ctx, check: ctx.seeding,
)
DOCUMENTS = Precondition(
    "needs existing documents",
    "needs --documents for a server that cannot be seeded",
    lambda ctx, check: ctx.pool.exists,
)
ARCHIVED = Precondition(
    "needs archived documents",
    "needs a server that seeds documents, or archived: true in --documents",
    lambda ctx, check: ctx.seeding or bool(ctx.pool.archived),
)
WITHOUT_PDF = Precondition(
    "needs documents without a PDF",
    "needs a server that seeds documents, or hasPdf: false in --documents",
    lambda ctx, check: ctx.seeding or bool(ctx.pool.without_pdf),
)
JOB_BUDGET = Precondition(
    "creates jobs",
    lambda ctx, check: f"would take the run past --max-jobs {ctx.budget.limit}: cheaper checks were paid for first",
    lambda ctx, check: ctx.funded is None or check.name in ctx.funded,
)
"""Every check that creates jobs needs it (added by :meth:`DomainCheck.unmet`, not listed)."""


@dataclass(frozen=True)
class DomainCheck:
    """A named check: ``run(ctx)`` returns the detail of a pass, raises Broken or Skip otherwise."""

    name: str
    run: CheckFunction
    jobs: tuple[str, ...] = ()
    needs: tuple[Precondition, ...] = ()
    creates: int | Callable[[Context], int] = 0
    """Jobs the check creates itself, beyond the standard ``jobs`` it reads (a number, or a
    function of the context when it depends on the run)."""

    @property
    def description(self) -> str:
        return " ".join((self.run.__doc__ or "").split("\n\n")[0].split()).replace("``", "")

    def own_jobs(self, ctx: Context) -> int:
        return self.creates(ctx) if callable(self.creates) else self.creates

    @property
    def preconditions(self) -> tuple[Precondition, ...]:
        """``needs``, then the job budget for a check that creates or reads jobs."""
        return self.needs + ((JOB_BUDGET,) if self.jobs or self.creates else ())

    def unmet(self, ctx: Context) -> str | None:
        """The skip reason of the first precondition ``ctx`` does not meet; None when all are met."""
        return next((p.why(ctx, self) for p in self.preconditions if not p.met(ctx, self)), None)


@dataclass
class Registry:
    """Domain checks in the order they were registered (the order the report lists them in)."""

    checks: list[DomainCheck] = field(default_factory=list)

    def register(
        self,
        func: CheckFunction | None = None,
        *,
        name: str | None = None,
        jobs: tuple[str, ...] = (),
        needs: tuple[Precondition, ...] = (),
        creates: int | Callable[[Context], int] = 0,
    ) -> Union[CheckFunction, Callable[[CheckFunction], CheckFunction]]:
        """Register ``func`` (bare ``@register`` or ``@register(jobs=..., needs=..., creates=...)``)
        and return it unchanged. The name defaults to the function's without its ``check_`` prefix."""

        def add(fn: CheckFunction) -> CheckFunction:
            check = DomainCheck(name or fn.__name__.removeprefix("check_"), fn, tuple(jobs), tuple(needs), creates)
            unknown = [label for label in check.jobs if label not in STANDARD_JOBS]
            if unknown:
                raise ValueError(f"domain check {check.name!r} reads unknown standard job(s) {unknown}; "
                                 f"known: {sorted(STANDARD_JOBS)}")
            if any(c.name == check.name for c in self.checks):
                raise ValueError(f"domain check {check.name!r} is registered twice")
            self.checks.append(check)
            return fn

        return add(func) if func is not None else add


REGISTRY = Registry()
domain_check = REGISTRY.register
