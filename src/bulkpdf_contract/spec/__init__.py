"""The OpenAPI fragment and what the rest of the toolkit reads from it.

Everything downstream (validators, strategies, mock server, gate) takes its limits and schemas
from a :class:`Contract`, so a modified copy of the spec changes their behaviour without code
changes. ``load_contract()`` with no argument returns the shipped fragment, parsed once.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .loader import SHIPPED_SPEC, load_spec_file, spec_path
from .pointers import split_pointer

if TYPE_CHECKING:
    from .decisions import Decision

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
COLLECTION_PATH = "/v1/operations/bulk-pdf"
JOB_PATH = "/v1/operations/bulk-pdf/{jobId}"
TOKEN_PATH = "/oauth/token"

def canonical_header(name: str) -> str:
    """``zuora-track-id`` -> ``Zuora-Track-Id``; header names are case-insensitive.

    A name the shipped fragment declares keeps the fragment's spelling (``ratelimit-limit`` ->
    ``RateLimit-Limit``), so pointers read like the spec; other names are title-cased per word.
    """
    # Every request a server validates spells the same few names: short ones are cached (a
    # long one, which only hostile input sends, is not, so the cache stays small).
    return _cached_canonical_header(name) if len(name) <= 64 else _canonical_header(name)


def _canonical_header(name: str) -> str:
    spelled = _spec_header_spellings().get(name.lower())
    if spelled is not None:
        return spelled
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


_cached_canonical_header = functools.lru_cache(maxsize=1024)(_canonical_header)


@functools.lru_cache(maxsize=1)
def _spec_header_spellings() -> dict[str, str]:
    components = load_contract().spec.get("components", {})
    names = [p["name"] for p in components.get("parameters", {}).values() if p.get("in") == "header"]
    names += list(components.get("headers", {}))
    return {n.lower(): n for n in names}


@dataclass(eq=False)
class Contract:
    """A parsed spec plus derived, standalone JSON Schemas (hashable by identity, cacheable)."""

    spec: dict[str, Any] = field(repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # -- generic access ----------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        """Follow a local ``$ref`` (repeatedly) to the node it names."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.spec
            for part in split_pointer(node["$ref"][1:]):
                target = target[int(part) if isinstance(target, list) else part]
            node = target
        return node

    def inline(self, node: Any) -> Any:
        """A deep copy of ``node`` with every ``$ref`` replaced by its target (no recursion in this spec)."""
        node = self.resolve(node)
        if isinstance(node, dict):
            return {k: self.inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.inline(v) for v in node]
        return node

    def operation(self, method: str) -> dict[str, Any] | None:
        """The operation for ``POST`` (create) or ``GET`` (poll); None for methods the endpoint lacks."""
        method = method.lower()
        for path in (COLLECTION_PATH, JOB_PATH):
            op = self.spec["paths"].get(path, {}).get(method)
            if op is not None:
                return op
        return None

    # -- request side --------------------------------------------------------------------------
    def request_schema(self) -> dict[str, Any]:
        """The POST request body as a standalone JSON Schema 2020-12 document, ``$ref``-free."""
        if "request" not in self._cache:
            media = self.operation("POST")["requestBody"]["content"]["application/json"]
            schema = self.inline(media["schema"])
            self._cache["request"] = {"$schema": JSON_SCHEMA_DIALECT, **schema}
        return self._cache["request"]

    def property_schema(self, *names: str) -> dict[str, Any]:
        """The request schema of a (nested) property: ``property_schema("documents", "items")``."""
        node: Any = self.request_schema()
        for name in names:
            node = node["items"] if name == "items" else node["properties"][name]
        return node

    def header_parameters(self, method: str) -> dict[str, dict[str, Any]]:
        """Header parameters of an operation by canonical name, ``$ref``-free."""
        key = ("headers", method.upper())
        if key not in self._cache:
            op = self.operation(method) or {}
            params = (self.resolve(p) for p in op.get("parameters", []))
            self._cache[key] = {
                canonical_header(p["name"]): self.inline(p) for p in params if p.get("in") == "header"
            }
        return self._cache[key]

    def all_header_parameters(self) -> dict[str, dict[str, Any]]:
        """Every header parameter the spec defines, by canonical name (for rules about misuse)."""
        if "all_headers" not in self._cache:
            comps = self.spec.get("components", {}).get("parameters", {})
            self._cache["all_headers"] = {
                canonical_header(p["name"]): self.inline(p)
                for p in comps.values()
                if p.get("in") == "header"
            }
        return self._cache["all_headers"]

    def headers_schema(self, method: str) -> dict[str, Any]:
        """An object schema for the declared request headers of ``method``, keyed by canonical name."""
        key = ("headers_schema", method.upper())
        if key not in self._cache:
            params = self.header_parameters(method)
            self._cache[key] = {
                "$schema": JSON_SCHEMA_DIALECT,
                "type": "object",
                "properties": {name: p["schema"] for name, p in params.items()},
                "required": [name for name, p in params.items() if p.get("required")],
            }
        return self._cache[key]

    # -- response side -------------------------------------------------------------------------
    def response(self, method: str, status: int) -> dict[str, Any] | None:
        """The documented response for a status: exact code first, then ``4XX``-style ranges, then
        default. Inlined once per method and status (validators ask per response; shared, so copy
        before changing it)."""
        key = ("response", method.upper(), status)
        if key not in self._cache:
            self._cache[key] = self._find_response(method, status)
        return self._cache[key]

    def _find_response(self, method: str, status: int) -> dict[str, Any] | None:
        op = self.operation(method)
        if op is None:
            return None
        responses = op.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return self.inline(responses[key])
        return None

    def response_schema(self, method: str, status: int) -> dict[str, Any] | None:
        resp = self.response(method, status)
        if resp is None:
            return None
        media = resp.get("content", {}).get("application/json")
        if media is None or "schema" not in media:
            return None
        return {"$schema": JSON_SCHEMA_DIALECT, **media["schema"]}

    def response_headers(self, method: str, status: int) -> dict[str, dict[str, Any]]:
        resp = self.response(method, status) or {}
        return {canonical_header(k): v for k, v in resp.get("headers", {}).items()}

    # -- limits written as spec extensions (read once: validators consult them per request) -----
    def extension(self, name: str, method: str = "POST") -> Any:
        return self.operation(method)[f"x-bulkpdf-{name}"]

    @functools.cached_property
    def max_object_ids(self) -> int:
        return int(self.extension("max-object-ids"))

    @functools.cached_property
    def documents_per_zip(self) -> int:
        return int(self.extension("documents-per-zip"))

    def zip_file_names(self, file_name: str, documents: int) -> list[str]:
        """The names of a job's ZIP files: ``<fileName>_<n>.zip``, n = 1 .. ceil(documents / per-ZIP limit)."""
        count = -(-max(documents, 0) // self.documents_per_zip)
        return [f"{file_name}_{n}.zip" for n in range(1, count + 1)]

    @functools.cached_property
    def file_url_lifetime_seconds(self) -> int:
        return int(self.extension("file-url-lifetime-seconds"))

    @functools.cached_property
    def min_poll_interval_seconds(self) -> float:
        """The shortest time between two polls of one job that a client may leave."""
        return float(self.extension("min-poll-interval-seconds", "GET"))

    def header_extension(self, header: str, name: str) -> Any:
        return self.all_header_parameters()[canonical_header(header)][f"x-bulkpdf-{name}"]

    @functools.cached_property
    def idempotent_methods(self) -> frozenset[str]:
        return frozenset(m.upper() for m in self.header_extension("Idempotency-Key", "methods"))

    @functools.cached_property
    def idempotency_retention_seconds(self) -> int:
        return int(self.header_extension("Idempotency-Key", "retention-seconds"))

    @functools.cached_property
    def gzip_min_bytes(self) -> int:
        return int(self.header_extension("Accept-Encoding", "gzip-min-bytes"))

    @functools.cached_property
    def max_inflated_bytes(self) -> int:
        return int(self.header_extension("Content-Encoding", "max-inflated-bytes"))

    @functools.cached_property
    def index_columns(self) -> tuple[str, ...]:
        """The columns of a ZIP's index file, in order (JSON keys or the CSV header)."""
        return tuple(self.property_schema("indexFileFormat")["x-bulkpdf-index-columns"])

    # -- job statuses: which end a job, and whether with output ---------------------------------
    @functools.cached_property
    def job_statuses(self) -> tuple[str, ...]:
        """Every job status, in the order of the spec's enum (the in-progress ones first, in the
        order a job passes them)."""
        return tuple(self.spec["components"]["schemas"]["JobStatus"]["enum"])

    def _status_extension(self, name: str) -> frozenset[str]:
        return frozenset(self.spec["components"]["schemas"]["JobStatus"][f"x-bulkpdf-{name}"])

    @functools.cached_property
    def succeeded_statuses(self) -> frozenset[str]:
        """Terminal statuses with output (``Completed``, ``PartialComplete``)."""
        return self._status_extension("succeeded")

    @functools.cached_property
    def failed_statuses(self) -> frozenset[str]:
        """Terminal statuses without output (``Error``, ``Aborted``, ``Cancelled``)."""
        return self._status_extension("failed")

    @functools.cached_property
    def terminal_statuses(self) -> frozenset[str]:
        return self.succeeded_statuses | self.failed_statuses

    # -- the token operation (POST /oauth/token): a form body, not the bulk-PDF JSON -----------
    @functools.cached_property
    def token_operation(self) -> dict[str, Any]:
        return self.spec["paths"][TOKEN_PATH]["post"]

    def token_request_schema(self) -> dict[str, Any]:
        """The token form's fields as a standalone JSON Schema (each value a string)."""
        if "token_request" not in self._cache:
            media = self.token_operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
            self._cache["token_request"] = {"$schema": JSON_SCHEMA_DIALECT, **self.inline(media["schema"])}
        return self._cache["token_request"]

    def token_header_parameters(self) -> dict[str, dict[str, Any]]:
        """The token operation's header parameters by canonical name, ``$ref``-free."""
        if "token_headers" not in self._cache:
            params = (self.resolve(p) for p in self.token_operation.get("parameters", []))
            self._cache["token_headers"] = {
                canonical_header(p["name"]): self.inline(p) for p in params if p.get("in") == "header"
            }
        return self._cache["token_headers"]

    def token_response_schema(self, status: int) -> dict[str, Any] | None:
        """The body schema of a token response (200: the token; 429 and 4XX: Zuora's error body)."""
        responses = self.token_operation["responses"]
        for key in (str(status), f"{str(status)[0]}XX"):
            if key in responses:
                media = self.inline(responses[key]).get("content", {}).get("application/json", {})
                return {"$schema": JSON_SCHEMA_DIALECT, **media["schema"]} if "schema" in media else None
        return None

    @functools.cached_property
    def token_lifetime_seconds(self) -> int:
        """How long an issued token lives (Zuora: one hour)."""
        return int(self.token_operation["x-bulkpdf-token-lifetime-seconds"])

    @functools.cached_property
    def max_form_bytes(self) -> int:
        """The largest token form a server reads; a larger one is refused (400)."""
        return int(self.token_operation["x-bulkpdf-max-form-bytes"])

    # -- decisions: where the fragment deliberately differs from Zuora's published file --------
    def decisions(self) -> tuple[Decision, ...]:
        """Every decision record (``x-bulkpdf-decisions``), in the order of the fragment."""
        if "decisions" not in self._cache:
            from .decisions import collect_decisions

            self._cache["decisions"] = collect_decisions(self.spec)
        return self._cache["decisions"]

    def decision(self, ident: str) -> Decision:
        """The decision with this id (KeyError for an unknown one)."""
        for decision in self.decisions():
            if decision.id == ident:
                return decision
        raise KeyError(ident)

    def decision_covering(self, pointer: str) -> Decision | None:
        """The decision that covers this fragment pointer, if any."""
        if "covering" not in self._cache:
            self._cache["covering"] = {p: d for d in self.decisions() for p in d.covers}
        return self._cache["covering"].get(pointer)

    # -- examples ------------------------------------------------------------------------------
    def request_examples(self) -> dict[str, Any]:
        media = self.operation("POST")["requestBody"]["content"]["application/json"]
        return {name: ex["value"] for name, ex in media.get("examples", {}).items()}

    def response_examples(self) -> list[tuple[str, int, Any]]:
        """Every response example as ``(method, status, body)``; ranges like 4XX are reported as 400."""
        out = []
        for method in ("POST", "GET"):
            for code, resp in self.operation(method)["responses"].items():
                media = self.inline(resp).get("content", {}).get("application/json", {})
                status = int(code.replace("XX", "00"))
                if "example" in media:
                    out.append((method, status, media["example"]))
                for ex in media.get("examples", {}).values():
                    out.append((method, status, ex["value"]))
        return out


def contract_from_dict(spec: dict[str, Any]) -> Contract:
    """A contract for a modified copy of the spec (the input is copied, never mutated)."""
    return Contract(copy.deepcopy(spec))


@functools.lru_cache(maxsize=8)
def load_contract(path: str | None = None) -> Contract:
    """The contract of ``path`` (default: the shipped fragment), parsed once per path."""
    return Contract(load_spec_file(path or SHIPPED_SPEC))


def load_spec() -> dict[str, Any]:
    """The shipped fragment as a dict (shared; copy before changing it)."""
    return load_contract().spec


def __getattr__(name: str) -> Any:
    # The decision records load on first use: ``bulkpdf lint`` never reads them.
    if name in ("Decision", "DecisionError", "decisions_markdown"):
        from . import decisions

        return getattr(decisions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COLLECTION_PATH",
    "Decision",
    "DecisionError",
    "JOB_PATH",
    "JSON_SCHEMA_DIALECT",
    "TOKEN_PATH",
    "Contract",
    "canonical_header",
    "contract_from_dict",
    "decisions_markdown",
    "load_contract",
    "load_spec",
    "spec_path",
]
