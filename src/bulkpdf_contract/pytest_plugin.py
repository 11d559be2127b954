"""pytest plugin for teams that call the bulk-PDF endpoint (loaded through the ``pytest11`` entry point).

Options, hooks and fixtures only: what they hand out lives in plain modules that need no pytest
(:class:`~bulkpdf_contract.client.BulkPdfServer` and the client in :mod:`bulkpdf_contract.client`,
:class:`~bulkpdf_contract.validators.BulkPdfValidator` and the ``assert_valid_*`` helpers in
:mod:`bulkpdf_contract.validators`). It loads in every pytest run of anyone who installs the
package, so importing it costs nothing beyond pytest itself: those modules (httpx, PyYAML,
Hypothesis, the mock server) are imported by the fixtures and hooks that need them, and the
re-exported names on first use.

Options (command line, else environment, else ini): ``--bulkpdf-url`` / ``BULKPDF_URL`` /
``bulkpdf_url``, and likewise ``token``, ``client-id`` and ``client-secret`` (OAuth client
credentials, a pair), ``documents`` (a documents file), ``max-examples``, ``hypothesis-profile``
and ``job-timeout`` (``--bulkpdf-job-timeout``, ``BULKPDF_JOB_TIMEOUT``, ``bulkpdf_job_timeout``).

Fixtures: ``bulkpdf_spec``, ``bulkpdf_server``, ``bulkpdf_client``, ``bulkpdf_validator``,
``bulkpdf_documents``, the mock's harness ``bulkpdf_faults``, ``bulkpdf_journal`` and
``bulkpdf_clock`` (:mod:`bulkpdf_contract.harness`), ``bulkpdf_proxy`` (a validating proxy in
front of the server; a test whose traffic through it breaks the contract fails, with the
violations listed) and ``bulkpdf_mock_options`` / ``bulkpdf_proxy_options`` (override them to
configure the embedded mock and the proxy).
Helpers: :func:`assert_valid_request`, :func:`assert_valid_response`. Strategies are re-exported:
``from bulkpdf_contract.pytest_plugin import valid_requests``.

Under pytest-xdist every worker starts its own embedded mock on its own port and data directory
(session fixtures are per worker), so workers never see each other's jobs or seeded documents.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from .options import DEFAULT_TOKEN, client_credentials, existing_file, http_url, positive_int, positive_seconds

if TYPE_CHECKING:
    from .client import BulkPdfClient, BulkPdfServer
    from .harness import Faults, Journal, MockClock
    from .spec import Contract
    from .validators.assertions import BulkPdfValidator

MARKER = "bulkpdf"
SERVER_FIXTURES = frozenset({"bulkpdf_server", "bulkpdf_client", "bulkpdf_documents", "bulkpdf_faults",
                             "bulkpdf_journal", "bulkpdf_clock", "bulkpdf_proxy"})
STRATEGIES = (
    "valid_bodies", "valid_headers", "valid_requests", "edge_cases", "labelled_edge_cases",
    "Labelled", "Request",
)
REEXPORTS = {
    "BulkPdfServer": "bulkpdf_contract.client",
    **dict.fromkeys(
        ("BulkPdfValidator", "assert_valid_request", "assert_valid_response", "format_findings"),
        "bulkpdf_contract.validators.assertions",
    ),
    **dict.fromkeys(STRATEGIES, "bulkpdf_contract.strategies"),
}
"""Name -> the module it comes from; imported on first use, not when the plugin loads."""

__all__ = list(REEXPORTS)


def __getattr__(name: str) -> Any:
    """Re-export the helpers and strategies without importing httpx, PyYAML or Hypothesis when
    the plugin loads.

    No ``__dir__`` listing them: pluggy and pytest's fixture parser ``getattr`` every name
    ``dir()`` shows when they register the plugin, which would import them all.
    """
    if name in REEXPORTS:
        return getattr(importlib.import_module(REEXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- options -----------------------------------------------------------------------------------
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkpdf", "bulk-PDF endpoint contract")
    for option in OPTIONS:
        group.addoption(
            option.flag, dest=option.ini, default=None, metavar=option.metavar,
            help=f"{option.help} (env {option.env}, ini {option.ini})",
        )
        parser.addini(option.ini, f"{option.help} (see {option.flag})", default=None)


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


# -- hooks -------------------------------------------------------------------------------------
@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve the options, register the marker, apply the Hypothesis options.

    ``trylast`` so the Hypothesis options are applied after Hypothesis' own plugin has loaded
    ``--hypothesis-profile``: the bulkpdf options win; an explicit ``@settings`` still wins over both.
    """
    config.stash[SETTINGS] = resolve_settings(config)
    config.addinivalue_line(
        "markers",
        f"{MARKER}(mock_only=False): the test talks to the bulk-PDF endpoint (added automatically "
        "to tests using bulkpdf_server, bulkpdf_client or bulkpdf_documents); with "
        "mock_only=True it is skipped unless the server is the embedded or a `bulkpdf serve` mock.",
    )
    _apply_hypothesis(config)


