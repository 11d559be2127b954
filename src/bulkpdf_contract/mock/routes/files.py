"""The download URLs in ``fileUrls``: the mock's stand-in for S3 pre-signed URLs.

Like S3's, they need no bearer token (the client hands them to any HTTP tool), carry a random
256-bit token in the path, expire ``file_url_ttl`` seconds (on the mock's clock) after the job
finished, are never regenerated, and answer errors with S3's XML body rather than Zuora's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..journal import note
from ..responses import s3_error
from ..state import MockState

FILES_PREFIX = "/_mock/files"


def file_url(base_url: str, file: dict[str, Any]) -> str:
    """The URL of one ZIP: its token, then its name percent-encoded as the last segment."""
    return f"{base_url}{FILES_PREFIX}/{file['token']}/{quote(file['name'], safe='')}"


async def download(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    state: MockState = request.app.state.mock
    record = state.storage.file_by_token(request.path_params["token"])
    if record is None or record["name"] != request.path_params["name"]:
        return s3_error(403, "AccessDenied", "Access Denied")
    note(request.scope, job=record["job_id"])
    if state.clock.now() >= record["expires_at"]:
        return s3_error(403, "AccessDenied", "Request has expired")
    path = state.data_dir / record["path"]
    if not path.is_file():
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    return FileResponse(path, media_type="application/zip", filename=record["name"])


ROUTES = [(FILES_PREFIX + "/{token}/{name:path}", download)]
