"""How ``bulkpdf check-client`` judges one run of a client: named judgements, each a function of
the :class:`~.client_run.ClientRun` returning its findings (evidence from the journal, the exit
status and the output directory); no findings is a pass.

Declared with ``@judgement`` next to the function, after the server gate's ``@domain_check``
(:mod:`.registry`); the registry's order is the report's. Every judgement applies to every
scenario: what differs between scenarios is what the mock did, and what a careful client ends
with (:attr:`~.client_scenarios.Scenario.succeeds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .client_run import ClientRun

TIMING_SLACK = 0.02
"""Seconds a measured wait may fall short of its limit (timer and scheduling granularity)."""
MAX_EVIDENCE = 5  # lines of evidence per finding kind

JudgementFunction = Callable[[ClientRun], list[str]]


@dataclass(frozen=True)
class Judgement:
    name: str
    run: JudgementFunction

    @property
    def description(self) -> str:
        return " ".join((self.run.__doc__ or "").split("\n\n")[0].split()).replace("``", "")


@dataclass
class JudgementRegistry:
    judgements: list[Judgement] = field(default_factory=list)

    def register(self, name: str) -> Callable[[JudgementFunction], JudgementFunction]:
        def add(fn: JudgementFunction) -> JudgementFunction:
            if any(j.name == name for j in self.judgements):
                raise ValueError(f"judgement {name!r} is registered twice")
            self.judgements.append(Judgement(name, fn))
            return fn

        return add


REGISTRY = JudgementRegistry()
judgement = REGISTRY.register


def _more(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_EVIDENCE:
        return lines
    return lines[:MAX_EVIDENCE] + [f"... and {len(lines) - MAX_EVIDENCE} more"]


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])


@judgement("exit-code")
def exit_code(run: ClientRun) -> list[str]:
    """The command exits 0 when the job's output was there to take, non-zero when the job
    failed (job-error), and within --timeout."""
    said = f" (stderr: {_last_lines(run.stderr)})" if run.stderr.strip() else ""
    if run.timed_out:
        return [f"the command was still running after {run.timeout:g} s and was killed{said}"]
    if run.scenario.succeeds and run.exit_code != 0:
        return [f"the command exited {run.exit_code}; a careful client exits 0 here{said}"]
    if not run.scenario.succeeds and run.exit_code == 0:
        if run.job is None:
            return ["the command exited 0 without creating a job; here the job fails, "
                    "and the command must exit non-zero"]
        return [f"the command exited 0 although job {run.job} ended {run.job_status}; it must exit non-zero"]
    return []


@judgement("output")
def output(run: ClientRun) -> list[str]:
    """The output directory holds exactly the job's ZIPs under the names their URLs end with,
    each complete (the bytes the mock served) and holding the expected PDFs; nothing when the job failed."""
    found = {f.name: f for f in run.output}
    expected = {z.name: z for z in run.expected_zips} if run.scenario.succeeds else {}
    if run.scenario.succeeds and not expected:
        return ["no job was created, so there was nothing to download" if run.job is None
                else f"job {run.job} ended {run.job_status} without ZIPs"]
    findings = [f"missing {name} ({z.size} bytes)" for name, z in expected.items() if name not in found]
    findings += [f"unexpected {'directory' if f.is_dir else 'file'} {name}" for name, f in found.items()
                 if name not in expected]
    pdfs: set[str] = set()
    for name, z in expected.items():
        got = found.get(name)
        if got is None or got.is_dir:
            continue
        if got.sha256 != z.sha256:
            state = "shorter than" if got.size < z.size else "different from"
            findings.append(f"{name} is {got.size} bytes, {state} the {z.size} bytes the mock served")
            continue
        pdfs.update(got.pdfs or ())
    if run.scenario.succeeds and not findings and pdfs != run.expected_pdfs:
        lost = sorted(run.expected_pdfs - pdfs)
        findings.append(f"the ZIPs lack {len(lost)} expected PDF(s): {', '.join(lost[:5])}")
    return _more(findings)


@judgement("one-job")
def one_job(run: ClientRun) -> list[str]:
    """Exactly one job was created: a retried POST carries the same Idempotency-Key (a retry
    with a new key, or none, creates a second job)."""
    creating = [e for e in run.entries.posts() if e.job_created]
    if len(creating) == 1:
        return []
    if not creating:
        return ["no job was created"]
    lines = [f"{len(creating)} jobs were created:"]
    lines += [f"{e.describe()} created job {e.job} with Idempotency-Key {e.header('idempotency-key')!r}"
              for e in creating]
    return _more(lines)


@judgement("retry-after")
def retry_after(run: ClientRun) -> list[str]:
    """No request repeats a 429 before its Retry-After has passed."""
    entries = list(run.entries)
    findings = []
    for i, refused in enumerate(entries):
        if refused.status != 429 or not (refused.retry_after or "").isdigit():
            continue
        wait = int(refused.retry_after)
        retry = next((e for e in entries[i + 1:] if (e.method, e.path) == (refused.method, refused.path)), None)
        if retry is None:
            continue
        waited = retry.received - refused.answered
        if waited < wait - TIMING_SLACK:
            findings.append(f"{retry.describe()} came {waited:.3f} s after {refused.describe()} "
                            f"asked to wait {wait} s (Retry-After)")
    return _more(findings)


@judgement("poll-interval")
def poll_interval(run: ClientRun) -> list[str]:
    """No job is polled faster than the contract's limit (x-bulkpdf-min-poll-interval-seconds,
    between the starts of two polls of one job, retries included; a poll refused for its token
    (401) may be repeated at once with a new one)."""
    limit = run.contract.min_poll_interval_seconds
    by_job: dict[str, list] = {}
    for entry in run.entries.polls():
        by_job.setdefault(entry.path, []).append(entry)
    findings = []
    for path, polls in by_job.items():
        gaps = [(b.received - a.received, a, b) for a, b in zip(polls, polls[1:]) if a.status != 401]
        fast = [g for g in gaps if g[0] < limit - TIMING_SLACK]
        if fast:
            gap, a, b = min(fast, key=lambda g: g[0])
            findings.append(f"{len(polls)} polls of {path}: {len(fast)} came less than {limit:g} s after the "
                            f"one before, the closest {gap:.3f} s apart (#{a.seq} and #{b.seq})")
    return findings


@judgement("after-terminal")
def after_terminal(run: ClientRun) -> list[str]:
    """Once a poll reported the job's terminal status, the client sends nothing but downloads."""
    terminal = run.contract.terminal_statuses
    final = next((e for e in run.entries.polls() if e.job_status in terminal), None)
    if final is None:
        return []
    later = [e for e in run.entries if e.seq > final.seq and e.kind != "download"]
    if not later:
        return []
    return _more([f"{e.describe()} after {final.describe()} reported {final.job_status}" for e in later])


@judgement("valid-requests")
def valid_requests(run: ClientRun) -> list[str]:
    """Every request the client sent to the bulk-PDF endpoint keeps the contract (the validators'
    findings, as the journal recorded them)."""
    lines = []
    for entry in run.entries.with_findings():
        first = entry.findings[0]
        more = f" (+{len(entry.findings) - 1} more)" if len(entry.findings) > 1 else ""
        lines.append(f"{entry.describe()}: {first['rule']} at {first['pointer'] or '/'}: {first['message']}{more}")
    return _more(lines)


JUDGEMENTS: tuple[Judgement, ...] = tuple(REGISTRY.judgements)


def judge(run: ClientRun) -> dict[str, list[str]]:
    """Every judgement's findings for one run, in report order."""
    return {j.name: j.run(run) for j in JUDGEMENTS}
