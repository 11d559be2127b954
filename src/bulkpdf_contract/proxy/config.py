"""What a validating proxy is told: :class:`ProxySettings`, the one list of its settings and
their defaults (``bulkpdf proxy``, ``start_proxy(...)`` and the plugin's fixture all end here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..options import from_keywords
from ..spec import Contract


@dataclass(frozen=True)
class ProxySettings:
    upstream: str
    """Base URL every request is forwarded to (``http://`` or ``https://``, maybe with a path)."""
    enforce: bool = False
    """Answer a request the contract rejects with Zuora's error body instead of forwarding it."""
    report: str | Path | None = None
    """JSON-lines file of the violations, one per line."""
    har: str | Path | None = None
    """HAR 1.2 file of every exchange, bearer tokens masked, kept readable after each entry."""
    contract: Contract | None = None
    """The spec the traffic is held to (default: the packaged one)."""
    timeout: float = 300.0
    """Seconds to wait for the upstream to send (a 50,000-ID POST takes a while); then 504."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection to the upstream; then 502."""
    verify: Any = True
    """For a TLS upstream, as httpx reads ``verify``: True (certifi's CA bundle, or ``SSL_CERT_FILE``),
    False, or an ``ssl.SSLContext`` (e.g. one trusting a private CA)."""

    @classmethod
    def from_keywords(cls, caller: str, keywords: dict[str, Any]) -> ProxySettings:
        """The settings from ``**keywords``; a TypeError naming ``caller`` for an unknown one."""
        return from_keywords(cls, caller, keywords)
