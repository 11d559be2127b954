"""``bulkpdf drift SPEC``: exit 0 when every difference from Zuora's file is a recorded decision,
1 when one is not (or a record is stale), 2 when SPEC cannot be read or lacks the operations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from ..spec import DecisionError, decisions_markdown, load_contract, spec_path
from . import DriftError, check_drift, failed, read_spec
from .report import FORMATS, as_github, as_json, as_markdown, as_text, summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", metavar="SPEC",
                        help="Zuora's published OpenAPI file (YAML or JSON), or - for standard input")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text: one line per difference; json: a list; markdown: a table for a "
                             "pull request; github: workflow annotations")
    parser.add_argument("--fragment", metavar="PATH",
                        help="compare this copy of the fragment instead of the shipped one")
    parser.add_argument("--decisions", action="store_true",
                        help="print the fragment's decision records (markdown, or json with "
                             "--format json) and exit")


def run(args: argparse.Namespace) -> int:
    fragment = Path(args.fragment) if args.fragment else spec_path()
    try:
        contract = load_contract(str(fragment) if args.fragment else None)
        if args.decisions:
            decisions = contract.decisions()
            if args.format == "json":
                sys.stdout.write(json.dumps([d.to_dict() for d in decisions], indent=2, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(decisions_markdown(decisions))
            return 0
        if args.spec is None:
            print("bulkpdf drift: SPEC is required (a path, or - for standard input)", file=sys.stderr)
            return 2
        published, label = read_spec(args.spec)
        differences = check_drift(published, contract, label)
    except (DriftError, DecisionError, OSError, yaml.YAMLError) as exc:  # yaml: a broken --fragment
        print(f"bulkpdf drift: {exc}", file=sys.stderr)
        return 2
    if args.format == "github":
        sys.stdout.write(as_github(differences, fragment))
    else:
        sys.stdout.write({"text": as_text, "json": as_json, "markdown": as_markdown}[args.format](differences))
    if args.format == "text":
        print(f"bulkpdf drift: {summary(differences)}", file=sys.stderr)
    return 1 if failed(differences) else 0
