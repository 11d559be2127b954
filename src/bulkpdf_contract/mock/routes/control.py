"""The mock's own API under ``/_mock`` (not Zuora's): what the mock can do, and seeding its
document world. Same bearer auth as Zuora's endpoint, so a client configured for the mock
needs nothing else to seed it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..archive import INDEX_NAMES
from ..auth import authenticate
from ..body import parse_json, read_limited
from ..errors import ApiError, ErrorCategory, method_not_allowed
from ..responses import json_response
from ..state import MockState
from ..world import parse_documents

DOCUMENT_FIELDS = ["docType", "id", "pdfFileName", "hasPdf", "archived", "accountNumber", "documentNumber",
                   "exists", "pdfGenerationFails", "documentCreatedOn", "pdfFileCreatedOn"]
"""The fields of a seeded document, in the order capabilities lists them (the set of
:data:`~..world.FIELDS`)."""


async def capabilities(request: Request) -> Response:
    if request.method != "GET":
        raise method_not_allowed("GET")
    authenticate(request)
    state: MockState = request.app.state.mock
    settings = state.config.settings
    return json_response(request, 200, {
        "success": True,
        "seeding": True,
        "openWorld": state.world.open_world,
        "documentsPerZip": settings.documents_per_zip,
        "fileUrlTtlSeconds": settings.file_url_ttl,
        "indexFileNames": dict(INDEX_NAMES),
        "documentFields": DOCUMENT_FIELDS,
    })


async def documents(request: Request) -> Response:
    """``GET`` lists the seeded documents, ``POST`` adds or replaces some, ``DELETE`` removes some."""
    authenticate(request)
    state: MockState = request.app.state.mock
    world = state.world
    if request.method == "GET":
        return json_response(request, 200, {"success": True, "openWorld": world.open_world,
                                            "documents": world.listing()})
    if request.method not in ("POST", "DELETE"):
        raise method_not_allowed("GET, POST, DELETE")
    raw = await read_limited(request.stream(), request.headers.get("content-length"),
                             state.config.settings.max_body_bytes)
    if request.method == "POST":
        try:
            docs = parse_documents(parse_json(raw), "the request body")
        except ValueError as exc:
            raise ApiError(400, ErrorCategory.INVALID_VALUE, str(exc)) from None
        state.storage.put_documents([d.to_dict() for d in docs])
        world.seeded.update({d.id: d for d in docs})
        return json_response(request, 200, {"success": True, "seeded": len(docs)})
    ids = None
    if raw.strip():
        ids = parse_json(raw)
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, ErrorCategory.INVALID_VALUE,
                           "the request body must be a JSON list of document IDs (or empty to remove all)")
        ids = [i.lower() for i in ids]
    state.storage.delete_documents(ids)
    removed = len(world.seeded) if ids is None else sum(i in world.seeded for i in ids)
    if ids is None:
        world.seeded.clear()
    else:
        for i in ids:
            world.seeded.pop(i, None)
    return json_response(request, 200, {"success": True, "removed": removed})


ROUTES = [("/_mock/capabilities", capabilities), ("/_mock/documents", documents)]
