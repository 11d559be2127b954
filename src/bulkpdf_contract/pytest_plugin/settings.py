"""The plugin's options: the table every option is declared in once (command line, environment,
ini), their resolution into :class:`Settings`, and the handle on a ``--bulkpdf-url`` server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import pytest

from ..options import DEFAULT_TOKEN, client_credentials, existing_file, http_url, positive_int, positive_seconds

if TYPE_CHECKING:
    from ..client import BulkPdfServer


@dataclass(frozen=True)
class _Option:
    name: str
    metavar: str
    help: str
    parse: Callable[[str], Any] = str

    @property
    def flag(self) -> str:
        return "--bulkpdf-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "bulkpdf_" + self.name

    @property
    def env(self) -> str:
        return "BULKPDF_" + self.name.upper()


OPTIONS = (
    _Option("url", "URL", "base URL of a live server to test against instead of the embedded mock", http_url),
    _Option("token", "TOKEN", f"bearer token (default for the embedded mock: {DEFAULT_TOKEN})"),
    _Option("client_id", "ID", "OAuth client ID: the clients get their tokens from {url}/oauth/token "
            "(the embedded mock gets this client)"),
    _Option("client_secret", "SECRET", "OAuth client secret (with --bulkpdf-client-id)"),
    _Option("documents", "FILE", "documents file (the mock's format) of documents the server holds: "
            "bulkpdf_server.existing_documents; the embedded mock's world", existing_file),
    _Option("max_examples", "N", "max_examples of every Hypothesis test without its own "
            "@settings(max_examples=...)", positive_int),
    _Option("hypothesis_profile", "NAME", "Hypothesis settings profile to load (the project's: ci, dev)"),
    _Option("job_timeout", "SECONDS", "seconds bulkpdf_client waits for a job (default 60)", positive_seconds),
)


@dataclass(frozen=True)
class Settings:
    """The plugin's resolved options, in ``config.stash``."""

    url: str | None = None
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    documents: str | None = None
    max_examples: int | None = None
    hypothesis_profile: str | None = None
    job_timeout: float = 60.0

    @property
    def live(self) -> bool:
        return self.url is not None


SETTINGS = pytest.StashKey[Settings]()
PREVIOUS_PROFILE = pytest.StashKey[str]()
SEEDING = pytest.StashKey[bool]()
PROXY = pytest.StashKey[Any]()  # the test's BulkPdfProxy


def resolve_settings(config: pytest.Config) -> Settings:
    """Each option from the command line, else the environment, else the ini file; checked."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        for source, raw in (
            (option.flag, config.getoption(option.ini)),
            (f"environment variable {option.env}", os.environ.get(option.env)),
            (f"ini option {option.ini}", config.getini(option.ini)),
        ):
            if raw is None or not str(raw).strip():
                continue
            try:
                values[option.name] = option.parse(str(raw).strip())
            except ValueError as exc:
                raise pytest.UsageError(f"{source}: {exc}") from None
            break
    try:
        client_credentials(values.get("client_id"), values.get("client_secret"))
    except ValueError as exc:
        raise pytest.UsageError(f"--bulkpdf-client-id/--bulkpdf-client-secret: {exc}") from None
    return Settings(**values)


def live_server(settings: Settings) -> BulkPdfServer:
    """The handle on the ``--bulkpdf-url`` server, with its token or OAuth client."""
    from ..client import BulkPdfServer

    return BulkPdfServer(settings.url or "", settings.token or "", embedded=False, job_timeout=settings.job_timeout,
                         tokens=oauth_tokens(settings, settings.url or ""), existing_documents=existing_documents(settings))


def oauth_tokens(settings: Settings, url: str) -> Any:
    """A token source for the OAuth client of the settings (None without one)."""
    if settings.client_id is None:
        return None
    from ..live import TokenSource, token_url_for

    return TokenSource(client_id=settings.client_id, client_secret=settings.client_secret,
                       token_url=token_url_for(url))


def existing_documents(settings: Settings) -> list[dict[str, Any]]:
    if settings.documents is None:
        return []
    from ..mock.world import load_documents

    try:
        documents, _ = load_documents(settings.documents)
    except ValueError as exc:
        pytest.fail(f"--bulkpdf-documents: {exc}", pytrace=False)
    return [d.to_dict() for d in documents if d.exists]
