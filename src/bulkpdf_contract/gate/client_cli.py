"""``bulkpdf check-client``: does a team's client cope with everything the server can answer?

For each scenario (:mod:`.client_scenarios`) a fresh embedded mock is set up, the client's
COMMAND runs once against it (:mod:`.client_run`), and the run is judged (:mod:`.client_judgements`).
Exit 0 when every scenario passes, 1 when one fails, 2 for usage errors or a COMMAND that cannot
start. Progress goes to stderr per scenario; the summary table to stdout at the end.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Callable

from ..options import positive_seconds
from .client_judgements import JUDGEMENTS, judge
from .client_run import ClientRun, CommandError, run_client
from .client_scenarios import AUTH_MODES, SCENARIO_NAMES, SCENARIOS, Scenario, applicable
from .report import FAILED, PASSED, CheckResult, help_rows, summary_table, write_junit

DEFAULT_TIMEOUT = 60.0


def _epilog() -> str:
    lines = ["scenarios (default: all that apply to --auth):"]
    lines += help_rows(((s.name, s.summary + ("" if s.auth == AUTH_MODES else f" [--auth {'/'.join(s.auth)} only]"))
                        for s in SCENARIOS), indent=2, name_width=22)
    lines += ["", "judgements (each scenario, each a named finding with evidence from the mock's journal):"]
    lines += help_rows(((j.name, j.description) for j in JUDGEMENTS), indent=2, name_width=14)
    lines += [
        "",
        "COMMAND runs once per scenario with BULKPDF_URL, BULKPDF_TOKEN (--auth oauth: BULKPDF_CLIENT_ID,",
        "BULKPDF_CLIENT_SECRET, BULKPDF_TOKEN_URL), BULKPDF_REQUEST (a JSON file with the request body to",
        "submit) and BULKPDF_OUTPUT (an empty directory for the ZIP files, named as their URLs end).",
        "",
        "exit status: 0 every scenario passed, 1 one failed, 2 usage error or COMMAND cannot start.",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.usage = ("bulkpdf check-client [--scenarios NAME ...] [--auth token|oauth] [--timeout SECONDS] "
                    "[--junit-xml PATH] [-q] -- COMMAND [ARG ...]")
    parser.epilog = _epilog()
    parser.add_argument("--scenarios", nargs="+", metavar="NAME",
                        help="run only these scenarios (names separated by spaces or commas; see below)")
    parser.add_argument("--auth", choices=AUTH_MODES, default="token",
                        help="how the client authenticates: a bearer token, or OAuth client credentials "
                             "(default: token)")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS", default=DEFAULT_TIMEOUT,
                        help=f"seconds one run of COMMAND may take before it is killed (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report (one testcase per scenario)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines, only the summary")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARG ...]",
                        help="the client to check, after --")


def select(values: list[str] | None, auth: str) -> tuple[Scenario, ...] | str:
    """The scenarios to run, or the usage error."""
    if not values:
        return applicable(auth)
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIO_NAMES]
    if unknown:
        return f"unknown scenario(s): {', '.join(unknown)}; choose from: {', '.join(SCENARIO_NAMES)}"
    chosen = [s for s in SCENARIOS if s.name in names]
    wrong = [f"{s.name} needs --auth {' or '.join(s.auth)}" for s in chosen if auth not in s.auth]
    return "; ".join(wrong) if wrong else tuple(chosen)


def result_of(run: ClientRun, findings: dict[str, list[str]]) -> CheckResult:
    """The report's row of one scenario: what it caught, with the evidence as notes."""
    caught = [name for name, lines in findings.items() if lines]
    notes = [f"{name}: {line}" for name in caught for line in findings[name]]
    detail = (f"caught: {', '.join(caught)}" if caught
              else f"{len(findings)} judgements passed (exit {run.exit_code}, {len(run.output)} file(s))")
    return CheckResult(name=run.scenario.name, source=f"client/{run.auth}", status=FAILED if caught else PASSED,
                       detail=detail, duration=run.duration, requests=len(run.entries), notes=notes)


def check_client(
    scenarios: tuple[Scenario, ...], command: list[str], *, auth: str, timeout: float,
    progress: Callable[[str], None],
) -> list[CheckResult]:
    """Run and judge every scenario in order; :class:`CommandError` when COMMAND cannot start."""
    results = []
    for n, scenario in enumerate(scenarios, 1):
        progress(f"[{n}/{len(scenarios)}] {scenario.name}: {scenario.summary}")
        run = run_client(scenario, command, auth=auth, timeout=timeout)
        result = result_of(run, judge(run))
        results.append(result)
        progress(f"  {result.status.upper()} in {result.duration:.1f} s, {result.requests} requests: {result.detail}")
    return results


def run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("bulkpdf check-client: give the client to check after --, e.g. -- python my_client.py",
              file=sys.stderr)
        return 2
    scenarios = select(args.scenarios, args.auth)
    if isinstance(scenarios, str):
        print(f"bulkpdf check-client: {scenarios}", file=sys.stderr)
        return 2

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    target = shlex.join(command)
    progress(f"bulkpdf check-client: {target}; {len(scenarios)} scenarios; --auth {args.auth}")
    started = time.monotonic()
    try:
        results = check_client(scenarios, command, auth=args.auth, timeout=args.timeout, progress=progress)
    except CommandError as exc:
        print(f"bulkpdf check-client: {exc}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - started
    failed = any(r.failed for r in results)
    print(summary_table(results))
    verdict = "FAILED" if failed else "PASSED"
    print(f"\n{target}: {verdict} {len(results)} scenarios in {elapsed:.1f}s (--auth {args.auth})")
    if args.junit_xml:
        try:
            write_junit(results, args.junit_xml, elapsed=elapsed, target=target, suite="bulkpdf-check-client")
        except OSError as exc:
            print(f"bulkpdf check-client: cannot write {args.junit_xml}: {exc}", file=sys.stderr)
            return 2
    return 1 if failed else 0
