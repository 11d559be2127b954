"""Builders of exchanges for the exchange and conversation tests: a POST that creates a job, a
poll of it, each an :class:`Exchange` as the proxy or a HAR file would give it."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
from validators_support import REQUEST_ID, SEED

from bulkpdf_contract.spec import COLLECTION_PATH
from bulkpdf_contract.validators.exchanges import Body, Exchange

_IDS = itertools.count(1)
JSON = ("content-type", "application/json")


def auth(token: str = "t1") -> tuple[str, str]:
    return ("authorization", f"Bearer {token}")


def exchange(method: str, path: str, request: Any = None, status: int | None = 200, answer: Any = None, *,
             headers: tuple = (), response_headers: tuple = (), started: float = 0.0, finished: float | None = None,
             token: str = "t1", raw_request: bytes | None = None) -> Exchange:
    data = raw_request if raw_request is not None else (None if request is None else orjson.dumps(request))
    return Exchange(
        id=next(_IDS), method=method, path=path,
        request_headers=(auth(token), JSON, *headers) if token else (JSON, *headers),
        request_body=Body(data, len(data or b"")), status=status,
        response_headers=(("zuora-request-id", REQUEST_ID["Zuora-Request-Id"]), *response_headers),
        response_body=Body(None if answer is None else orjson.dumps(answer), 0),
        started=started, finished=started + 0.1 if finished is None else finished,
    )


def create(job_id: str, *, key: str | None = None, request: dict | None = None, invalid: list | None = None,
           status: int = 200, headers: tuple = (), **kwargs: Any) -> Exchange:
    headers = ((("idempotency-key", key),) if key else ()) + headers
    answer = ({"jobId": job_id, "invalidIds": invalid or [], "success": True} if status == 200 else
              {"success": False, "reasons": [{"code": "51580020", "message": "no usable ID"}]})
    return exchange("POST", COLLECTION_PATH, request or SEED, status, answer, headers=headers, **kwargs)


def poll(job_id: str, status: str, *, urls: list | str | None = None, skipped: int = 0, failed: int = 0,
         **kwargs: Any) -> Exchange:
    def groups(n: int) -> list:
        return [{"docType": "Invoice", "objectIds": [f"{i:032x}" for i in range(n)]}] if n else []

    answer = {"jobId": job_id, "status": status, "success": True, "fileUrls": urls if urls is not None else [],
              "skippedDocuments": groups(skipped), "failedDocuments": groups(failed)}
    return exchange("GET", f"{COLLECTION_PATH}/{job_id}", None, 200, answer, **kwargs)


def zip_urls(*names: str) -> list[str]:
    return [f"https://s3.example/bucket/{name}?X-Amz-Expires=86400" for name in names]
