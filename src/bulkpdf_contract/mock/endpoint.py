"""How a route handler becomes an ASGI endpoint whose every failure is Zuora's error body.

Each route accepts every method (its handler answers 405 itself, with Zuora's body and
``Allow``, instead of Starlette's plain-text 405), starts the mock on first use (in-process
clients run no lifespan), and turns :class:`~.errors.ApiError` into its answer and anything
unexpected into Zuora's 500 body, logged, never a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Awaitable, Callable

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .errors import ApiError, ErrorCategory
from .responses import error_payload, json_response, server_error
from .state import MockState

log = logging.getLogger("bulkpdf_contract.mock")

Handler = Callable[[Request], Awaitable[Response]]


class endpoint:
    """An ASGI endpoint for every method around ``handler``."""

    def __init__(self, handler: Handler):
        self.handler = handler

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        state: MockState = request.app.state.mock
        try:
            if not state.started:
                await anyio.to_thread.run_sync(state.ensure_started)
            return await self.handler(request)
        except ApiError as exc:
            return json_response(request, exc.status, {**error_payload(request, exc.reasons), **exc.extra}, exc.headers)
        except ClientDisconnect:  # the client left mid-request: nothing was done, nobody to answer
            log.info("%s %s: the client disconnected before its request was complete",
                     request.method, request.url.path)
            return json_response(request, 400, error_payload(request, [(
                ErrorCategory.MALFORMED_JSON, "the client disconnected before the request body was complete")]))
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            log.error("%s %s: storage failure: %s", request.method, request.url.path, exc)
            return server_error(request, f"the mock server could not use its data directory ({exc})")
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return server_error(request)


async def not_found(request: Request) -> Response:
    """Any path no route serves."""
    raise ApiError(404, ErrorCategory.NOT_FOUND, f"no resource at {request.url.path}")
