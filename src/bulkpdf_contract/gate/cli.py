"""``bulkpdf check``: the CI gate. Exit 0 when every check passes, 1 when the server breaks the
contract, 2 for usage errors and for a server that cannot be used (no connection, token refused).

Progress goes to stderr while the run goes on; the summary table goes to stdout at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

from ..options import DEFAULT_TOKEN, client_credentials, existing_file, http_url, positive_int, positive_seconds
from .budget import DEFAULT_URL_MAX_JOBS
from .checks import DOMAIN_CHECKS
from .orchestrate import ALL_CHECKS, GateOptions, Unreachable, run_gate
from .report import help_rows, summary_table, write_junit
from .schemathesis_run import SCHEMATHESIS_CHECKS

DEFAULT_MAX_EXAMPLES = 20


def _epilog() -> str:
    lines = ["checks (all run by default; select with --checks):", "  schemathesis (over the spec, mode all, "
             "POST->GET link):"]
    lines += [f"    {name}" for name in SCHEMATHESIS_CHECKS]
    lines.append("  domain:")
    lines += help_rows(((c.name, c.description + "".join(f" [{need.label}]" for need in c.preconditions))
                        for c in DOMAIN_CHECKS), indent=4, name_width=22)
    lines += [
        "",
        "  the run's own rows: token_endpoint (with client credentials: every token response valid),",
        "    rate_limit_hints (when a 429 was met: each said when to retry, Retry-After or RateLimit-Reset).",
        "",
        "exit status: 0 every check passed, 1 the server breaks the contract,",
        "             2 usage error or server unreachable / token refused.",
        "Failed checks print a curl line that reads the token from $BULKPDF_TOKEN.",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _epilog()
    parser.add_argument("--url", help="base URL of the server to check (default: start the embedded mock)")
    parser.add_argument("--token", default=None,
                        help=f"bearer token (default: $BULKPDF_TOKEN, else the mock's {DEFAULT_TOKEN!r})")
    parser.add_argument("--client-id", default=None, metavar="ID",
                        help="OAuth client ID: fetch tokens from the token URL instead of --token "
                             "(default: $BULKPDF_CLIENT_ID)")
    parser.add_argument("--client-secret", default=None, metavar="SECRET",
                        help="OAuth client secret (default: $BULKPDF_CLIENT_SECRET)")
    parser.add_argument("--token-url", type=http_url, default=None, metavar="URL",
                        help="where tokens come from (default: {url}/oauth/token)")
    parser.add_argument("--documents", type=existing_file, default=None, metavar="FILE",
                        help="YAML/JSON file of documents the target holds (the mock's documents-file format: "
                             "docType, id, optional hasPdf, archived, pdfFileName); requests that must be "
                             "accepted name them. Without --url: the embedded mock's world")
    parser.add_argument("--max-jobs", type=positive_int, default=None, metavar="N",
                        help=f"the most jobs the run may create (default: {DEFAULT_URL_MAX_JOBS} with --url, "
                             "else unlimited); checks that would exceed it are skipped")
    parser.add_argument("--max-examples", type=positive_int, metavar="N", default=DEFAULT_MAX_EXAMPLES,
                        help=f"schemathesis examples per operation and phase (default: {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--seed", type=int, metavar="N", default=None,
                        help="schemathesis seed (default: random, printed so a run can be repeated)")
    parser.add_argument("--workers", type=positive_int, metavar="N", default=1,
                        help="schemathesis worker threads (default: 1)")
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report (one testcase per check)")
    parser.add_argument("--checks", nargs="+", metavar="NAME",
                        help="run only these checks (names separated by spaces or commas; see below)")
    parser.add_argument("--job-timeout", type=positive_seconds, metavar="SECONDS", default=60.0,
                        help="seconds a submitted job may take to finish (default: 60)")
    parser.add_argument("--request-timeout", type=positive_seconds, metavar="SECONDS", default=30.0,
                        help="seconds per request (default: 30)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines, only the summary")


def _selected(values: list[str] | None) -> tuple[str, ...] | str:
    if not values:
        return ALL_CHECKS
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_CHECKS]
    if unknown:
        return f"unknown check(s): {', '.join(unknown)}; choose from: {', '.join(ALL_CHECKS)}"
    return tuple(dict.fromkeys(names))


def run(args: argparse.Namespace) -> int:
    checks = _selected(args.checks)
    if isinstance(checks, str):
        print(f"bulkpdf check: {checks}", file=sys.stderr)
        return 2
    url = args.url
    if url is not None and not url.startswith(("http://", "https://")):
        print(f"bulkpdf check: --url must start with http:// or https://, got {url!r}", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("BULKPDF_TOKEN") or DEFAULT_TOKEN
    try:
        client = client_credentials(args.client_id or os.environ.get("BULKPDF_CLIENT_ID"),
                                    args.client_secret or os.environ.get("BULKPDF_CLIENT_SECRET"))
    except ValueError as exc:
        print(f"bulkpdf check: {exc}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    options = GateOptions(url=url, token=token, max_examples=args.max_examples, seed=seed, workers=args.workers,
                          checks=checks, job_timeout=args.job_timeout, request_timeout=args.request_timeout,
                          client_id=client and client[0], client_secret=client and client[1],
                          token_url=args.token_url, documents=args.documents, max_jobs=args.max_jobs)

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    progress(f"bulkpdf check: {url or 'embedded mock'}; {len(checks)} checks; max examples "
             f"{args.max_examples}; seed {seed}")
    try:
        outcome = run_gate(options, progress)
    except Unreachable as exc:
        print(f"bulkpdf check: server unreachable: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a documents file that cannot be used
        print(f"bulkpdf check: {exc}", file=sys.stderr)
        return 2
    print(summary_table(outcome.results))
    print(f"\n{outcome.target}: {'FAILED' if outcome.failed else 'PASSED'} in {outcome.elapsed:.1f}s "
          f"(seed {seed}; repeat with --seed {seed})")
    budget = "unlimited" if outcome.max_jobs is None else f"--max-jobs {outcome.max_jobs}"
    print(f"jobs created: {outcome.jobs_created} ({budget}); 429s met: {outcome.rate_limited} "
          f"(waited {outcome.rate_waited:.1f}s)" + (f"; tokens fetched: {outcome.tokens_fetched}"
                                                     if options.client_id else ""))
    if args.junit_xml:
        try:
            write_junit(outcome.results, args.junit_xml, elapsed=outcome.elapsed, target=outcome.target)
        except OSError as exc:
            print(f"bulkpdf check: cannot write {args.junit_xml}: {exc}", file=sys.stderr)
            return 2
    return 1 if outcome.failed else 0
