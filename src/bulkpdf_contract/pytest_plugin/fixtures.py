"""The plugin's fixtures: the server (embedded mock or live), its client, seeding, the mock's
harness, the validator and the validating proxy. Each hands out an object of a plain module."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from ..options import DEFAULT_TOKEN
from .settings import PROXY, SETTINGS, existing_documents, live_server, oauth_tokens

if TYPE_CHECKING:
    from ..client import BulkPdfClient, BulkPdfServer
    from ..harness import Faults, Journal, MockClock
    from ..spec import Contract
    from ..validators.assertions import BulkPdfValidator


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
    from ..client import BulkPdfServer

    settings = request.config.stash[SETTINGS]
    if settings.live:
        if not settings.token and settings.client_id is None:
            pytest.fail(
                "--bulkpdf-url needs a token: pass --bulkpdf-token or set BULKPDF_TOKEN (or OAuth client "
                "credentials: --bulkpdf-client-id and --bulkpdf-client-secret)",
                pytrace=False,
            )
        server = live_server(settings)
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
    from ..mock import run_server

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
            tokens=oauth_tokens(settings, running.url), existing_documents=existing_documents(settings),
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
    from ..harness import Faults

    faults = Faults(bulkpdf_server)
    try:
        yield faults
    finally:
        faults.clear()


@pytest.fixture
def bulkpdf_journal(bulkpdf_server: BulkPdfServer) -> Journal:
    """The requests the mock received during this test: ``entries()``, ``posts()``,
    ``polls(job_id)``, ``downloads()``, ``jobs_created()``."""
    from ..harness import Journal

    return Journal(bulkpdf_server)


@pytest.fixture
def bulkpdf_clock(bulkpdf_server: BulkPdfServer) -> MockClock:
    """The mock's clock: ``bulkpdf_clock.advance(86400)`` expires every download URL."""
    from ..harness import MockClock

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
    from ..spec import load_contract

    return load_contract()


@pytest.fixture(scope="session")
def bulkpdf_validator(bulkpdf_spec: Contract) -> BulkPdfValidator:
    """Validates requests and responses (dicts, ``httpx`` or ``requests`` objects) into findings."""
    from ..validators.assertions import BulkPdfValidator

    return BulkPdfValidator(bulkpdf_spec)


@pytest.fixture(scope="session")
def bulkpdf_proxy_options() -> dict[str, Any]:
    """Extra ``start_proxy`` keyword arguments (``enforce``, ``har``, ``report``, ...); override it in a conftest."""
    return {}


@pytest.fixture(scope="session")
def _bulkpdf_running_proxy(bulkpdf_server: BulkPdfServer, bulkpdf_proxy_options: dict[str, Any]) -> Iterator[Any]:
    """One proxy for the session, so a job created in one test and polled in another is judged whole."""
    from ..proxy import start_proxy

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
    from ..proxy.session import BulkPdfProxy

    handle = BulkPdfProxy(_bulkpdf_running_proxy, bulkpdf_server.token, bulkpdf_server.job_timeout)
    request.node.stash[PROXY] = handle
    try:
        yield handle
    finally:
        handle.close()