def _apply_hypothesis(config: pytest.Config) -> None:
    """Load the chosen profile and/or max_examples as Hypothesis' default for the whole run."""
    settings = config.stash[SETTINGS]
    if settings.hypothesis_profile is None and settings.max_examples is None:
        return
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import InvalidArgument

    from . import strategies  # noqa: F401  (registers the project's profiles)

    config.stash[PREVIOUS_PROFILE] = hypothesis_settings.get_current_profile_name()
    name = settings.hypothesis_profile or hypothesis_settings.get_current_profile_name()
    try:
        base = hypothesis_settings.get_profile(name)
    except InvalidArgument:
        known = ", ".join(sorted(getattr(hypothesis_settings, "_profiles", {})))
        raise pytest.UsageError(
            f"--bulkpdf-hypothesis-profile: no Hypothesis profile {name!r} is registered "
            f"(registered: {known})"
        ) from None
    if settings.max_examples is not None:
        hypothesis_settings.register_profile(
            "bulkpdf", parent=base, max_examples=settings.max_examples
        )
        name = "bulkpdf"
    hypothesis_settings.load_profile(name)


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(PREVIOUS_PROFILE, None)
    if previous is not None:
        from hypothesis import settings as hypothesis_settings

        hypothesis_settings.load_profile(previous)


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash.get(SETTINGS, None)
    if settings is None or settings == Settings():
        return []
    where = f"live {settings.url}" if settings.live else "embedded mock"
    extra = [
        f"{name}={value}"
        for name, value in (
            ("hypothesis_profile", settings.hypothesis_profile),
            ("max_examples", settings.max_examples),
            ("oauth_client", settings.client_id),
            ("documents", settings.documents),
        )
        if value is not None
    ]
    return [f"bulkpdf: {where}" + (", " + ", ".join(extra) if extra else "")]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches the server, before ``-m`` selects (hence ``tryfirst``)."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())) and (
            item.get_closest_marker(MARKER) is None
        ):
            item.add_marker(MARKER)


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return
    if marker.args or set(marker.kwargs) - {"mock_only"}:
        given = [repr(a) for a in marker.args] + [f"{k}={v!r}" for k, v in marker.kwargs.items()]
        pytest.fail(
            f"@pytest.mark.{MARKER} takes only mock_only=True/False, got "
            f"@pytest.mark.{MARKER}({', '.join(given)})",
            pytrace=False,
        )
    settings = item.config.stash[SETTINGS]
    if marker.kwargs.get("mock_only") and settings.live and not _probe_seeding(item.config):
        pytest.skip(f"mock_only: {settings.url} is not a bulkpdf mock server")


