"""The ``bulkpdf`` command.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; only the module of the command being run is imported, so ``bulkpdf lint``
in a pre-commit hook does not pay for the mock server or schemathesis.

Exit codes: 0 success, 1 findings / contract broken, 2 usage errors (and an unreachable server
for ``check``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from typing import Any

from . import __version__

COMMANDS = {
    "lint": ("bulkpdf_contract.lint.cli", "lint request payload files (JSON or YAML) against the contract"),
    "check": ("bulkpdf_contract.gate.cli", "check that a server keeps the contract (CI gate)"),
    "check-client": ("bulkpdf_contract.gate.client_cli",
                     "check that a client copes with everything the server can answer"),
    "serve": ("bulkpdf_contract.mock.cli", "run the reference mock server"),
    "spec": ("bulkpdf_contract.cli", "print the spec fragment or a standalone JSON Schema from it"),
    "drift": ("bulkpdf_contract.drift.cli", "compare the fragment with Zuora's published OpenAPI file"),
    "proxy": ("bulkpdf_contract.proxy.cli", "forward traffic to a server, checking both ways against the contract"),
}


def _usage() -> str:
    lines = ["usage: bulkpdf COMMAND [OPTIONS]", "", "commands:"]
    width = max(map(len, COMMANDS))
    lines += [f"  {name:<{width}} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run 'bulkpdf COMMAND --help' for the options of one command."]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``bulkpdf spec``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--export-schema",
        choices=["request", "headers", "get-headers"],
        help="print a standalone JSON Schema 2020-12 document (request: the POST body)",
    )
    group.add_argument("--path", action="store_true", help="print the path of the shipped YAML fragment")


def run(args: argparse.Namespace) -> int:
    import json

    from .spec import load_contract, spec_path

    if args.path:
        print(spec_path())
        return 0
    contract = load_contract()
    if args.export_schema is None:
        sys.stdout.write(spec_path().read_text(encoding="utf-8"))
        return 0
    schema = {
        "request": contract.request_schema,
        "headers": lambda: contract.headers_schema("POST"),
        "get-headers": lambda: contract.headers_schema("GET"),
    }[args.export_schema]()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def _start(name: str, module_name: str, help_: str, argv: list[str]) -> tuple[Any, argparse.Namespace]:
    """The command's module and its parsed options, with the garbage collector off; ``main``
    then freezes what they made out of later collections. Imports make modules, classes and
    functions, not garbage, yet CPython walks its young generation every 700 new objects: ~20
    collections, ~5 ms of bulkpdf lint's start (just deferring them costs one as long)."""
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"bulkpdf {name}", description=help_)
    module.add_arguments(parser)
    return module, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"bulkpdf {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(f"bulkpdf: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, help_ = COMMANDS[name]
    collecting = gc.isenabled()
    gc.disable()  # see _start
    try:
        try:
            module, args = _start(name, module_name, help_, argv[1:])
        except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
            return int(exc.code or 0)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()
        return int(module.run(args))
    except KeyboardInterrupt:
        print("bulkpdf: interrupted", file=sys.stderr)
        return 130
    finally:
        gc.unfreeze()  # a caller's process (the tests') is left as it was


def console() -> int:
    """The ``bulkpdf`` script: :func:`main`; then a command whose module sets ``EXIT_AT_ONCE``
    (``bulkpdf lint``: its report is written and it holds nothing open) leaves with
    :func:`os._exit` once both streams are flushed. Tearing the interpreter down (every module,
    the extensions' objects, a last collection over all of it) was ~15 ms, a fifth of a
    pre-commit run; mypy's command line leaves the same way (``mypy.util.hard_exit``). The other
    commands run subprocesses, threads and ``atexit`` handlers, and exit as usual."""
    argv = sys.argv[1:]
    code = main(argv)
    entry = COMMANDS.get(argv[0]) if argv else None
    if entry is not None and getattr(sys.modules.get(entry[0]), "EXIT_AT_ONCE", False):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe: the interpreter's own exit reports it
            return code
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(console())
