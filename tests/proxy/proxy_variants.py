"""Deliberately broken upstreams for the proxy: the faithful mock behind a middleware that breaks
one rule each. Most are the gate's own (``gate_variants``, which tests/proxy/conftest.py puts on
the path); the ones the gate has no use for are built here with its ``rewrite_answers``: an
error body that is not Zuora's, and job statuses that move backwards or change after the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from gate_variants import (_shout_file_name, _success_as_string, _truncate_file_name, drop_response_header,
                           ignore_valid_idempotency_keys, rewrite_answers, rewrite_post_body, rewrite_post_response)
from proxy_support import mock_app

from bulkpdf_contract.spec import COLLECTION_PATH, load_contract


def _is_error(scope: dict, status: int) -> bool:
    return status >= 400


def _is_poll(scope: dict, status: int) -> bool:
    return scope["method"] == "GET" and scope["path"].startswith(COLLECTION_PATH + "/") and status == 200


def non_zuora_errors(app):
    """Every error answered as ``{"error": ..., "status": ...}``, a framework's default shape."""
    return rewrite_answers(app, _is_error, lambda scope, body: {"error": "Bad Request", "status": 400})


def statuses_backwards(app):
    """A job's first poll says Executing, its second Submitted (then the truth)."""
    polls: Counter = Counter()

    def fn(scope, body):
        polls[scope["path"]] += 1
        lie = {1: "Executing", 2: "Submitted"}.get(polls[scope["path"]])
        return {**body, "status": lie} if lie else body

    return rewrite_answers(app, _is_poll, fn)


def terminal_changes(app):
    """After a job was answered Completed once, it is answered Error."""
    done: set[str] = set()
    terminal = load_contract().terminal_statuses

    def fn(scope, body):
        if body.get("status") in terminal and scope["path"] in done:
            return {**body, "status": "Error", "fileUrls": []}
        if body.get("status") in terminal:
            done.add(scope["path"])
        return body

    return rewrite_answers(app, _is_poll, fn)


@dataclass(frozen=True)
class Broken:
    """An upstream breaking ``rule``; ``caught_by``: the response rules the proxy must report."""

    name: str
    rule: str
    build: Callable[[], Any]
    caught_by: frozenset[str]
    documents: int = 2


BROKEN = (
    Broken("track-id-not-echoed", "Zuora-Track-Id echo",
           lambda: drop_response_header(mock_app(), "Zuora-Track-Id"), frozenset({"response.track-id-echo"})),
    Broken("request-id-missing", "Zuora-Request-Id on every response",
           lambda: drop_response_header(mock_app(), "Zuora-Request-Id"), frozenset({"response.missing-header"})),
    Broken("wrong-type-in-200", "POST 200 body schema (success as a string)",
           lambda: rewrite_post_response(mock_app(), _success_as_string), frozenset({"schema.type"})),
    Broken("non-zuora-error-body", "Zuora's error body on 4xx",
           lambda: non_zuora_errors(mock_app()), frozenset({"schema.required"})),
    Broken("zips-misnamed", "<fileName>_<n>.zip", lambda: rewrite_post_body(mock_app(), _shout_file_name),
           frozenset({"job.zip-names"})),
    Broken("1001-documents-per-zip", "one ZIP per 1,000 documents",
           lambda: mock_app(documents_per_zip=1001), frozenset({"job.zip-names"}), documents=1001),
    Broken("replay-creates-a-job", "Idempotency-Key replay", lambda: ignore_valid_idempotency_keys(mock_app()),
           frozenset({"idempotency.replay-job-id"})),
    Broken("accepts-an-invalid-request", "a 33-character fileName is rejected",
           lambda: rewrite_post_body(mock_app(), _truncate_file_name),
           frozenset({"response.accepted-invalid-request"})),
    Broken("status-moves-backwards", "status only moves forward", lambda: statuses_backwards(mock_app()),
           frozenset({"job.status-backwards"})),
    Broken("terminal-status-changes", "a terminal status is final", lambda: terminal_changes(mock_app()),
           frozenset({"job.terminal-changed"})),
)
