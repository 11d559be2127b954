"""The reference mock server of the bulk-PDF endpoint: stateful, persistent, producing real ZIPs.

``create_app(...)`` builds the ASGI app; ``run_server(...)`` runs it under uvicorn in a thread on
a free 127.0.0.1 port; ``bulkpdf serve`` runs it from the command line.
"""

from .app import DEFAULT_TOKEN, create_app
from .server import RunningServer, run_server, start_server

__all__ = ["DEFAULT_TOKEN", "RunningServer", "create_app", "run_server", "start_server"]
