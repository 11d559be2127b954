"""Reading a spec file: JSON with orjson, YAML through a cache of its JSON form.

Every command starts by loading the fragment, and ``bulkpdf lint`` in a pre-commit hook starts
on every commit: importing PyYAML and parsing the YAML costs ~20 ms there, reading the same data
as JSON well under 1 ms. So a YAML file's data is kept as JSON in the user's cache directory
(``$BULKPDF_CACHE_DIR``, else ``$XDG_CACHE_HOME/bulkpdf-contract``, else
``~/.cache/bulkpdf-contract``), together with the exact text it was parsed from: an entry is
used only when that text equals the file's, so an edited fragment is never a stale hit (the
entry's name, a CRC of the text, only spreads entries; ``hashlib`` alone would cost ~9 ms of
OpenSSL start-up). A cache that cannot be read or written is skipped silently (the YAML is
parsed, as without one), and data JSON cannot carry unchanged (non-string keys, dates) is never
cached. Like the package itself, the cache is the user's own; it is not a trust boundary.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # pathlib only for annotations: the loader works with os.path (pathlib is ~3 ms of a start)
    from pathlib import Path


SPEC_FILE = "bulk-pdf.yaml"
SHIPPED_SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), SPEC_FILE)
CACHE_FORMAT = "bulkpdf-spec-cache/1"


def spec_path() -> Path:
    """Path of the shipped fragment (for schemathesis and other file-based tools)."""
    from pathlib import Path  # here: the loader itself needs only os.path (pathlib is ~3 ms of a start)

    return Path(SHIPPED_SPEC)


def cache_dir() -> str | None:
    """Where the cache lives; None when there is nowhere (no home directory, e.g. some sandboxes)."""
    explicit = os.environ.get("BULKPDF_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # neither $HOME nor a password-database entry
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "bulkpdf-contract")


def load_spec_file(path: str | os.PathLike) -> dict[str, Any]:
    """The data of a JSON or YAML spec file."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if os.fspath(path).endswith(".json"):
        return orjson.loads(raw)
    text = raw.decode("utf-8")
    directory = cache_dir()
    if directory is None:
        return _parse_yaml(text)
    entry = os.path.join(directory, f"spec-{zlib.crc32(raw):08x}-{len(raw)}.json")
    with contextlib.suppress(OSError, orjson.JSONDecodeError, TypeError, KeyError):
        with open(entry, "rb") as handle:
            cached = orjson.loads(handle.read())
        if cached["format"] == CACHE_FORMAT and cached["source"] == text:
            return cached["data"]
    data = _parse_yaml(text)
    _store(entry, {"format": CACHE_FORMAT, "source": text, "data": data})
    return data


def _parse_yaml(text: str) -> Any:
    import yaml  # only on a cache miss: that is the point of the cache

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _store(target: str, entry: dict[str, Any]) -> None:
    try:
        encoded = orjson.dumps(entry)
    except TypeError:  # a value JSON has no form for (e.g. a YAML date)
        return
    if orjson.loads(encoded) != entry:  # e.g. integer keys, which JSON would turn into strings
        return
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        os.makedirs(directory, exist_ok=True)
        try:
            with open(temporary, "wb") as handle:
                handle.write(encoded)
            os.replace(temporary, target)  # atomic: a concurrent reader sees all or nothing
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
