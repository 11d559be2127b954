"""The validating proxy behind ``bulkpdf proxy``: real traffic between a client and a server,
checked both ways against the contract, reported and recorded.

The steps are separate modules: :mod:`.forwarding` (the ASGI app: requests forwarded,
bodies streamed and tapped), :mod:`.upstream` (the aiohttp session to the upstream),
:mod:`.answers` (what the proxy answers itself: ``--enforce`` refusals, 502/504),
:mod:`.recorder` (each finished exchange checked in order, reported, recorded), :mod:`.report`
(JSON lines, the summary), :mod:`.har` (HAR 1.2, tokens masked), :mod:`.server` (uvicorn in a
thread), :mod:`.session` (the pytest plugin's handle) and
:mod:`.cli` (the command). The checks themselves are the validators'
(:mod:`bulkpdf_contract.validators.exchanges` and :mod:`~bulkpdf_contract.validators.conversation`),
which ``bulkpdf lint --har`` shares without importing any of this.
"""

from .config import ProxySettings
from .forwarding import ProxyApp
from .server import RunningProxy, create_proxy_app, run_proxy, start_proxy

__all__ = ["ProxyApp", "ProxySettings", "RunningProxy", "create_proxy_app", "run_proxy", "start_proxy"]
