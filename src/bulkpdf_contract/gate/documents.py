"""Where the object IDs of the requests that must be accepted come from.

A real tenant (and a closed-world mock) refuses IDs it does not hold, so a request the gate means
to be accepted must name documents that exist there: the documents of ``--documents FILE`` (the
mock's documents-file format, read by :func:`~bulkpdf_contract.mock.world.read_documents`), the
documents the gate seeded on a server that seeds, or, on an open-world server, any well-formed ID.
:class:`DocumentPool` is that choice; requests take their documents from it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..mock.world import parse_documents, read_documents

_WELL_FORMED = re.compile(r"[0-9a-fA-F]{32}")
KNOWN_FIELDS = ("pdfFileName", "accountNumber", "documentNumber")
"""Fields a file may give that the server's ZIPs and index must then show."""


@dataclass(frozen=True)
class TargetDocument:
    """A document the target holds: its ID and docType, whether it has a PDF and is archived (as
    the file marks it; unmarked: a PDF, not archived), and the :data:`KNOWN_FIELDS` the file gives."""

    id: str
    doc_type: str = "Invoice"
    has_pdf: bool = True
    archived: bool = False
    known: dict[str, str] = field(default_factory=dict)

    @property
    def normal(self) -> bool:
        return self.has_pdf and not self.archived

    def as_known(self) -> dict[str, Any]:
        """What the gate may expect of this document in a ZIP and its index."""
        return {"docType": self.doc_type, "id": self.id, **self.known}


def load_target_documents(path: str | Path) -> list[TargetDocument]:
    """The documents of a documents file that exist (``exists: false`` entries are left out); a
    ValueError says what is wrong with the file."""
    entries, _, where = read_documents(Path(path))
    parsed = parse_documents(entries, where)
    found: dict[str, TargetDocument] = {}
    for entry, doc in zip(entries, parsed):
        if doc.exists:
            known = {name: entry[name] for name in KNOWN_FIELDS if entry.get(name) is not None}
            found[doc.id] = TargetDocument(doc.id, doc.docType, doc.hasPdf, doc.archived, known)
    if not found:
        raise ValueError(f"{where}: lists no document that exists")
    return list(found.values())


def object_ids(seed: str, count: int) -> list[str]:
    """``count`` distinct, well-formed object IDs derived from ``seed`` (fresh per gate run)."""
    return [hashlib.blake2b(f"{seed}/{i}".encode(), digest_size=16).hexdigest() for i in range(count)]


@dataclass
class DocumentPool:
    """The documents accepted requests name. ``documents`` None: any well-formed ID (an open
    world; ``exists`` says whether the target is known to be one); else exactly these."""

    seed: str
    documents: list[TargetDocument] | None = None
    exists: bool = True

    @property
    def finite(self) -> bool:
        return self.documents is not None

    def _kind(self, keep) -> list[TargetDocument]:
        return [d for d in self.documents or () if keep(d)]

    @property
    def normal(self) -> list[TargetDocument]:
        return self._kind(lambda d: d.normal)

    @property
    def archived(self) -> list[TargetDocument]:
        """Archived documents with a PDF (a job without ignoreArchivedFiles fails on them)."""
        return self._kind(lambda d: d.archived and d.has_pdf)

    @property
    def without_pdf(self) -> list[TargetDocument]:
        return self._kind(lambda d: not d.has_pdf and not d.archived)

    def take(self, label: str, count: int) -> list[TargetDocument]:
        """``count`` distinct documents with a PDF (fewer when the pool holds fewer), the same for
        the same label within a run."""
        if self.documents is None:
            return [TargetDocument(i) for i in object_ids(f"{self.seed}/{label}", count)]
        normal = self.normal
        if not normal:
            return []
        start = int(hashlib.blake2b(label.encode(), digest_size=4).hexdigest(), 16) % len(normal)
        rotated = normal[start:] + normal[:start]
        return rotated[:count]


def groups(documents: list[TargetDocument]) -> list[dict[str, Any]]:
    """The ``documents`` field of a request naming these documents: one group per docType, in
    the order the types first appear."""
    grouped: dict[str, list[str]] = {}
    for doc in documents:
        grouped.setdefault(doc.doc_type, []).append(doc.id)
    return [{"docType": doc_type, "objectIds": ids} for doc_type, ids in grouped.items()]


def with_pool_documents(body: Any, pool: DocumentPool, label: str) -> Any:
    """``body`` with each of its well-formed object IDs replaced by a document of ``pool`` (a
    request must be accepted or refused for what it is about, not for IDs the target does not
    hold): the same ID (in any case) by the same document, preferring one of the group's docType;
    the groups, their types and any repetition stay as they were. Returned as it is when the pool
    is open (it holds every well-formed ID), the body names no documents or a malformed ID, or it
    names more distinct IDs than the pool holds (a case about too many IDs stays one)."""
    if not pool.finite or not isinstance(body, dict) or not isinstance(body.get("documents"), list):
        return body
    found: dict[str, str] = {}  # lower-cased ID -> the docType of its first group
    for group in body["documents"]:
        ids = group.get("objectIds") if isinstance(group, dict) else None
        if not isinstance(ids, list):
            return body
        for object_id in ids:
            if not isinstance(object_id, str) or not _WELL_FORMED.fullmatch(object_id):
                return body
            found.setdefault(object_id.lower(), str(group.get("docType")))
    available = pool.take(label, len(pool.normal))
    if not found or len(found) > len(available):
        return body
    chosen: dict[str, str] = {}
    for object_id, doc_type in found.items():
        doc = next((d for d in available if d.doc_type == doc_type), available[0])
        available.remove(doc)
        chosen[object_id] = doc.id
    documents = [{**group, "objectIds": [chosen[i.lower()] for i in group["objectIds"]]} for group in body["documents"]]
    return {**body, "documents": documents}
