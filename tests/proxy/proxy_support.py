"""Helpers for the proxy's tests: a mock (or any ASGI app) upstream with a proxy in front, a
scripted conversation of valid and invalid requests through it, and small upstreams that record
what reached them."""

from __future__ import annotations

import contextlib
import gzip
import json
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import orjson

from bulkpdf_contract.mock import create_app, run_server
from bulkpdf_contract.mock.server import serve_app
from bulkpdf_contract.proxy import RunningProxy, run_proxy
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

TOKEN = "proxy-test-token"
CONTRACT = load_contract()
SEED = CONTRACT.request_examples()["seed"]
TERMINAL = CONTRACT.terminal_statuses


def ids(n: int, start: int = 1) -> list[str]:
    return [f"{i:032x}" for i in range(start, start + n)]


def body(n: int = 2, **fields: Any) -> dict[str, Any]:
    """A valid request for ``n`` documents (the seed's flags)."""
    return {"documents": [{"docType": "Invoice", "objectIds": ids(n)}], "fileName": "jan",
            "indexFileFormat": "JSON", **fields}


def mock_app(**settings: Any):
    settings.setdefault("job_process", False)
    return create_app(token=TOKEN, **settings)


@contextlib.contextmanager
def proxied(app: Any = None, **proxy_settings: Any) -> Iterator[tuple[Any, RunningProxy]]:
    """An upstream (``app``, default a faithful mock) on 127.0.0.1 and a proxy in front of it."""
    with run_server(app if app is not None else mock_app()) as server:
        with run_proxy(server.url, **proxy_settings) as proxy:
            yield server, proxy


@dataclass
class Conversation:
    """What a scripted client did through the proxy: step label -> exchange ids."""

    proxy: RunningProxy
    client: httpx.Client
    steps: dict[str, list[int]] = field(default_factory=dict)
    job_id: str | None = None
    job: dict | None = None  # its last poll

    def step(self, label: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        before = self.proxy.stats().exchanges
        response = self.client.request(method, path, **kwargs)
        after = self.proxy.stats().exchanges
        self.steps.setdefault(label, []).extend(range(before + 1, after + 1))
        return response

    def wait(self, label: str, job_id: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            poll = self.step(label, "GET", f"{COLLECTION_PATH}/{job_id}")
            job = poll.json()
            if poll.status_code != 200 or job.get("status") in TERMINAL:
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job.get('status')}"
            time.sleep(0.02)

    def label_of(self, exchange: int) -> str:
        return next(label for label, found in self.steps.items() if exchange in found)


def converse(proxy: RunningProxy, documents: int = 2, file_name: str = "jan") -> Conversation:
    """Valid and invalid requests through ``proxy``: create (with a key and a track id), replay,
    poll to the end, and the usual mistakes (each under its own label)."""
    client = httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    talk = Conversation(proxy, client)
    created = talk.step("create", "POST", COLLECTION_PATH, json=body(documents, fileName=file_name),
                        headers={"Idempotency-Key": "key-1", "Zuora-Track-Id": "run-1"})
    job_id = talk.job_id = created.json().get("jobId")
    talk.step("replay", "POST", COLLECTION_PATH, json=body(documents, fileName=file_name),
              headers={"Idempotency-Key": "key-1"})
    if job_id:
        talk.job = talk.wait("poll", job_id)
        talk.step("poll-again", "GET", f"{COLLECTION_PATH}/{job_id}", headers={"Accept-Encoding": "gzip"})
    talk.step("gzip-request", "POST", COLLECTION_PATH, content=gzip.compress(orjson.dumps(body(1))),
              headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    talk.step("long-file-name", "POST", COLLECTION_PATH, json=body(1, fileName="x" * 33))
    talk.step("bad-track-id", "POST", COLLECTION_PATH, json=body(1), headers={"Zuora-Track-Id": "a:b"})
    talk.step("not-json", "POST", COLLECTION_PATH, content=b"{oops", headers={"Content-Type": "application/json"})
    talk.step("many-bad-ids", "POST", COLLECTION_PATH, json={**body(1), "documents": [
        {"docType": "Invoice", "objectIds": [f"bad-{i}" for i in range(150)]}]}, headers={"Accept-Encoding": "gzip"})
    talk.step("unknown-job", "GET", f"{COLLECTION_PATH}/{'f' * 32}")
    talk.step("wrong-token", "POST", COLLECTION_PATH, json=body(1), headers={"Authorization": "Bearer nope"})
    talk.step("put", "PUT", COLLECTION_PATH, json=body(1))
    talk.step("key-on-get", "GET", f"{COLLECTION_PATH}/{'f' * 32}", headers={"Idempotency-Key": "k"})
    client.close()
    return talk


EXPECTED_REQUEST_RULES = {
    ("long-file-name", "schema.maxLength"),
    ("bad-track-id", "charset.forbidden-character"),
    ("not-json", "request.not-json"),
    ("many-bad-ids", "schema.pattern"),
    ("many-bad-ids", "findings.truncated"),
    ("put", "request.method"),
    ("key-on-get", "idempotency-key.method"),
}
"""What the conversation's client does wrong: (step, rule)."""


def by_label(talk: Conversation, violations, direction: str) -> set[tuple[str, str]]:
    return {(talk.label_of(v.exchange), v.rule) for v in violations if v.direction == direction}


# -- upstreams that record what reached them ---------------------------------------------------
@dataclass
class Recording:
    """A tiny upstream: answers each request with ``answer`` and keeps what it received."""

    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=lambda: [(b"content-type", b"application/json")])
    body: bytes = b"{}"
    by_path: dict[str, bytes] = field(default_factory=dict)  # other bodies for some paths
    received: list[dict] = field(default_factory=list)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        self.received.append({"method": scope["method"], "path": scope["path"], "headers": scope["headers"],
                              "body": b"".join(chunks)})
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.by_path.get(scope["path"], self.body)})


@contextlib.contextmanager
def upstream(app: Any, **config: Any) -> Iterator[str]:
    server = serve_app(app, name="proxy-test-upstream", **config)
    try:
        yield server.url
    finally:
        server.stop()


def har_entries(path) -> list[dict]:
    return json.loads(open(path, encoding="utf-8").read())["log"]["entries"]