def _probe_seeding(config: pytest.Config) -> bool:
    """Whether the live server is a bulkpdf mock; asked once per run, only by mock_only tests."""
    if SEEDING not in config.stash:
        server = _live_server(config.stash[SETTINGS])
        try:
            config.stash[SEEDING] = server.supports_seeding()
        finally:
            server.close()
    return config.stash[SEEDING]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """Fail a test whose traffic through ``bulkpdf_proxy`` broke the contract, listing why."""
    report = yield
    proxy = item.stash.get(PROXY, None)
    if call.when != "call" or proxy is None:
        return report
    violations = proxy.violations()
    if violations:
        from .proxy.session import describe

        text = describe(violations)
        if report.passed:
            report.outcome = "failed"
            report.longrepr = text
        else:
            report.sections.append(("bulkpdf proxy violations", text))
    return report


def _live_server(settings: Settings) -> BulkPdfServer:
    """The handle on the ``--bulkpdf-url`` server, with its token or OAuth client."""
    from .client import BulkPdfServer

    return BulkPdfServer(settings.url or "", settings.token or "", embedded=False, job_timeout=settings.job_timeout,
                         tokens=_oauth(settings, settings.url or ""), existing_documents=_documents(settings))


def _oauth(settings: Settings, url: str) -> Any:
    """A token source for the OAuth client of the settings (None without one)."""
    if settings.client_id is None:
        return None
    from .live import TokenSource, token_url_for

    return TokenSource(client_id=settings.client_id, client_secret=settings.client_secret,
                       token_url=token_url_for(url))


def _documents(settings: Settings) -> list[dict[str, Any]]:
    if settings.documents is None:
        return []
    from .mock.world import load_documents

    try:
        documents, _ = load_documents(settings.documents)
    except ValueError as exc:
        pytest.fail(f"--bulkpdf-documents: {exc}", pytrace=False)
    return [d.to_dict() for d in documents if d.exists]


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def bulkpdf_mock_options() -> dict[str, Any]:
    """Extra ``create_app`` keyword arguments for the embedded mock; override it in a conftest."""
    return {}


@pytest.fixture(scope="session")
def bulkpdf_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    bulkpdf_mock_options: dict[str, Any],
) -> Iterator[BulkPdfServer]:
    """The embedded mock over real HTTP on a free 127.0.0.1 port, or the ``--bulkpdf-url`` server."""
    from .client import BulkPdfServer

    settings = request.config.stash[SETTINGS]
    if settings.live:
        if not settings.token and settings.client_id is None:
            pytest.fail(
                "--bulkpdf-url needs a token: pass --bulkpdf-token or set BULKPDF_TOKEN (or OAuth client "
                "credentials: --bulkpdf-client-id and --bulkpdf-client-secret)",
                pytrace=False,
            )
        server = _live_server(settings)
        yield server
        server.close()
        return
    reserved = sorted({"app", "data_dir", "token", "host", "port"} & set(bulkpdf_mock_options))
    for name, given in (("clients", settings.client_id), ("documents", settings.documents)):
        if given is not None and name in bulkpdf_mock_options:
            reserved.append(name)
    if reserved:
        pytest.fail(
            f"bulkpdf_mock_options may not set {', '.join(reserved)}: the plugin chooses them "
            "(use --bulkpdf-token for the token, --bulkpdf-client-id and --bulkpdf-documents for "
            "the others)", pytrace=False,
        )
    from .mock import run_server

    data_dir = tmp_path_factory.mktemp("bulkpdf-mock")
    token = settings.token or DEFAULT_TOKEN
    options = dict(bulkpdf_mock_options)
    if settings.client_id is not None:
        options["clients"] = {settings.client_id: settings.client_secret}
    if settings.documents is not None:
        options["documents"] = settings.documents
    with run_server(data_dir=data_dir, token=token, **options) as running:
        server = BulkPdfServer(
            running.url.rstrip("/"), token, embedded=True, data_dir=data_dir,
            app=running.app, job_timeout=settings.job_timeout, _seeding=True,
            tokens=_oauth(settings, running.url), existing_documents=_documents(settings),
        )
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
def bulkpdf_documents(bulkpdf_server: BulkPdfServer) -> Iterator[Callable[..., list[dict]]]:
    """``bulkpdf_documents(doc, ...)`` seeds documents until the end of the test."""
    with contextlib.ExitStack() as stack:
        yield lambda *docs: stack.enter_context(bulkpdf_server.documents(*docs))


