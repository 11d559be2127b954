"""The edge-case requests the gate sends (the catalogue; the checks that send them are in
:mod:`.checks.request_handling`): a fixed list the issue names, plus a deterministic draw from
:func:`bulkpdf_contract.strategies.edge_cases`.

The fixed list (read from the contract, so a modified spec moves it) makes sure every named case is
sent on every run: ``fileName``/``name`` at the limit and one over, the track ID at 64 and 65,
each forbidden track-ID character, a non-ASCII track ID, duplicate object IDs (in one group and
across groups), one ID over the per-request maximum, an Idempotency-Key at its limit and over it,
and an Idempotency-Key on a GET. The strategies add breadth (wrong types, missing and unknown
fields, enum and pattern violations, ...): a few examples of every family in ``EDGE_FAMILIES``,
one case kept per (family, rule, pointer), drawn with derandomized Hypothesis runs so that every
gate run sends the same cases. A rule the validators apply but a server may legitimately not
(``NOT_SERVER_RULES``) is left out.

Valid cases bigger than ``MAX_ACCEPTED_IDS`` object IDs are not sent: accepting them starts a real
export (50,000 PDFs for the exact-limit case), which costs the server minutes, not the gate a
check. The limit + 1 case is rejected before any job exists and is always sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from ..spec import COLLECTION_PATH, JOB_PATH, Contract
from ..strategies import EDGE_FAMILIES, Labelled
from .documents import object_ids

MAX_ACCEPTED_IDS = 2000
DRAW_EXAMPLES = 8
# HTTP gives a GET body no meaning (RFC 9110 9.3.1); a server may ignore it rather than refuse it.
NOT_SERVER_RULES = frozenset({"request.unexpected-body"})
FORBIDDEN_TRACK_CHARACTERS = (":", ";", '"', "'")


@dataclass(frozen=True)
class EdgeCase:
    """One request to send and what a correct server does with it (reject with 4xx, or accept)."""

    name: str
    method: str
    headers: dict[str, Any]
    body: Any
    reject: bool
    path: str = COLLECTION_PATH
    rule: str = ""
    origin: str = "contract"
    targets_idempotency_key: bool = False
    notes: tuple[str, ...] = field(default=())


def valid_body(seed: str, count: int = 2, **fields_: Any) -> dict[str, Any]:
    return {
        "documents": [{"docType": "Invoice", "objectIds": object_ids(seed, count)}],
        "fileName": f"gate-{seed[:8]}",
        "indexFileFormat": "JSON",
        **fields_,
    }


def _limit(schema: dict[str, Any]) -> int:
    return int(schema["maxLength"])


def contract_cases(contract: Contract, seed: str) -> list[EdgeCase]:
    """The cases the issue names, with limits read from ``contract``."""
    headers = contract.header_parameters("POST")
    file_max = _limit(contract.property_schema("fileName"))
    name_max = _limit(contract.property_schema("name"))
    track_max = _limit(headers["Zuora-Track-Id"]["schema"])
    key_max = _limit(headers["Idempotency-Key"]["schema"])
    ids = object_ids(seed, 3)
    cases = [
        EdgeCase(f"fileName of {file_max} characters", "POST", {}, valid_body(seed, fileName="f" * file_max), False),
        EdgeCase(f"fileName of {file_max + 1} characters", "POST", {},
                 valid_body(seed, fileName="f" * (file_max + 1)), True, rule="schema.maxLength"),
        EdgeCase(f"fileName of {file_max} multibyte characters", "POST", {},
                 valid_body(seed, fileName="é" * file_max), False),
        EdgeCase(f"name of {name_max} characters", "POST", {}, valid_body(seed, name="n" * name_max), False),
        EdgeCase(f"name of {name_max + 1} characters", "POST", {},
                 valid_body(seed, name="n" * (name_max + 1)), True, rule="schema.maxLength"),
        EdgeCase(f"Zuora-Track-Id of {track_max} characters", "POST", {"Zuora-Track-Id": "t" * track_max},
                 valid_body(seed), False),
        EdgeCase(f"Zuora-Track-Id of {track_max + 1} characters", "POST",
                 {"Zuora-Track-Id": "t" * (track_max + 1)}, valid_body(seed), True, rule="schema.maxLength"),
        EdgeCase("Zuora-Track-Id with a non-ASCII character", "POST",
                 {"Zuora-Track-Id": "trace-é".encode("utf-8")}, valid_body(seed), True, rule="charset.non-ascii"),
        EdgeCase(f"Idempotency-Key of {key_max} characters", "POST",
                 {"Idempotency-Key": f"gate-{seed}-".ljust(key_max, "k")[:key_max]},
                 valid_body(seed), False, targets_idempotency_key=True),
        EdgeCase(f"Idempotency-Key of {key_max + 1} characters", "POST", {"Idempotency-Key": "k" * (key_max + 1)},
                 valid_body(seed), True, rule="schema.maxLength", targets_idempotency_key=True),
        EdgeCase("the same objectId twice in one group", "POST", {},
                 {**valid_body(seed), "documents": [{"docType": "Invoice", "objectIds": [ids[0], ids[1], ids[0]]}]},
                 True, rule="documents.duplicate-object-id"),
        EdgeCase("the same objectId in two groups", "POST", {},
                 {**valid_body(seed), "documents": [{"docType": "Invoice", "objectIds": [ids[0]]},
                                                    {"docType": "CreditMemo", "objectIds": [ids[0].upper()]}]},
                 True, rule="documents.duplicate-object-id"),
        EdgeCase(f"{contract.max_object_ids + 1} object IDs", "POST", {},
                 valid_body(seed, count=contract.max_object_ids + 1), True, rule="documents.too-many-object-ids"),
        EdgeCase("Idempotency-Key on a GET", "GET", {"Idempotency-Key": f"gate-{seed}-get"}, None, True,
                 path=JOB_PATH, rule="idempotency-key.method", targets_idempotency_key=True),
    ]
    for char in FORBIDDEN_TRACK_CHARACTERS:
        cases.append(EdgeCase(f"Zuora-Track-Id with {char!r}", "POST", {"Zuora-Track-Id": f"trace{char}gate"},
                              valid_body(seed), True, rule="charset.forbidden-character"))
    return cases


def _draw(strategy: Any, examples: int) -> list[Any]:
    drawn: list[Any] = []

    @settings(derandomize=True, database=None, max_examples=examples, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def _id_count(body: Any) -> int:
    if not isinstance(body, dict) or not isinstance(body.get("documents"), list):
        return 0
    return sum(len(g.get("objectIds") or []) for g in body["documents"] if isinstance(g, dict)
               and isinstance(g.get("objectIds"), list))


def strategy_cases(contract: Contract, examples: int = DRAW_EXAMPLES) -> list[EdgeCase]:
    """One labelled case per (family, rule, pointer) from the strategies."""
    picked: dict[tuple[str, str, str], EdgeCase] = {}
    drawn = [value for family in EDGE_FAMILIES.values() for value in _draw(family(contract), examples)]
    for value in drawn:
        if not isinstance(value, Labelled) or value.file_names or value.expected_rule in NOT_SERVER_RULES:
            # Valid edges: the contract list covers the exact limits. A file-name collision needs
            # the server's file names, which only a seeded world can give.
            continue
        request = value.request
        if request.body is not None and _id_count(request.body) > contract.max_object_ids + 1:
            continue
        pointer = re.sub(r"/\d+", "/*", value.expected_pointer)
        key = (value.family, value.expected_rule, pointer)
        if key in picked:
            continue
        picked[key] = EdgeCase(
            name=f"{value.family or 'edge'}: {value.expected_rule} at {value.expected_pointer or '/'}",
            method=request.method,
            headers=dict(request.headers),
            body=request.body,
            reject=True,
            path=request.path,
            rule=value.expected_rule,
            origin="strategies",
            targets_idempotency_key=value.expected_pointer == "/headers/Idempotency-Key",
        )
    return list(picked.values())


def edge_catalogue(contract: Contract, seed: str, *, examples: int = DRAW_EXAMPLES) -> list[EdgeCase]:
    """Everything the edge checks send, contract list first."""
    return contract_cases(contract, seed) + strategy_cases(contract, examples)
