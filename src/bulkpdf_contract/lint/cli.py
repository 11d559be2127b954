"""``bulkpdf lint``: options and exit codes (0 no findings, 1 findings, 2 usage error).

Loading, checking and reporting live in :mod:`.parsing`, :mod:`.engine`, :mod:`.har` (``--har``:
recorded traffic) and :mod:`.report`; this module only wires them to the command line.
"""

from __future__ import annotations

import argparse
import sys

from .engine import lint_paths
from .parsing import load_file_names
from .report import FORMATS, write

EXIT_AT_ONCE = True  # the console script may skip the interpreter's teardown (see bulkpdf_contract.cli.console)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="payload files, or directories to search for *.json, *.yaml, *.yml")
    parser.add_argument("--har", action="append", default=[], metavar="FILE",
                        help="check the exchanges recorded in a HAR file both ways, as bulkpdf proxy "
                             "does (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text: path:line:col: rule: message (default); json: a list of objects")
    parser.add_argument("--file-names", metavar="MAP",
                        help="JSON or YAML file mapping objectId to its PDF file name, to catch "
                             "distinct IDs whose PDFs would have the same name")


def run(args: argparse.Namespace) -> int:
    if not args.paths and not args.har:
        print("usage: bulkpdf lint [--format text|json] [--file-names MAP] [--har FILE] PATH...\n"
              "bulkpdf lint: give payload files or directories, or --har FILE", file=sys.stderr)
        return 2
    file_names = None
    if args.file_names is not None:
        try:
            file_names = load_file_names(args.file_names)
        except ValueError as exc:
            print(f"bulkpdf lint: --file-names: {exc}", file=sys.stderr)
            return 2
    findings = lint_paths(args.paths, file_names=file_names) if args.paths else []
    if args.har:
        from .har import lint_har  # the exchange checks only for --har (see the package docstring)

        for har in args.har:
            findings += lint_har(har)
    write(findings, args.format, sys.stdout, sys.stderr)
    return 1 if findings else 0
