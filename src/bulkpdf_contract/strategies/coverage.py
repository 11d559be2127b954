"""Which interesting places an example reaches, so tests and the benchmark can show the
strategies really get there (a limit hit exactly, several ZIP files, each optional field both
present and absent, ...)."""

from __future__ import annotations

from typing import Any

from ..spec import Contract, load_contract
from .model import Labelled, Request


def _length_features(where: str, value: Any, schema: dict[str, Any]) -> set[str]:
    out = set()
    if isinstance(value, str):
        if "maxLength" in schema and len(value) == schema["maxLength"]:
            out.add(f"{where} at maxLength")
        if any(ord(c) > 0x7F for c in value):
            out.add(f"{where} multibyte")
    return out


def features(example: Request | Labelled, contract: Contract | None = None) -> set[str]:
    """Names of the places ``example`` reaches; a labelled one reports ``<family>: <rule>``."""
    if isinstance(example, Labelled):
        return {f"{example.family}: {example.expected_rule}"}
    contract = contract or load_contract()
    out = {f"method {example.method}"}
    params = contract.header_parameters(example.method) if contract.operation(example.method) else {}
    for name, param in params.items():
        value = example.headers.get(name)
        out.add(f"header {name} {'present' if value is not None else 'absent'}")
        out |= _length_features(f"header {name}", value, param["schema"])
    if example.headers.get("Content-Encoding") == "gzip":
        out.add("gzipped body")
    body = example.body
    if not isinstance(body, dict):
        return out
    schema = contract.request_schema()
    for name, sub in schema["properties"].items():
        if name not in schema.get("required", ()):
            out.add(f"{name} {'present' if name in body else 'absent'}")
        out |= _length_features(name, body.get(name), sub)
    groups = [g for g in body.get("documents", []) if isinstance(g, dict)]
    ids = [i for g in groups for i in g.get("objectIds", [])]
    doc_types = [g.get("docType") for g in groups]
    enum = contract.property_schema("documents", "items", "docType")["enum"]
    out.add(f"groups: {min(len(groups), 4)}{'+' if len(groups) >= 4 else ''}")
    if set(enum) <= set(doc_types):
        out.add("every docType")
    if len(set(doc_types)) < len(doc_types):
        out.add("a docType in two groups")
    if len(ids) > contract.documents_per_zip:
        out.add("several ZIP files")
    if len(ids) == contract.max_object_ids:
        out.add("exactly the most object IDs")
    if any(isinstance(i, str) and i != i.lower() for i in ids):
        out.add("upper-case object IDs")
    return out
