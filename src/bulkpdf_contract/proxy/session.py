"""The pytest plugin's ``bulkpdf_proxy``: a validating proxy in front of the server under test,
seen from one test. Plain Python (no pytest), like :class:`~bulkpdf_contract.client.BulkPdfServer`.

The proxy itself runs for the whole session, so the conversation rules (a job created in one
test, polled in another) hold across tests; :class:`BulkPdfProxy` only marks where this test
began, so :meth:`BulkPdfProxy.violations` are the ones this test's traffic caused.
"""

from __future__ import annotations

from typing import Any

from ..client import BulkPdfClient
from ..validators.exchanges import Violation
from .server import RunningProxy

IDLE_TIMEOUT = 30.0
"""Seconds to wait for exchanges still in flight before judging a test (a safety net only)."""


class BulkPdfProxy:
    """``url`` of the proxy, ``client()`` for it, and the violations since the test began."""

    def __init__(self, proxy: RunningProxy, token: str, job_timeout: float = 60.0):
        self.proxy = proxy
        self.token = token
        self.job_timeout = job_timeout
        self._mark = proxy.recorder.mark()
        self._clients: list[BulkPdfClient] = []

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def upstream(self) -> str:
        return self.proxy.upstream

    def client(self, **kwargs: Any) -> BulkPdfClient:
        """A :class:`BulkPdfClient` that talks through the proxy (closed at the end of the test)."""
        kwargs.setdefault("job_timeout", self.job_timeout)
        client = BulkPdfClient(self.url, self.token, **kwargs)
        self._clients.append(client)
        return client

    def violations(self) -> list[Violation]:
        """This test's violations so far, once every exchange begun is checked."""
        self.proxy.recorder.wait_idle(IDLE_TIMEOUT)
        return self.proxy.recorder.violations_since(self._mark)

    def take_violations(self) -> list[Violation]:
        """This test's violations so far, which then no longer fail it (for a test that sends
        invalid requests on purpose and asserts on what the proxy saw)."""
        found = self.violations()
        self._mark = self.proxy.recorder.mark()
        return found

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


def describe(violations: list[Violation]) -> str:
    """The failure text of a test whose traffic broke the contract."""
    lines = [f"the bulkpdf proxy saw {len(violations)} contract violation(s) in this test's traffic:"]
    for v in violations:
        status = "no answer" if v.status is None else v.status
        lines.append(f"  exchange {v.exchange} {v.method} {v.path} -> {status}: {v.direction} "
                     f"{v.rule} at {v.pointer or '/'}: {v.message}")
    return "\n".join(lines)
