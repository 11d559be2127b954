"""pytest plugin for teams that call the bulk-PDF endpoint (loaded through the ``pytest11`` entry point).

It loads in every pytest run of anyone who installs the package, so importing it costs nothing
beyond pytest itself: validators, httpx, Hypothesis and the mock server are imported by the
fixtures and hooks that need them.

Options (command line, else environment, else ini): ``--bulkpdf-url`` / ``BULKPDF_URL`` /
``bulkpdf_url``, and likewise ``token``, ``max-examples``, ``hypothesis-profile`` and
``job-timeout`` (``--bulkpdf-job-timeout``, ``BULKPDF_JOB_TIMEOUT``, ``bulkpdf_job_timeout``).

Fixtures: ``bulkpdf_spec``, ``bulkpdf_server``, ``bulkpdf_client``, ``bulkpdf_validator``,
``bulkpdf_documents`` and ``bulkpdf_mock_options`` (override it to configure the embedded mock).
Helpers: :func:`assert_valid_request`, :func:`assert_valid_response`. Strategies are re-exported:
``from bulkpdf_contract.pytest_plugin import valid_requests``.

Under pytest-xdist every worker starts its own embedded mock on its own port and data directory
(session fixtures are per worker), so workers never see each other's jobs or seeded documents.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import pytest

from .options import DEFAULT_TOKEN, http_url, positive_int, positive_seconds

if TYPE_CHECKING:
    from .client import BulkPdfClient
    from .spec import Contract
    from .validators import Finding

MARKER = "bulkpdf"
SERVER_FIXTURES = frozenset({"bulkpdf_server", "bulkpdf_client", "bulkpdf_documents"})
STRATEGIES = (
    "valid_bodies", "valid_headers", "valid_requests", "edge_cases", "labelled_edge_cases",
    "Labelled", "Request",
)

__all__ = [
    "BulkPdfServer",
    "BulkPdfValidator",
    "assert_valid_request",
    "assert_valid_response",
    "format_findings",
    *STRATEGIES,
]


def __getattr__(name: str) -> Any:
    """Re-export the strategies without importing Hypothesis when the plugin loads."""
    if name in STRATEGIES:
        from . import strategies

        return getattr(strategies, name)
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
    max_examples: int | None = None
    hypothesis_profile: str | None = None
    job_timeout: float = 60.0

    @property
    def live(self) -> bool:
        return self.url is not None


SETTINGS = pytest.StashKey[Settings]()
PREVIOUS_PROFILE = pytest.StashKey[str]()
SEEDING = pytest.StashKey[bool]()


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
    return Settings(**values)


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


# -- the server ----------------------------------------------------------------------------------
@dataclass
class BulkPdfServer:
    """Where the tests send requests: the embedded mock (``embedded``) or a live base URL."""

    url: str
    token: str
    embedded: bool
    data_dir: Path | None = None
    app: Any = None
    job_timeout: float = 60.0
    _seeding: bool | None = field(default=None, repr=False)
    _control: Any = field(default=None, repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> BulkPdfClient:
        """A new :class:`~bulkpdf_contract.client.BulkPdfClient` for this server (close it yourself)."""
        from .client import BulkPdfClient

        kwargs.setdefault("job_timeout", self.job_timeout)
        return BulkPdfClient(self.url, self.token, **kwargs)

    def _control_client(self) -> Any:
        if self._control is None:
            self._control = self.client()
        return self._control

    def supports_seeding(self) -> bool:
        """Whether the server has the mock's test-control endpoints (``/_mock/...``)."""
        if self._seeding is None:
            self._seeding = _server_has_seeding(self._control_client())
        return self._seeding

    @contextlib.contextmanager
    def documents(self, *documents: Mapping[str, Any] | list) -> Iterator[list[dict[str, Any]]]:
        """Seed documents for the duration of a ``with`` block; removed (or restored) afterwards.

        Each document is ``{docType, id, pdfFileName, hasPdf, archived, accountNumber,
        documentNumber}`` (the mock fills in what is left out). Documents given as lists are
        flattened. A document that replaces an earlier seeded one with the same ``id`` is put
        back on exit, so nested blocks undo cleanly. Against a server without seeding (a real
        Zuora sandbox) the test is skipped.
        """
        docs = [dict(d) for d in _flatten(documents)]
        if not self.supports_seeding():
            pytest.skip(f"seeding documents needs a bulkpdf mock server; {self.url} has none")
        control = self._control_client()
        ids = {str(d.get("id")).lower() for d in docs}
        before = _checked(control.get("/_mock/documents"), "listing seeded documents").json()
        replaced = [d for d in _document_list(before) if str(d.get("id")).lower() in ids]
        _checked(control.post("/_mock/documents", json=docs), "seeding documents")
        try:
            yield docs
        finally:
            _checked(
                control.request("DELETE", "/_mock/documents", json=sorted(ids)),
                "removing seeded documents",
            )
            if replaced:
                _checked(control.post("/_mock/documents", json=replaced), "restoring documents")

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None


