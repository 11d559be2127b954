"""Deliberately broken servers: the real mock behind a small ASGI middleware that breaks exactly
one rule (or the mock with one knob turned), for proving that ``bulkpdf check`` catches each.

Request rewriters change what the mock sees (so the mock's own rule never fires); response
rewriters change what the client sees. Bodies sent with ``Content-Encoding: gzip`` are inflated,
rewritten and deflated again, so gzip cases are broken the same way as plain ones.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from bulkpdf_contract.mock import create_app
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

JsonFn = Callable[[Any], Any]


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value
    return None


def _with_headers(scope: dict, drop: set[bytes], add: list[tuple[bytes, bytes]] = ()) -> dict:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in drop] + list(add)
    return {**scope, "headers": headers}


async def _read_body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _read_json(scope: dict, receive) -> tuple[bytes, bool, Any]:
    """The request body, whether it is gzipped, and its JSON (None when it is not JSON)."""
    raw = await _read_body(receive)
    gzipped = (_header(scope, b"content-encoding") or b"").strip().lower() == b"gzip"
    return raw, gzipped, _decode(raw, gzipped)


def _replaying(raw: bytes, receive):
    """A ``receive`` that hands the app ``raw`` as the whole body, then defers to the client."""
    delivered = False

    async def replay():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


def _decode(raw: bytes, gzipped: bool) -> Any:
    try:
        return json.loads(gzip.decompress(raw) if gzipped else raw)
    except (ValueError, OSError, EOFError):
        return None


def _encode(data: Any, gzipped: bool) -> bytes:
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return gzip.compress(raw) if gzipped else raw


def rewrite_post_body(app, fn: JsonFn):
    """Apply ``fn`` to the JSON body of every POST to the collection before the mock reads it."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != COLLECTION_PATH:
            return await app(scope, receive, send)
        raw, gzipped, data = await _read_json(scope, receive)
        if isinstance(data, dict):
            raw = _encode(fn(data), gzipped)
        scope = _with_headers(scope, {b"content-length"}, [(b"content-length", str(len(raw)).encode())])
        await app(scope, _replaying(raw, receive), send)

    return middleware


def ignore_valid_idempotency_keys(app):
    """Hide a well-formed Idempotency-Key of a POST from the mock (a malformed one, or one on
    another method, is still rejected)."""
    schema = load_contract().header_parameters("POST")["Idempotency-Key"]["schema"]
    pattern = re.compile(schema["pattern"])

    def valid(key: bytes) -> bool:
        text = key.decode("latin-1")
        return schema["minLength"] <= len(text) <= schema["maxLength"] and pattern.fullmatch(text) is not None

    async def middleware(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            key = _header(scope, b"idempotency-key")
            if key is not None and valid(key):
                scope = _with_headers(scope, {b"idempotency-key"})
        await app(scope, receive, send)

    return middleware


def drop_response_header(app, name: str):
    async def middleware(scope, receive, send):
        async def strip(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message["headers"]
                                                  if k.lower() != name.lower().encode()]}
            await send(message)

        await app(scope, receive, strip if scope["type"] == "http" else send)

    return middleware


