"""Running the proxy under uvicorn in a background thread, as the mock runs (and with the mock's
HTTP/1.1 protocol, so a request HTTP/1.1 cannot parse still gets Zuora's error body)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

from ..mock.server import RunningServer, serve_app
from ..validators.exchanges import Violation
from .config import ProxySettings
from .forwarding import ProxyApp
from .recorder import Recorder
from .report import Stats


def create_proxy_app(upstream: str | None = None, **settings: Any) -> ProxyApp:
    """The proxy as an ASGI app: ``create_proxy_app("https://rest.apisandbox.zuora.com", har="x.har")``;
    the keywords are :class:`~.config.ProxySettings`."""
    if upstream is not None:
        settings["upstream"] = upstream
    return ProxyApp(ProxySettings.from_keywords("create_proxy_app", settings))


@dataclass
class RunningProxy:
    """A proxy serving on ``url``; ``recorder`` holds what it saw."""

    url: str
    app: ProxyApp
    server: RunningServer

    @property
    def recorder(self) -> Recorder:
        return self.app.recorder

    @property
    def upstream(self) -> str:
        return self.app.upstream

    def violations(self, since: int = 0) -> list[Violation]:
        """The violations so far (of those kept in memory), once every exchange begun is processed."""
        self.recorder.wait_idle(30)
        return self.recorder.violations_since(since)

    def stats(self) -> Stats:
        self.recorder.wait_idle(30)
        return self.recorder.snapshot()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving (in-flight exchanges finish first), then close the report and HAR files."""
        self.server.stop(timeout)
        self.recorder.close()


def start_proxy(upstream: str | None = None, *, host: str = "127.0.0.1", port: int = 0, **settings: Any) -> RunningProxy:
    """Start a proxy to ``upstream`` on ``host:port`` (0: a free port) and return once it serves."""
    app = create_proxy_app(upstream, **settings)
    try:
        running = serve_app(app, host=host, port=port, name="bulkpdf-proxy", server_header=False,
                            date_header=False)
    except BaseException:
        app.recorder.close()
        raise
    return RunningProxy(running.url, app, running)


@contextlib.contextmanager
def run_proxy(upstream: str | None = None, *, host: str = "127.0.0.1", port: int = 0,
              **settings: Any) -> Iterator[RunningProxy]:
    """``with run_proxy(server.url, report="v.jsonl") as proxy: httpx.post(proxy.url + ...)``."""
    running = start_proxy(upstream, host=host, port=port, **settings)
    try:
        yield running
    finally:
        running.stop()
