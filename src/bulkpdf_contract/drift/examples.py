"""Facts that Zuora's file states only in its examples: the lifetime of the download URLs.

The fragment's ``x-bulkpdf-file-url-lifetime-seconds`` has no schema counterpart; Zuora's GET
sample carries it as the ``X-Amz-Expires`` of its pre-signed S3 URLs.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..spec import COLLECTION_PATH, JOB_PATH
from .document import Node
from .model import Comparison
from .operations import operations_of, shape

EXPIRES = re.compile(r"[?&]X-Amz-Expires=(\d+)")
LIFETIME = "x-bulkpdf-file-url-lifetime-seconds"


def _strings(node: Node | None, depth: int = 0) -> Iterator[Node]:
    if node is None or depth > 16:
        return
    if isinstance(node.value, str):
        yield node
    for _, child in node.items():
        yield from _strings(child, depth + 1)
    for child in node.elements():
        yield from _strings(child, depth + 1)


def compare_url_lifetime(cmp: Comparison) -> None:
    """The fragment's URL lifetime against the first ``X-Amz-Expires`` of Zuora's GET examples."""
    ours = cmp.ours.root.child("paths", COLLECTION_PATH, "post", LIFETIME)
    poll_id = cmp.ours.root.child("paths", JOB_PATH, "get", "operationId")
    theirs = next((op for (path, method), op in operations_of(cmp.theirs).items() if method == "get" and (
        shape(path) == shape(JOB_PATH) or (poll_id and op.get("operationId") == poll_id.value))), None)
    if ours is None or theirs is None:
        return
    media = cmp.theirs.deref(theirs.child("responses", "200"))
    for text in _strings(media.child("content") if media else None):
        found = EXPIRES.search(text.value)
        if found:
            seconds = int(found.group(1))
            if seconds != ours.value:
                cmp.add(ours.pointer, text.pointer, "changed",
                        f"download URLs: they expire after {ours.value} s ({ours.value / 3600:g} h) here; "
                        f"Zuora's sample URLs say X-Amz-Expires={seconds} (about {seconds / 3600:.0f} h).")
            return

