"""The document world: which billing documents exist, and what their PDFs are called.

Zuora answers from a tenant's real invoices and memos; the mock needs a stand-in. By default the
world is *open*: every well-formed objectId exists under the docType it is asked for, has a PDF,
and gets a deterministic document number, account number, timestamps and PDF file name derived
from the ID alone, so a client sees the same names every run. Seeded documents (a YAML file, the
Python argument or ``POST /_mock/documents``) override single IDs for precise scenarios: a
document without a PDF, an archived one, one under another docType, one whose PDF generation
fails, or one that does not exist. A world seeded through ``create_app(documents=...)`` is
*closed* unless told otherwise: IDs it does not list do not exist.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

DOC_TYPES = ("Invoice", "CreditMemo", "DebitMemo")
_NUMBER_PREFIX = {"Invoice": "INV", "CreditMemo": "CM", "DebitMemo": "DM"}
_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\<>:\"|?*]")
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_EPOCH_SECONDS = int(_EPOCH.timestamp())


class Document(NamedTuple):
    """One billing document as the world knows it (field names as in the YAML and over HTTP).

    A NamedTuple rather than a dataclass: the open world builds one per document of a job, and
    tuple construction is several times cheaper."""

    id: str
    docType: str = "Invoice"
    documentNumber: str = ""
    accountNumber: str = ""
    pdfFileName: str = ""
    hasPdf: bool = True
    archived: bool = False
    exists: bool = True
    pdfGenerationFails: bool = False
    documentCreatedOn: str = ""
    pdfFileCreatedOn: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


FIELDS = Document._fields
DEFAULT = object()  # World.lookup: "exists in the open world, with the default document"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_DAYS = [
    time.strftime("%Y-%m-%d", time.gmtime(_EPOCH_SECONDS + day * 86400)) for day in range(400)
]
_MINUTES = [f"T{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]
_SECONDS = [f"{s:02d}Z" for s in range(60)]


def _iso_seconds(seconds: int) -> str:
    """``_EPOCH + seconds`` as ISO-8601 UTC (seconds < 400 days), from tables: a job derives two
    per document, and three lookups cost less than formatting the numbers (or datetime)."""
    day, rest = divmod(seconds, 86400)
    minute, second = divmod(rest, 60)
    return _DAYS[day] + _MINUTES[minute] + _SECONDS[second]


def default_document(object_id: str, doc_type: str) -> Document:
    """The open world's document for an ID: everything derived from the ID, stable across runs."""
    key = object_id.lower()
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    number = _NUMBER_PREFIX.get(doc_type, "DOC") + key.upper()
    account = "A%08d" % ((digest >> 32) % 10**8)
    created = (digest & 0xFFFFFFFF) % (365 * 86400)
    return Document(
        key, doc_type, number, account, f"{number}_{account}.pdf", True, False, True, False,
        _iso_seconds(created), _iso_seconds(created + 60 * ((digest >> 56) + 1)),
    )


