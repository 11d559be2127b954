"""The reference mock server of the bulk-PDF endpoint: stateful, persistent, producing real ZIPs.

``create_app(...)`` builds the ASGI app; ``run_server(...)`` runs it under uvicorn in a thread on
a free 127.0.0.1 port; ``bulkpdf serve`` runs it from the command line.

The names are imported on first use, so the job process (which imports only the job modules of
this package) does not pay for Starlette, uvicorn and the validators.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Clock": ".clock",
    "ConnectionDropped": ".wire",
    "FaultError": ".faults",
    "DEFAULT_TOKEN": ".auth",
    "MockSettings": ".config",
    "create_app": ".app",
    "RunningServer": ".server",
    "run_server": ".server",
    "start_server": ".server",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