def _flatten(items: Any) -> Iterator[Mapping[str, Any]]:
    for item in items:
        if isinstance(item, Mapping):
            yield item
        elif isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            raise TypeError(f"a document is a mapping, got {type(item).__name__}: {item!r}")


def _document_list(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict):
        payload = payload.get("documents", [])
    return [d for d in payload or [] if isinstance(d, dict)]


def _checked(response: Any, what: str) -> Any:
    if response.status_code >= 300:
        from .client import describe

        raise RuntimeError(f"{what} failed: {describe(response)}")
    return response


def _server_has_seeding(client: Any) -> bool:
    """A probe: any failure (refused, timeout, not JSON) means the server has no seeding."""
    try:
        response = client.get("/_mock/capabilities")
        return response.status_code == 200 and bool(response.json().get("seeding"))
    except Exception:
        return False


def _probe_seeding(config: pytest.Config) -> bool:
    if SEEDING not in config.stash:
        settings = config.stash[SETTINGS]
        server = BulkPdfServer(settings.url or "", settings.token or "", embedded=False)
        try:
            config.stash[SEEDING] = server.supports_seeding()
        finally:
            server.close()
    return config.stash[SEEDING]


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
    settings = request.config.stash[SETTINGS]
    if settings.live:
        if not settings.token:
            pytest.fail(
                "--bulkpdf-url needs a token: pass --bulkpdf-token or set BULKPDF_TOKEN",
                pytrace=False,
            )
        server = BulkPdfServer(
            settings.url, settings.token, embedded=False, job_timeout=settings.job_timeout
        )
        yield server
        server.close()
        return
    reserved = sorted({"app", "data_dir", "token", "host", "port"} & set(bulkpdf_mock_options))
    if reserved:
        pytest.fail(
            f"bulkpdf_mock_options may not set {', '.join(reserved)}: the plugin chooses them "
            "(use --bulkpdf-token for the token)", pytrace=False,
        )
    from .mock import run_server

    data_dir = tmp_path_factory.mktemp("bulkpdf-mock")
    token = settings.token or DEFAULT_TOKEN
    with run_server(data_dir=data_dir, token=token, **bulkpdf_mock_options) as running:
        server = BulkPdfServer(
            running.url.rstrip("/"), token, embedded=True, data_dir=data_dir,
            app=running.app, job_timeout=settings.job_timeout, _seeding=True,
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
    return BulkPdfValidator(bulkpdf_spec)


# -- validation of request and response objects --------------------------------------------------
@dataclass(frozen=True)
class Exchange:
    """What the validators need from one request or response, whatever object it came from."""

    method: str | None = None
    headers: Any = None
    body: Any = None
    status: int | None = None
    request_headers: Any = None
    findings: tuple = ()


def _is_message(obj: Any) -> bool:
    return hasattr(obj, "headers") and (hasattr(obj, "method") or hasattr(obj, "status_code"))


def _decode_body(raw: Any, headers: Any, where: str) -> tuple[Any, tuple]:
    from .validators import Finding, header_items

    if raw is None or raw == b"" or raw == "":
        return None, ()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray)):
        return None, (Finding(f"{where}.not-json", "", f"the body is a stream ({type(raw).__name__}), "
                              "not JSON bytes; read it first"),)
    encodings = {str(v).strip().lower() for k, v in header_items(headers)
                 if str(k).lower() == "content-encoding"}
    if "gzip" in encodings and raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            return None, (Finding(f"{where}.not-json", "", f"the gzip body does not inflate: {exc}"),)
    try:
        return json.loads(raw), ()
    except ValueError as exc:
        return None, (Finding(f"{where}.not-json", "", f"the body is not JSON: {exc}"),)


def request_exchange(obj: Any) -> Exchange:
    """Method, headers and decoded JSON body of an ``httpx.Request``, a ``requests`` request or a
    generated :class:`~bulkpdf_contract.strategies.Request`."""
    if hasattr(obj, "prepare") and not hasattr(obj, "body"):
        obj = obj.prepare()  # requests.Request
    if callable(getattr(obj, "http_headers", None)):  # a generated Request: body already decoded
        body, findings = obj.body, ()
    elif hasattr(obj, "read") and hasattr(obj, "stream"):  # httpx.Request
        body, findings = _decode_body(obj.read(), obj.headers, "request")
    else:  # requests.PreparedRequest
        body, findings = _decode_body(getattr(obj, "body", None), obj.headers, "request")
    return Exchange(method=str(obj.method).upper(), headers=obj.headers, body=body, findings=findings)