def parse_document(raw: Any, where: str = "document") -> Document:
    """A :class:`Document` from a YAML/JSON mapping, or ValueError saying what is wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected a mapping with at least 'id', got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}; allowed: {', '.join(FIELDS)}")
    object_id = raw.get("id")
    if not isinstance(object_id, str) or not _ID.match(object_id):
        raise ValueError(f"{where}: 'id' must be a Zuora object ID of 32 hexadecimal characters, got {object_id!r}")
    doc_type = raw.get("docType", "Invoice")
    if doc_type not in DOC_TYPES:
        raise ValueError(f"{where}: 'docType' must be one of {', '.join(DOC_TYPES)}, got {doc_type!r}")
    for name in ("hasPdf", "archived", "exists", "pdfGenerationFails"):
        if name in raw and not isinstance(raw[name], bool):
            raise ValueError(f"{where}: {name!r} must be true or false, got {raw[name]!r}")
    for name in ("documentNumber", "accountNumber", "pdfFileName", "documentCreatedOn", "pdfFileCreatedOn"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            raise ValueError(f"{where}: {name!r} must be a string of at most 255 characters")
    base = default_document(object_id, doc_type)
    values = {k: v for k, v in raw.items() if v is not None}
    values["id"] = object_id.lower()
    doc = Document(**{**base.to_dict(), **values})
    name = doc.pdfFileName
    if (
        _UNSAFE_NAME.search(name)
        or name.strip(". ") == ""
        or not name.lower().endswith(".pdf")
        or name != name.strip()
    ):
        raise ValueError(
            f"{where}: 'pdfFileName' {name!r} must be a plain file name ending in .pdf, without "
            "path separators, control characters or any of < > : \" | ? *"
        )
    return doc


def parse_documents(raw: Any, where: str = "documents") -> list[Document]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of documents, got {type(raw).__name__}")
    return [parse_document(item, f"{where}[{i}]") for i, item in enumerate(raw)]


def load_documents(source: Any) -> tuple[list[Document], bool | None]:
    """Documents and the world's openness from a path (YAML/JSON), a list of dicts, or a mapping.

    A file may hold a list of documents, or ``{openWorld: bool, documents: [...]}``.
    """
    entries, open_world, where = read_documents(source)
    return parse_documents(entries, where), open_world


def read_documents(source: Any) -> tuple[Any, bool | None, str]:
    """The document entries of :func:`load_documents`' ``source`` as written (unparsed, so a
    reader can tell a field given from one filled in), the world's openness, and where they are
    from (for messages)."""
    where = "documents"
    if isinstance(source, (str, Path)):
        where = str(source)
        source = read_data_file(Path(source), "documents", _yaml_loader())
    open_world = None
    if isinstance(source, Mapping):
        unknown = sorted(set(source) - {"documents", "openWorld"})
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: documents, openWorld")
        open_world = source.get("openWorld")
        if open_world is not None and not isinstance(open_world, bool):
            raise ValueError(f"{where}: 'openWorld' must be true or false")
        source = source.get("documents", [])
    return source, open_world, where


def read_data_file(path: Path, what: str, loader: Any = None) -> Any:
    """The data of a YAML (or JSON) file, read with ``loader`` (default: PyYAML's safe one);
    ValueError naming the file when it cannot be read or parsed. (PyYAML is imported here: the
    job process never reads files.)"""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the {what} file {path}: {exc}") from None
    import yaml

    try:
        return yaml.load(text, Loader=loader or yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path} is not valid YAML: {exc}") from None


def _yaml_loader():
    """A safe loader that keeps numbers as strings: an all-digit object ID such as 000...01 must
    not become the int 1. (PyYAML is imported here: the job process never needs it.)"""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


class World:
    """Seeded documents over the default world. ``lookup`` is a dict access per ID."""

    def __init__(self, configured: Iterable[Document] = (), open_world: bool = True):
        self.configured = {d.id: d for d in configured}
        self.seeded: dict[str, Document] = {}
        self.open_world = open_world

    def lookup(self, object_id: str, doc_type: str) -> Any:
        """The seeded document with this ID and docType, ``DEFAULT`` for an open-world document
        (built only when needed, by :func:`default_document`), or None when it does not exist."""
        key = object_id.lower()
        doc = self.seeded.get(key) or self.configured.get(key)
        if doc is None:
            return DEFAULT if self.open_world else None
        if not doc.exists or doc.docType != doc_type:
            return None
        return doc

    def get(self, object_id: str, doc_type: str) -> Document | None:
        """The document with this ID and docType, or None when it does not exist."""
        doc = self.lookup(object_id, doc_type)
        return default_document(object_id, doc_type) if doc is DEFAULT else doc

    def is_seeded(self, object_id: str) -> bool:
        key = object_id.lower()
        return key in self.seeded or key in self.configured

    def listing(self) -> list[dict[str, Any]]:
        merged = {**self.configured, **self.seeded}
        return [d.to_dict() for d in merged.values()]
