"""schemathesis hooks that keep a correct bulk-PDF server from being blamed for the generator.

Importing this module registers one global ``before_call`` hook (schemathesis 4.32 has no
schema-scoped ``before_call``). It acts only on the two bulk-PDF operations, so it is safe in a
process that tests other APIs too, and it is the module to name in ``SCHEMATHESIS_HOOKS`` when a
team runs ``schemathesis run`` itself:

    SCHEMATHESIS_HOOKS=bulkpdf_contract.gate.hooks schemathesis run "$(bulkpdf spec --path)" ...

What it repairs, and why:

- ``Content-Encoding: gzip`` is a declared request header, so schemathesis sends it, but it
  serialises the body as plain JSON. A server that honours the header then rejects the case and
  ``positive_data_acceptance`` fails on a correct server. The hook gzips the JSON body.
- schemathesis 4.32.5's coverage phase fills the optional ``Zuora-Version`` header with ``"0"``
  even in positive cases, although ``0`` does not match the header's pattern. A correct server
  rejects such a case (a false ``positive_data_acceptance`` failure) and, worse, a case that was
  meant to test *one* body violation is rejected for the header instead, which hides missing body
  validation (the shape of pitfall 3). Unless ``Zuora-Version`` is the parameter the case means to
  break, a non-matching value is replaced by a valid version.
- schemathesis reuses the same ``Idempotency-Key`` values (``"0"``, ``"00"``, ...) across
  unrelated cases. A correct server replays the first stored result for them, so a later
  *invalid* body with a reused key gets the replayed 200 and ``negative_data_rejection`` blames
  the server. Unless the key is the parameter a case means to break, it is made unique per
  request (same length when it has 16 characters or more, so length boundaries stay covered).
- The contract rejects the same objectId twice in one request (a rule JSON Schema cannot state),
  but schemathesis knows only the schema and happily repeats IDs in "positive" bodies. Repeated
  IDs are replaced by fresh, well-formed ones, so the case tests what its generator meant.

In a gate run (a :class:`~.live_run.LiveRun` attached to the schema) it also sends the run's
bearer token (a new one after a 401), waits out 429s, and prepares a POST of a job that a
correct server accepts (:func:`acceptable_post`) as :meth:`~.live_run.LiveRun.prepare_acceptable_post`
says: the documents the target holds and, under a job budget, the run's one Idempotency-Key.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from typing import Any

import schemathesis
from schemathesis.core import NotSet
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario, negated_parameters
from schemathesis.core.parameters import ParameterLocation

from ..spec import COLLECTION_PATH, JOB_PATH, TOKEN_PATH, load_contract
from .live_run import RequestsAuth, attached

VALID_ZUORA_VERSION = "2025-08-12"
_PATHS = frozenset({COLLECTION_PATH, JOB_PATH})


def _header(headers: dict[str, Any] | None, name: str) -> tuple[str, Any] | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return key, value
    return None


def _targets(case: Any, name: str) -> bool:
    """Whether a negative case means to break the parameter ``name``."""
    return name.lower() in {param.lower() for param, _ in negated_parameters(case.meta)}


def _version_pattern() -> re.Pattern[str]:
    schema = load_contract().header_parameters("POST")["Zuora-Version"]["schema"]
    return re.compile(schema["pattern"])


def repair_zuora_version(case: Any) -> bool:
    """Replace a generated ``Zuora-Version`` that breaks its pattern unless the case targets it."""
    found = _header(case.headers, "Zuora-Version")
    if found is None or not isinstance(found[1], str):
        return False
    key, value = found
    if _version_pattern().search(value):
        return False
    if _targets(case, "Zuora-Version"):
        return False
    case.headers[key] = VALID_ZUORA_VERSION
    return True


def gzip_body(case: Any, kwargs: dict[str, Any]) -> bool:
    """Send the JSON body gzipped when the case carries ``Content-Encoding: gzip``."""
    found = _header(case.headers, "Content-Encoding")
    if found is None or str(found[1]).strip().lower() != "gzip":
        return False
    if isinstance(case.body, NotSet) or any(k in kwargs for k in ("json", "data", "content", "files")):
        return False
    media = (case.media_type or "").lower()
    if "json" not in media:
        return False
    try:
        raw = json.dumps(case.body, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):  # not JSON (e.g. raw bytes of a content-type probe): send as generated
        return False
    kwargs["data"] = gzip.compress(raw, mtime=0)
    return True


def unique_idempotency_key(case: Any) -> bool:
    """Make a reused (valid-looking) Idempotency-Key unique, unless the case targets it."""
    found = _header(case.headers, "Idempotency-Key")
    if found is None or not isinstance(found[1], str):
        return False
    if _targets(case, "Idempotency-Key"):
        return False
    key, value = found
    suffix = uuid.uuid4().hex[:16]
    case.headers[key] = value[: len(value) - 16] + suffix if len(value) >= 16 else suffix
    return True


def dedupe_object_ids(case: Any) -> bool:
    """Replace the 2nd and later occurrence of an objectId (compared case-insensitively)."""
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("documents"), list):
        return False
    seen: set[str] = set()
    changed = False
    fresh = 0
    for group in body["documents"]:
        ids = group.get("objectIds") if isinstance(group, dict) else None
        if not isinstance(ids, list):
            continue
        for index, value in enumerate(ids):
            if not isinstance(value, str):
                continue
            if value.lower() not in seen:
                seen.add(value.lower())
                continue
            while True:
                fresh += 1
                candidate = f"{fresh:032x}"
                if candidate not in seen:
                    break
            seen.add(candidate)
            ids[index] = candidate
            changed = True
    return changed


def acceptable_post(case: Any) -> bool:
    """Whether the case is a POST of a job that a correct server accepts: meant to be valid, or
    "negative" only for an extra, undeclared header (which HTTP allows and servers ignore)."""
    meta = case.meta
    if case.method.upper() != "POST" or case.operation.path != COLLECTION_PATH or meta is None:
        return False
    if not meta.generation.mode.is_negative:
        return True
    data = meta.phase.data
    return (isinstance(data, CoveragePhaseData) and data.scenario == CoverageScenario.OBJECT_UNEXPECTED_PROPERTIES
            and data.parameter_location == ParameterLocation.HEADER and not data.mutations)


@schemathesis.hook("before_call")
def bulkpdf_before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    run = attached(case.operation.schema)
    if run is not None:  # the token operation's own 401s are about its form, not the run's token
        kwargs["auth"] = RequestsAuth(run, bearer=case.operation.path != TOKEN_PATH)
    if case.operation.path not in _PATHS:
        return
    repair_zuora_version(case)
    unique_idempotency_key(case)
    dedupe_object_ids(case)
    if run is not None and case.method.upper() == "POST":
        run.name_pool_documents(case)
        if acceptable_post(case):
            run.prepare_acceptable_post(case)
    gzip_body(case, kwargs)
