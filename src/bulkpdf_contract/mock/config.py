"""What a mock server is told: the settings a user may give and the configuration they resolve to.

:class:`MockSettings` is the one list of ``create_app``'s keyword settings and their defaults
(``create_app(**settings)``, ``run_server(**settings)`` and the pytest plugin's
``bulkpdf_mock_options`` all end here). :func:`resolve` fills in what the user left to the
contract, a following clock, the data directory, the tokens and the OAuth clients, giving the :class:`MockConfig`
the server runs with; nothing else in the mock has defaults of its own.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..options import from_keywords
from ..spec import Contract, load_contract
from .clock import Clock
from .fault_rules import load_faults
from .oauth import check_clients, parse_clients


@dataclass(frozen=True)
class MockSettings:
    """``create_app``'s keywords. None means "the contract's value" where the contract has one."""

    contract: Contract | None = None
    """The spec the mock enforces (default: the packaged one); a modified one changes what it accepts."""
    documents_per_zip: int | None = None
    file_url_ttl: float | None = None
    """Seconds a download URL stays valid after its job finished."""
    job_delay: float = 0.0
    """Seconds (of the clock) a job pauses before each step, to make the statuses observable."""
    request_delay: float = 0.0
    """Seconds (of the clock) a POST with an Idempotency-Key is held while the key is in flight."""
    idempotency_ttl: float | None = None
    open_world: bool | None = None
    """None: open unless documents were given (or as the documents file says)."""
    workers: int = 2
    """Job threads; 0 accepts jobs but never runs them (they stay *Submitted*)."""
    job_process: bool = True
    """Run jobs in a lower-priority child process; False runs them in threads of this process."""
    max_body_bytes: int | None = None
    rate_limit: int | None = None
    """Requests per minute per tenant (token or OAuth client), and token requests per minute per
    client address, enforced with 429 only when given."""
    concurrency_limit: int | None = None
    """Requests in flight per tenant, enforced with 429 only when given."""
    clients: Mapping[str, str] | Collection[str] = ()
    """OAuth clients ``POST /oauth/token`` issues tokens to: ``{client_id: secret}`` or
    ``"ID:SECRET"`` strings; each client is a tenant of its own."""
    token_ttl: float | None = None
    """Seconds (of the clock) an issued token is valid (default: the contract's hour)."""
    disabled_rules: Collection[str] = ()
    """Validator rule ids the mock skips (to build deliberately lenient servers)."""
    max_job_attempts: int = 3
    """Runs of a job interrupted by a stop or crash before it is failed with a reason."""
    clock: Clock | None = None
    """The mock's time; default: a clock that follows the system clock."""
    faults: Any = None
    """Fault rules in force from the start: a list of rules, ``{faults: [...]}`` or a YAML/JSON
    file (see :mod:`.faults`); more come and go over ``/_mock/faults``."""
    journal_size: int = 5000
    """Requests the journal keeps (the oldest go first); 0 keeps none."""
    gzip_min_bytes: int | None = None
    """JSON answers over this many bytes are gzipped when the client accepts gzip (default: the
    contract's 1,000; 0 gzips every answer, which HTTP allows)."""

    @classmethod
    def from_keywords(cls, caller: str, keywords: dict[str, Any]) -> MockSettings:
        """The settings from ``**keywords``; a TypeError naming ``caller`` for an unknown one."""
        return from_keywords(cls, caller, keywords)


@dataclass(frozen=True)
class MockConfig:
    """Everything resolved: ``settings`` has no None left that the contract or a default answers."""

    settings: MockSettings
    data_dir: Path
    temporary: bool  # a directory of our own, deleted at shutdown
    tokens: frozenset[str] | None  # None: any non-empty bearer token is accepted

    @property
    def contract(self) -> Contract:
        return self.settings.contract

    @property
    def clock(self) -> Clock:
        return self.settings.clock


def resolve(
    settings: MockSettings,
    *,
    data_dir: str | Path | None,
    token: str | Collection[str] | None,
    default_open_world: bool,
) -> MockConfig:
    contract = settings.contract or load_contract()
    clients = parse_clients(settings.clients)
    check_clients(clients, contract)
    token_ttl = contract.token_lifetime_seconds if settings.token_ttl is None else settings.token_ttl
    if not 0 < token_ttl < float("inf"):
        raise ValueError(f"token_ttl must be a positive number of seconds, got {settings.token_ttl!r}")
    if isinstance(token, str):
        tokens: frozenset[str] | None = frozenset([token])
    else:
        tokens = None if token is None else frozenset(token)
    resolved = dataclasses.replace(
        settings,
        contract=contract,
        documents_per_zip=settings.documents_per_zip or contract.documents_per_zip,
        file_url_ttl=contract.file_url_lifetime_seconds if settings.file_url_ttl is None else settings.file_url_ttl,
        idempotency_ttl=(contract.idempotency_retention_seconds if settings.idempotency_ttl is None
                         else settings.idempotency_ttl),
        open_world=default_open_world if settings.open_world is None else settings.open_world,
        max_body_bytes=settings.max_body_bytes or contract.max_inflated_bytes,
        disabled_rules=frozenset(settings.disabled_rules),
        clock=settings.clock or Clock(),
        faults=tuple(load_faults(settings.faults)) if settings.faults is not None else (),
        gzip_min_bytes=contract.gzip_min_bytes if settings.gzip_min_bytes is None else settings.gzip_min_bytes,
        clients=clients,
        token_ttl=token_ttl,
    )
    if isinstance(resolved.journal_size, bool) or not isinstance(resolved.journal_size, int) \
            or resolved.journal_size < 0:
        raise ValueError(f"journal_size must be a whole number of requests (0 keeps none), "
                         f"got {resolved.journal_size!r}")
    temporary = data_dir is None
    return MockConfig(
        settings=resolved,
        data_dir=make_temporary_dir() if temporary else Path(data_dir).expanduser().resolve(),
        temporary=temporary,
        tokens=tokens,
    )


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/bulkpdf-contract/mock`` (``~/.local/share/...``): the default of ``bulkpdf serve``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "bulkpdf-contract" / "mock"


def make_temporary_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="bulkpdf-mock-"))
