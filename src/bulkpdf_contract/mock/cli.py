"""``bulkpdf serve``: the mock server under uvicorn, in the foreground."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..options import positive_int, positive_seconds
from .auth import DEFAULT_TOKEN
from .config import default_data_dir
from .server import PROTOCOL, bind_socket, tune_gc_for_serving


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080; 0 picks a free one)")
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help=f"directory for the database and the ZIP files (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--token", action="append", default=None,
        help=f"accepted static bearer token; repeat for several tenants (default: {DEFAULT_TOKEN}, "
             "none when --client is given)",
    )
    parser.add_argument(
        "--client", action="append", default=None, metavar="ID:SECRET",
        help="an OAuth client POST /oauth/token issues tokens to (a 36-character ID, a secret of 1 to 42 "
             "characters); repeat for several, each its own tenant",
    )
    parser.add_argument("--token-ttl", type=positive_seconds, metavar="SECONDS", default=None,
                        help="seconds an issued token is valid (default: the contract's 3600)")
    parser.add_argument("--rate-limit", type=positive_int, metavar="N", default=None,
                        help="requests per minute per tenant (and token requests per address): 429 past it "
                             "(default: not enforced)")
    parser.add_argument("--concurrency-limit", type=positive_int, metavar="N", default=None,
                        help="requests in flight per tenant: 429 past it (default: not enforced)")
    parser.add_argument("--documents", type=Path, default=None, help="YAML file seeding the document world")
    parser.add_argument(
        "--faults", type=Path, default=None,
        help="YAML or JSON file of fault rules in force from the start (more over /_mock/faults)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level; info logs every request (default: info)",
    )
    parser.add_argument(
        "--job-delay", type=float, default=0.0, help="seconds to pause before each job step (to watch the statuses)"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    data_dir = args.data_dir or default_data_dir()
    tokens = args.token or ([] if args.client else [DEFAULT_TOKEN])
    try:
        app = create_app(data_dir, tokens, args.documents, job_delay=args.job_delay, clients=args.client or (),
                         token_ttl=args.token_ttl, rate_limit=args.rate_limit,
                         concurrency_limit=args.concurrency_limit, faults=args.faults)
        app.state.mock.ensure_started()  # fail here, clearly, rather than on the first request
        app.state.mock.close()
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"bulkpdf serve: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"bulkpdf serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"bulkpdf mock server: http://{host}:{sock.getsockname()[1]}", file=sys.stderr)
    print(f"  data directory: {app.state.mock.data_dir}", file=sys.stderr)
    settings = app.state.mock.config.settings
    if tokens:
        print(f"  bearer token(s): {', '.join(tokens)}", file=sys.stderr)
    if settings.clients:
        print(f"  OAuth client(s): {', '.join(settings.clients)} (tokens from POST /oauth/token, valid "
              f"{settings.token_ttl:g} s)", file=sys.stderr)
    limits = [f"{n} {what}" for n, what in ((settings.rate_limit, "requests per minute"),
                                              (settings.concurrency_limit, "in flight")) if n is not None]
    if limits:
        print(f"  limits per tenant: {', '.join(limits)}", file=sys.stderr)
    if len(app.state.mock.faults):
        print(f"  fault rules: {len(app.state.mock.faults)} from {args.faults}", file=sys.stderr)
    sys.stderr.flush()
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level, lifespan="on", http=PROTOCOL,
                                           proxy_headers=False))
    tune_gc_for_serving()
    server.run(sockets=[sock])
    return 0