def rewrite_answers(app, when: Callable[[dict, int], bool], fn: Callable[[dict, Any], Any]):
    """Apply ``fn(scope, data)`` to the JSON body of every answer that ``when(scope, status)`` selects."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def buffer(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = start["headers"]
            if when(scope, start["status"]):
                gzipped = any(k.lower() == b"content-encoding" and v.lower() == b"gzip" for k, v in headers)
                data = _decode(body, gzipped)
                if data is not None:
                    body = _encode(fn(scope, data), gzipped)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await app(scope, receive, buffer)

    return middleware


def rewrite_post_response(app, fn: JsonFn):
    """Apply ``fn`` to the JSON body of every 200 answer to a POST on the collection."""

    def when(scope: dict, status: int) -> bool:
        return scope["method"] == "POST" and scope["path"] == COLLECTION_PATH and status == 200

    return rewrite_answers(app, when, lambda scope, data: fn(data) if isinstance(data, dict) else data)


def server_error_when(app, condition: Callable[[Any], bool]):
    """Answer 500 (Zuora's ErrorResponse) to a POST whose JSON body meets ``condition``."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != COLLECTION_PATH:
            return await app(scope, receive, send)
        raw, gzipped, data = await _read_json(scope, receive)
        if isinstance(data, dict) and condition(data):
            body = json.dumps({"success": False, "reasons": [{"code": "SystemError",
                                                              "message": "internal server error"}]}).encode()
            await send({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"zuora-request-id", str(uuid.uuid4()).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, _replaying(raw, receive), send)

    return middleware


# -- the rules each variant breaks ----------------------------------------------------------------
def _truncate_file_name(body: dict) -> dict:
    limit = load_contract().property_schema("fileName")["maxLength"]
    if isinstance(body.get("fileName"), str) and len(body["fileName"]) == limit + 1:
        body["fileName"] = body["fileName"][:limit]
    return body


def _dedupe_object_ids(body: dict) -> dict:
    seen: set[str] = set()
    for group in body.get("documents") or []:
        if isinstance(group, dict) and isinstance(group.get("objectIds"), list):
            kept = []
            for value in group["objectIds"]:
                key = value.lower() if isinstance(value, str) else repr(value)
                if key not in seen:
                    seen.add(key)
                    kept.append(value)
            group["objectIds"] = kept
    return body


def _json_to_csv(body: dict) -> dict:
    if body.get("indexFileFormat") == "JSON":
        body["indexFileFormat"] = "CSV"
    return body


def _shout_file_name(body: dict) -> dict:
    if isinstance(body.get("fileName"), str):
        body["fileName"] = "".join(c.upper() if c.isascii() else c for c in body["fileName"])
    return body


def _success_as_string(body: dict) -> dict:
    if "success" in body:
        body["success"] = str(body["success"]).lower()
    return body


def _name_at_limit(body: dict) -> bool:
    return isinstance(body.get("name"), str) and len(body["name"]) == load_contract().property_schema("name")["maxLength"]


@dataclass(frozen=True)
class Variant:
    """A broken server: how to build it and the check(s) of which at least one must fail.

    ``wrap`` (when the break is a layer around a correct server) builds it around any server,
    such as the closed-world stand-in of a live tenant in ``live_front``.
    """

    name: str
    rule: str
    build: Callable[[str], Any]
    caught_by: frozenset[str]
    wrap: Callable[[Any], Any] | None = None


def wrapping(name: str, rule: str, wrap: Callable[[Any], Any], caught_by: set[str]) -> Variant:
    return Variant(name, rule, lambda token: wrap(create_app(token=token)), frozenset(caught_by), wrap)


VARIANTS = (
    wrapping("accepts-33-char-fileName", "fileName maxLength",
             lambda app: rewrite_post_body(app, _truncate_file_name),
             {"negative_data_rejection", "edge_cases_rejected"}),
    wrapping("drops-track-id-echo", "Zuora-Track-Id echo",
             lambda app: drop_response_header(app, "Zuora-Track-Id"), {"track_id_echo"}),
    wrapping("500-for-one-valid-input", "no server error (name of exactly 32 characters)",
             lambda app: server_error_when(app, _name_at_limit), {"not_a_server_error"}),
    wrapping("wrong-type-in-200-body", "POST 200 body schema (success as a string)",
             lambda app: rewrite_post_response(app, _success_as_string), {"response_schema_conformance"}),
    wrapping("new-job-on-replay", "Idempotency-Key replay", ignore_valid_idempotency_keys, {"idempotent_replay"}),
    wrapping("accepts-duplicate-object-ids", "documents.duplicate-object-id",
             lambda app: rewrite_post_body(app, _dedupe_object_ids), {"edge_cases_rejected"}),
    wrapping("csv-index-when-json-asked", "indexFileFormat",
             lambda app: rewrite_post_body(app, _json_to_csv), {"zip_index"}),
    wrapping("wrong-zip-names", "<fileName>_<n>.zip",
             lambda app: rewrite_post_body(app, _shout_file_name), {"zip_names"}),
    Variant("1001-documents-per-zip", "at most 1,000 documents per ZIP",
            lambda token: create_app(token=token, documents_per_zip=1001),
            frozenset({"zip_documents"})),
)