@pytest.fixture
def bulkpdf_faults(bulkpdf_server: BulkPdfServer) -> Iterator[Faults]:
    """``bulkpdf_faults.add(rule, ...)`` puts fault rules in force until the end of the test."""
    from .harness import Faults

    faults = Faults(bulkpdf_server)
    try:
        yield faults
    finally:
        faults.clear()


@pytest.fixture
def bulkpdf_journal(bulkpdf_server: BulkPdfServer) -> Journal:
    """The requests the mock received during this test: ``entries()``, ``posts()``,
    ``polls(job_id)``, ``downloads()``, ``jobs_created()``."""
    from .harness import Journal

    return Journal(bulkpdf_server)


@pytest.fixture
def bulkpdf_clock(bulkpdf_server: BulkPdfServer) -> MockClock:
    """The mock's clock: ``bulkpdf_clock.advance(86400)`` expires every download URL."""
    from .harness import MockClock

    return MockClock(bulkpdf_server)


@pytest.fixture(scope="session")
def bulkpdf_client(bulkpdf_server: BulkPdfServer) -> Iterator[BulkPdfClient]:
    """An httpx client for the server with auth set, plus ``submit``/``wait``/``open_zips``/``export``.

    Session-scoped, so ``@given`` tests can use it without Hypothesis' function-scoped-fixture
    health check; don't change its headers in a test, make your own with
    ``bulkpdf_server.client()``.
    """
    with bulkpdf_server.client() as client:
        yield client


@pytest.fixture(scope="session")
def bulkpdf_spec() -> Contract:
    """The loaded contract (``.spec`` is the OpenAPI dict; schemas and limits as methods)."""
    from .spec import load_contract

    return load_contract()


@pytest.fixture(scope="session")
def bulkpdf_validator(bulkpdf_spec: Contract) -> BulkPdfValidator:
    """Validates requests and responses (dicts, ``httpx`` or ``requests`` objects) into findings."""
    from .validators.assertions import BulkPdfValidator

    return BulkPdfValidator(bulkpdf_spec)


@pytest.fixture(scope="session")
def bulkpdf_proxy_options() -> dict[str, Any]:
    """Extra ``start_proxy`` keyword arguments (``enforce``, ``har``, ``report``, ...); override it in a conftest."""
    return {}


@pytest.fixture(scope="session")
def _bulkpdf_running_proxy(bulkpdf_server: BulkPdfServer, bulkpdf_proxy_options: dict[str, Any]) -> Iterator[Any]:
    """One proxy for the session, so a job created in one test and polled in another is judged whole."""
    from .proxy import start_proxy

    if "upstream" in bulkpdf_proxy_options:
        pytest.fail("bulkpdf_proxy_options may not set upstream: the proxy fronts bulkpdf_server",
                    pytrace=False)
    proxy = start_proxy(bulkpdf_server.url, **bulkpdf_proxy_options)
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def bulkpdf_proxy(request: pytest.FixtureRequest, _bulkpdf_running_proxy: Any,
                  bulkpdf_server: BulkPdfServer) -> Iterator[Any]:
    """The validating proxy in front of ``bulkpdf_server``: ``.url``, ``.client()``,
    ``.violations()``; the test fails if its traffic through the proxy breaks the contract."""
    from .proxy.session import BulkPdfProxy

    handle = BulkPdfProxy(_bulkpdf_running_proxy, bulkpdf_server.token, bulkpdf_server.job_timeout)
    request.node.stash[PROXY] = handle
    try:
        yield handle
    finally:
        handle.close()
