"""``bulkpdf proxy``: the validating proxy in the foreground, until SIGINT or SIGTERM.

Exit codes: 0 no violation seen, 1 violations seen, 2 usage error (an upstream that is not an
http(s) URL, a port that cannot be bound, a report or HAR file that cannot be written).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from ..mock.server import tune_gc_for_serving
from ..options import http_url
from .report import summary
from .server import start_proxy

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", required=True, type=http_url, metavar="URL",
                        help="base URL of the server every request is forwarded to (http:// or https://)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (default: 8081; 0 picks a free one)")
    parser.add_argument("--report", metavar="PATH", help="write each violation as a JSON line to PATH")
    parser.add_argument("--har", metavar="PATH", help="record every exchange as HAR 1.2 in PATH (tokens masked)")
    parser.add_argument("--enforce", action="store_true",
                        help="answer a request the contract rejects with Zuora's error body instead of forwarding it")
    parser.add_argument("--log-level", default="info", choices=LOG_LEVELS,
                        help="info logs every exchange, warning every violation (default: info)")


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.log_level)
    try:
        proxy = start_proxy(args.upstream, host=args.host, port=args.port, report=args.report,
                            har=args.har, enforce=args.enforce)
    except OSError as exc:
        where = exc.filename or f"{args.host}:{args.port}"
        print(f"bulkpdf proxy: cannot use {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"bulkpdf proxy: {proxy.url} -> {args.upstream}" + (" (enforcing)" if args.enforce else ""),
          file=sys.stderr)
    for label, path in (("report", args.report), ("HAR", args.har)):
        if path:
            print(f"  {label}: {path}", file=sys.stderr)
    print("  stop with Ctrl-C (SIGINT) or SIGTERM", file=sys.stderr, flush=True)
    tune_gc_for_serving()
    _wait_for_signal()
    proxy.stop()
    stats = proxy.recorder.snapshot()
    print(summary(stats), file=sys.stderr, flush=True)
    return 1 if stats.violations else 0


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM; both stop the proxy cleanly (summary, files closed)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(1.0):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("bulkpdf_contract.proxy", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if name.startswith("bulkpdf"):
            logger.addHandler(handler)
            logger.propagate = False
