"""``create_app``: the mock server assembled from its settings, state, routes and outer layer.

Starlette, because the mock needs exactly what it offers and nothing it would fight: routing,
a request object, streamed file responses with range support, lifespan hooks, and an ASGI app
that httpx can call in-process and uvicorn can serve. The README describes what the server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from ..spec import COLLECTION_PATH, JOB_PATH
from .auth import DEFAULT_TOKEN
from .config import MockSettings, resolve
from .endpoint import endpoint, not_found
from .middleware import MockApp
from .routes import bulk_pdf, control, files, harness, oauth
from .state import MockState
from .world import World, load_documents

log = logging.getLogger("bulkpdf_contract.mock")

__all__ = ["MockApp", "create_app"]


def create_app(
    data_dir: str | Path | None = None,
    token: str | Collection[str] | None = DEFAULT_TOKEN,
    documents: Any = None,
    **settings: Any,
) -> MockApp:
    """The mock server as an ASGI app.

    ``data_dir`` None: a fresh temporary directory, deleted at shutdown. ``token``: the accepted
    static bearer token, a collection of them (one tenant each; empty: none, only the tokens
    ``POST /oauth/token`` issues to the ``clients`` setting), or None to accept any non-empty token.
    ``documents``: None (open default world), a list of document dicts, or a YAML/JSON file path;
    given documents make the world closed unless ``open_world=True``. The keyword ``settings``
    are :class:`~.config.MockSettings` (``job_delay``, ``clock``, ``rate_limit``, ...); an
    unknown one is a TypeError.
    """
    options = MockSettings.from_keywords("create_app", settings)
    configured, file_open_world = load_documents(documents) if documents is not None else ([], None)
    config = resolve(
        options, data_dir=data_dir, token=token,
        default_open_world=file_open_world if file_open_world is not None else documents is None,
    )
    state = MockState(config, World(configured, open_world=config.settings.open_world))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            await anyio.to_thread.run_sync(state.ensure_started)
        except Exception as exc:  # requests will answer 500 with the reason; do not crash the server
            log.error("bulkpdf mock could not start: %s", exc)
        commits, runner = state.commits, state.runner
        reads = getattr(runner, "read_on_loop", None)  # the job process's, not in-process threads
        if commits is not None:  # the job process's progress is read and committed on this loop
            commits.take_over(asyncio.get_running_loop())
            if reads is not None:
                await reads()
        yield
        if commits is not None:
            if reads is not None:
                runner.read_in_thread()
            commits.give_back()
        await anyio.to_thread.run_sync(state.close)

    endpoints = {path: endpoint(handler) for path, handler in (
        *bulk_pdf.ROUTES, *oauth.ROUTES, *control.ROUTES, *harness.ROUTES, *files.ROUTES, ("/{path:path}", not_found))}
    app = Starlette(routes=[Route(path, answer, methods=None) for path, answer in endpoints.items()], lifespan=lifespan)
    app.state.mock = state
    return MockApp(app, state, ZuoraRoutes(app, endpoints[COLLECTION_PATH], endpoints[JOB_PATH]))


class ZuoraRoutes:
    """The two Zuora routes straight to their endpoints, everything else through Starlette.

    Every request to the mock passes here: the endpoints already turn every failure into
    Zuora's body, so Starlette's error and exception layers and its route search would only
    add their cost (a tenth of a POST's) to the requests clients send most. A path Starlette
    would route differently (a ``root_path``, a job ID with a slash) goes to Starlette.
    """

    def __init__(self, app: Starlette, collection: ASGIApp, job: ASGIApp):
        self.app, self.collection, self.job = app, collection, job
        self._job_prefix = JOB_PATH.partition("{")[0]

    async def __call__(self, scope, receive, send) -> None:
        path = scope["path"]
        if not scope.get("root_path"):
            if path == COLLECTION_PATH:
                scope["path_params"] = {}
                return await self.collection(scope, receive, send)
            if path.startswith(self._job_prefix):
                job_id = path[len(self._job_prefix):]
                if job_id and "/" not in job_id:
                    scope["path_params"] = {"jobId": job_id}
                    return await self.job(scope, receive, send)
        await self.app(scope, receive, send)
