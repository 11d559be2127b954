"""pytest plugin for teams that call the bulk-PDF endpoint (loaded through the ``pytest11`` entry point).

Options (:mod:`.settings`), hooks (here) and fixtures (:mod:`.fixtures`) only: what they hand out lives in plain modules that need no pytest
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

import importlib
from typing import Any, Iterator

import pytest

from .fixtures import (  # noqa: F401  (pytest reads the fixtures from the plugin module)
    bulkpdf_mock_options,
    bulkpdf_server,
    bulkpdf_documents,
    bulkpdf_faults,
    bulkpdf_journal,
    bulkpdf_clock,
    bulkpdf_client,
    bulkpdf_spec,
    bulkpdf_validator,
    bulkpdf_proxy_options,
    _bulkpdf_running_proxy,
    bulkpdf_proxy,
)
from .settings import (  # noqa: F401  (Settings and resolve_settings: the plugin's API)
    OPTIONS, PREVIOUS_PROFILE, PROXY, SEEDING, SETTINGS, Settings, live_server, resolve_settings,
)

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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkpdf", "bulk-PDF endpoint contract")
    for option in OPTIONS:
        group.addoption(
            option.flag, dest=option.ini, default=None, metavar=option.metavar,
            help=f"{option.help} (env {option.env}, ini {option.ini})",
        )
        parser.addini(option.ini, f"{option.help} (see {option.flag})", default=None)


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

    from .. import strategies  # noqa: F401  (registers the project's profiles)

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
        server = live_server(config.stash[SETTINGS])
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
        from ..proxy.session import describe

        text = describe(violations)
        if report.passed:
            report.outcome = "failed"
            report.longrepr = text
        else:
            report.sections.append(("bulkpdf proxy violations", text))
    return report
