"""The scenarios of ``bulkpdf check-client``, as data: for each, the request the client must
submit, the fault rules and mock settings that make the embedded mock answer what the scenario
is about, and what a careful client ends with (exit 0 and every ZIP, or non-zero and nothing).

The rules are the mock's own fault format (:mod:`bulkpdf_contract.mock.fault_rules`), so a
scenario can be replayed by hand with ``bulkpdf serve --faults``. Waits are kept short but long
enough to tell a careful client from a careless one: a ``Retry-After`` of 2 s is longer than
the 1 s a client would wait of its own accord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec import COLLECTION_PATH, load_contract

POLLS = COLLECTION_PATH + "/*"
DOWNLOADS = "/_mock/files/*"
AUTH_MODES = ("token", "oauth")


def object_ids(scenario: int, count: int) -> list[str]:
    """Stable, distinct Zuora object IDs for one scenario (the mock's open world has them all)."""
    return [f"{scenario:08x}{n:024x}" for n in range(1, count + 1)]


def invoices(scenario: int, count: int, file_name: str) -> dict[str, Any]:
    return {
        "documents": [{"docType": "Invoice", "objectIds": object_ids(scenario, count)}],
        "fileName": file_name,
        "indexFileFormat": "JSON",
    }


@dataclass(frozen=True)
class Scenario:
    """One run of the client against a mock set up for it."""

    name: str
    summary: str
    """What the mock does, and what a careful client does about it (``--help``, the README)."""
    request: dict[str, Any]
    faults: tuple[dict[str, Any], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    succeeds: bool = True
    """True: the client must exit 0 with every ZIP; False: non-zero, having downloaded nothing."""
    auth: tuple[str, ...] = AUTH_MODES


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("happy", "nothing goes wrong: submit, poll, download", invoices(1, 3, "happy")),
    Scenario(
        "rate-limited", "the first POST and the first poll are answered 429 with Retry-After: 2",
        invoices(2, 3, "rate-limited"),
        faults=(
            {"name": "post-429", "method": "POST", "path": COLLECTION_PATH, "nth": 1, "action": "respond",
             "status": 429, "retryAfter": 2},
            {"name": "poll-429", "method": "GET", "path": POLLS, "nth": 1, "action": "respond",
             "status": 429, "retryAfter": 2},
        ),
    ),
    Scenario(
        "submit-server-error", "the first POST is answered 500 and creates nothing: retry it",
        invoices(3, 3, "submit-server-error"),
        faults=({"name": "post-500", "method": "POST", "path": COLLECTION_PATH, "nth": 1, "action": "respond",
                 "status": 500},),
    ),
    Scenario(
        "submit-connection-lost",
        "the first POST creates the job, then the connection closes before the answer: retry "
        "with the same Idempotency-Key",
        invoices(4, 3, "submit-connection-lost"),
        faults=({"name": "post-lost", "method": "POST", "path": COLLECTION_PATH, "nth": 1,
                 "action": "disconnect", "effect": True},),
    ),
    Scenario(
        "poll-unavailable", "the first two polls are answered 503: keep polling, not too fast",
        invoices(5, 3, "poll-unavailable"),
        faults=({"name": "poll-503", "method": "GET", "path": POLLS, "nth": [1, 2], "action": "respond",
                 "status": 503},),
    ),
    Scenario(
        "slow-job", "the job stays Submitted 1 s and Executing 3 s: poll until it ends, at most once a second",
        invoices(6, 3, "slow-job"),
        faults=({"name": "slow", "method": "POST", "path": COLLECTION_PATH, "action": "job",
                 "submittedFor": 1, "executingFor": 3},),
    ),
    Scenario(
        "partial-complete",
        "the job ends PartialComplete with 2 of 6 documents skipped: download what exists and succeed",
        invoices(7, 6, "partial-complete"),
        faults=({"name": "partial", "method": "POST", "path": COLLECTION_PATH, "action": "job",
                 "end": "PartialComplete", "skip": 2},),
    ),
    Scenario(
        "job-error", "the job ends Error: exit non-zero, having downloaded nothing",
        invoices(8, 3, "job-error"),
        faults=({"name": "error", "method": "POST", "path": COLLECTION_PATH, "action": "job", "end": "Error",
                 "reasons": [{"code": "51580060", "message": "the PDF service failed (check-client)"}]},),
        succeeds=False,
    ),
    Scenario("many-zips", "2,500 documents make 3 ZIPs: download every one", invoices(9, 2500, "many-zips")),
    Scenario(
        "download-interrupted",
        "the first download of each ZIP breaks off after 32 KiB: end with complete ZIPs (resume or restart)",
        invoices(10, 1100, "download-interrupted"),
        faults=({"name": "cut", "method": "GET", "path": DOWNLOADS, "nth": 1, "per": "path",
                 "action": "truncate", "bytes": 32768},),
    ),
    Scenario(
        "gzip", "every JSON answer is gzipped when the client accepts gzip", invoices(11, 3, "gzip"),
        settings={"gzip_min_bytes": 0},
    ),
    Scenario(
        "token-expiry",
        "the token expires mid-run (the mock's clock jumps past its lifetime at the first poll): "
        "fetch a new one",
        invoices(12, 3, "token-expiry"),
        faults=({"name": "expire-token", "method": "GET", "path": POLLS, "nth": 1, "action": "advance",
                 "seconds": load_contract().token_lifetime_seconds + 1},),
        auth=("oauth",),
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


def scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def applicable(auth: str) -> tuple[Scenario, ...]:
    return tuple(s for s in SCENARIOS if auth in s.auth)
