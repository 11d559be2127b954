"""Helpers for the mock server's tests: the same test talks to the app in-process (httpx's
ASGITransport, no lifespan) and over real HTTP (uvicorn on 127.0.0.1, a free port)."""

from __future__ import annotations

import functools
import io
import time
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx
from anyio.from_thread import start_blocking_portal

from bulkpdf_contract.mock import DEFAULT_TOKEN, create_app, start_server
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FINAL = load_contract().terminal_statuses
FROZEN_AT = 2_000_000_000.0
"""Where tests freeze the mock's clock: 2033-05-18 03:33:20 UTC, years from the real time, so a
rule that read the system clock instead would show."""


def seed_request() -> dict[str, Any]:
    return load_contract().request_examples()["seed"]


def ids(n: int, start: int = 1) -> list[str]:
    return [f"{i:032x}" for i in range(start, start + n)]


def job_row(job_id: str, documents: list[tuple[str, str]], **values: Any) -> dict[str, Any]:
    """A submitted job as the server stores it (for ``Storage.insert_job``); ``values`` replace columns."""
    return {"id": job_id, "tenant": "t", "name": None, "file_name": "f", "index_format": "JSON",
            "generate_missing": 0, "ignore_archived": 0, "persist_index": 0, "status": "Submitted",
            "step_status": "JobCreated", "created_on": FROZEN_AT, "created_by": "u", "documents": documents,
            **values}


class AsgiClient:
    """httpx.AsyncClient over ASGITransport, driven from sync tests through a blocking portal."""

    def __init__(self, app):
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = self._portal.call(
            lambda: _make_async_client(app)
        )

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        return self._portal.call(functools.partial(self._client.request, method, url, **kwargs))

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


async def _make_async_client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test")


@dataclass
class Api:
    """One running mock and a client for it."""

    kind: str
    app: Any
    client: Any
    server: Any = None
    closed: bool = False

    @property
    def state(self):
        return self.app.state.mock

    def post_job(self, body=None, headers=None, **kwargs) -> httpx.Response:
        return self.client.post(COLLECTION_PATH, json=seed_request() if body is None else body,
                                headers={**AUTH, **(headers or {})}, **kwargs)

    def get_job(self, job_id: str, headers=None) -> httpx.Response:
        return self.client.get(f"{COLLECTION_PATH}/{job_id}", headers={**AUTH, **(headers or {})})

    def wait(self, job_id: str, timeout: float = 20.0, headers=None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.get_job(job_id, headers)
            assert response.status_code == 200, response.text
            job = response.json()
            if job["status"] in FINAL:
                return job
            assert time.monotonic() < deadline, f"job still {job['status']}/{job['stepStatus']}"
            time.sleep(0.01)

    def status(self, job_id: str) -> tuple[str, str]:
        job = self.get_job(job_id).json()
        return job["status"], job["stepStatus"]

    def step_through(self, job_id: str, clock, seconds: float, timeout: float = 20.0) -> list[tuple[str, str]]:
        """Run a job that pauses ``seconds`` (``job_delay``) on a frozen ``clock`` shared with its
        runner threads, one pause at a time: once the job waits on the clock (and is seen not to
        move), advance it. Returns ``(status, stepStatus)`` at each pause, then the final one."""
        seen = [self.status(job_id)]
        while seen[-1][0] not in FINAL:
            assert clock.wait_for_sleepers(1), f"the job never paused at {seen[-1]}"
            assert self.status(job_id) == seen[-1]  # held: nothing moves while the clock stands still
            clock.advance(seconds)
            deadline = time.monotonic() + timeout
            while (now := self.status(job_id)) == seen[-1]:
                assert time.monotonic() < deadline, f"the job did not move on from {now}"
                time.sleep(0.01)
            seen.append(now)
        return seen

    def download(self, url: str) -> httpx.Response:
        if self.kind == "asgi":
            return self.client.get(url)
        return httpx.get(url)

    def zips(self, job: dict[str, Any]) -> list[zipfile.ZipFile]:
        out = []
        for url in job["fileUrls"]:
            response = self.download(url)
            assert response.status_code == 200, response.text
            out.append(zipfile.ZipFile(io.BytesIO(response.content)))
        return out

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.kind == "asgi":
            self.client.close()
            self.state.close()
        else:
            self.client.close()
            self.server.stop()


def open_api(kind: str, **kwargs) -> Api:
    if kind == "asgi":
        app = create_app(**kwargs)
        return Api("asgi", app, AsgiClient(app))
    server = start_server(**kwargs)
    return Api("http", server.app, httpx.Client(base_url=server.url, timeout=30), server)


def make_api_fixture(request, tmp_path):
    """``make_api(**create_app_kwargs)``; data_dir defaults to a per-test directory."""
    opened = []

    def make(**kwargs) -> Api:
        kwargs.setdefault("data_dir", tmp_path / f"data{len(opened)}")
        kwargs.setdefault("job_process", False)  # thread jobs start instantly; job-process tests opt in
        api = open_api(request.param, **kwargs)
        opened.append(api)
        return api

    yield make
    for api in opened:
        api.close()


