"""The stand-in for Zuora's published file (``fixtures/zuora-v1.yaml``) and a padded copy of it
at the real file's size (~11 MB), for the drift tests and ``benchmarks/drift.py``."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import orjson
import yaml
import yaml_rs

FIXTURE = Path(__file__).parent / "fixtures" / "zuora-v1.yaml"
REAL_FILE_CHARS = 11_200_000  # Zuora's v1 file of 2026-01-23


@functools.lru_cache(maxsize=1)
def _fixture() -> dict[str, Any]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def published() -> dict[str, Any]:
    """A fresh copy of the stand-in (tests change it)."""
    return copy.deepcopy(_fixture())


def _unit(i: int) -> tuple[str, dict, str, dict]:
    """One unrelated resource in the shape of Zuora's file: a GET with global headers and
    inline per-status responses, and an allOf schema over CommonResponse."""
    name = f"Resource{i}"
    path = f"/v1/object-{i}/{{key}}"
    operation = {"get": {
        "summary": f"Retrieve a resource of kind {i}",
        "operationId": f"GET_{name}",
        "description": "Retrieves the resource with the given key. " * 4,
        "tags": ["Padding"],
        "parameters": [
            {"$ref": "#/components/parameters/GLOBAL_HEADER_Accept_Encoding"},
            {"$ref": "#/components/parameters/GLOBAL_HEADER_Zuora_Track_Id"},
            {"$ref": "#/components/parameters/GLOBAL_HEADER_Zuora_Org_Ids"},
            {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "OK", "headers": {
                "Zuora-Request-Id": {"$ref": "#/components/headers/GLOBAL_HEADER_RESPONSE_Zuora_Request_Id"},
                "RateLimit-Remaining": {"$ref": "#/components/headers/GLOBAL_HEADER_RESPONSE_RateLimit_Remaining"},
            }, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/GET{name}Type"}}}},
            "4XX": {"description": "Request Errors", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CommonResponse"}}}},
        },
    }}
    fields = {f"field{j}": {"type": ["string", "integer", "boolean", "number"][j % 4],
                            "description": f"Field {j} of the resource, as stored by Zuora Billing."}
              for j in range(14)}
    fields["field0"]["maxLength"] = 255
    schema = {"allOf": [{"$ref": "#/components/schemas/CommonResponse"},
                        {"type": "object", "properties": fields}]}
    return path, operation, f"GET{name}Type", schema


def padded(doc: dict[str, Any], target_chars: int = REAL_FILE_CHARS) -> dict[str, Any]:
    """``doc`` with unrelated paths and schemas added until its YAML is about ``target_chars``."""
    out = copy.deepcopy(doc)
    sample = [_unit(i) for i in range(20)]
    unit_chars = len(to_yaml({"paths": {u[0]: u[1] for u in sample},
                              "schemas": {u[2]: u[3] for u in sample}})) / len(sample)
    count = max(1, int((target_chars - len(to_yaml(doc))) / unit_chars))
    for i in range(count):
        path, operation, name, schema = _unit(i)
        out["paths"][path] = operation
        out["components"]["schemas"][name] = schema
    return out


def to_yaml(doc: dict[str, Any], writer: str = "yaml-rs") -> str:
    """Block-style YAML: by yaml-rs (fast, for tests) or PyYAML (``"pyyaml"``: slower, single
    quotes like Zuora's file; the benchmark uses it so the loaders do not read their own output)."""
    if writer == "pyyaml":
        return yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=120)
    return yaml_rs.dumps(doc)


def to_json(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)