def response_exchange(obj: Any) -> Exchange:
    """Status, headers, JSON body, method and request headers of an httpx/requests response."""
    try:
        request = obj.request
    except RuntimeError:  # httpx.Response built by hand has no request
        request = None
    return Exchange(
        method=str(request.method).upper() if request is not None else None,
        headers=obj.headers,
        body=obj.content,
        status=int(obj.status_code),
        request_headers=request.headers if request is not None else None,
    )


@dataclass(frozen=True)
class BulkPdfValidator:
    """Findings for requests and responses against one contract."""

    contract: Contract | None = None

    def request(
        self,
        request: Any,
        headers: Any = None,
        method: str | None = None,
        *,
        file_names: Mapping[str, str] | None = None,
    ) -> list[Finding]:
        """Findings of a request: a decoded JSON body (with ``headers``/``method``) or a request object.

        ``method`` defaults to the object's method, else POST.
        """
        from .validators import sort_findings, validate_request

        if _is_message(request):
            exchange = request_exchange(request)
            if headers is None:
                headers = exchange.headers
            method = method or exchange.method
            body, extra = exchange.body, list(exchange.findings)
        else:
            body, extra = request, []
        found = validate_request(
            body, headers, method or "POST", file_names=file_names, contract=self.contract
        )
        if extra:  # the body could not be read: only its header findings say anything
            found = [f for f in found if f.pointer.startswith("/headers/")]
        return sort_findings(extra + found)

    def response(
        self,
        response: Any,
        body: Any = None,
        headers: Any = None,
        *,
        method: str | None = None,
        request_headers: Any = None,
    ) -> list[Finding]:
        """Findings of a response: an ``httpx``/``requests`` response, or ``status, body, headers``.

        For response objects the method and the request headers (for the ``Zuora-Track-Id``
        echo) come from the request the response belongs to.
        """
        from .validators import validate_response

        if _is_message(response):
            exchange = response_exchange(response)
            status, body = exchange.status, exchange.body
            headers = exchange.headers if headers is None else headers
            method = method or exchange.method
            if request_headers is None:
                request_headers = exchange.request_headers
        else:
            status = int(response)
        return validate_response(
            status, body, headers, method=method or "POST",
            request_headers=request_headers, contract=self.contract,
        )

    def assert_request(self, request: Any, headers: Any = None, method: str | None = None,
                       **kwargs: Any) -> None:
        __tracebackhide__ = True
        _raise_findings("request", self.request(request, headers, method, **kwargs))

    def assert_response(self, response: Any, body: Any = None, headers: Any = None,
                        **kwargs: Any) -> None:
        __tracebackhide__ = True
        _raise_findings("response", self.response(response, body, headers, **kwargs))


def format_findings(what: str, findings: list[Finding]) -> str:
    """One line per finding, pointer and rule first, so every finding shows in pytest's output."""
    count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    lines = [f"the {what} breaks the bulk-PDF contract ({count}):"]
    for finding in findings:
        where = finding.pointer or "/"
        if finding.line is not None:
            where += f" (line {finding.line}, column {finding.column})"
        lines.append(f"  {where}  [{finding.rule}]  {finding.message}")
    return "\n".join(lines)


def _raise_findings(what: str, findings: list[Finding]) -> None:
    __tracebackhide__ = True
    if findings:
        raise AssertionError(format_findings(what, findings))


def assert_valid_request(request: Any, headers: Any = None, method: str | None = None,
                         **kwargs: Any) -> None:
    """Fail with every finding (pointer and rule) unless the request keeps the contract.

    Takes a decoded JSON body plus ``headers``/``method``, or an ``httpx``/``requests`` request.
    """
    __tracebackhide__ = True
    contract = kwargs.pop("contract", None)
    BulkPdfValidator(contract).assert_request(request, headers, method, **kwargs)


def assert_valid_response(response: Any, body: Any = None, headers: Any = None,
                          **kwargs: Any) -> None:
    """Fail with every finding unless the response keeps the contract.

    Takes an ``httpx``/``requests`` response, or ``status, body, headers`` with ``method=``.
    """
    __tracebackhide__ = True
    contract = kwargs.pop("contract", None)
    BulkPdfValidator(contract).assert_response(response, body, headers, **kwargs)
