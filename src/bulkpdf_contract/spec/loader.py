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
from pathlib import Path
from typing import Any

import orjson

SPEC_FILE = "bulk-pdf.yaml"
CACHE_FORMAT = "bulkpdf-spec-cache/1"


def spec_path() -> Path:
    """Path of the shipped fragment (for schemathesis and other file-based tools)."""
    return Path(__file__).with_name(SPEC_FILE)


def cache_dir() -> Path | None:
    """Where the cache lives; None when there is nowhere (no home directory, e.g. some sandboxes)."""
    explicit = os.environ.get("BULKPDF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (RuntimeError, KeyError):
        return None
    return Path(base) / "bulkpdf-contract"


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """The data of a JSON or YAML spec file."""
    raw = Path(path).read_bytes()
    if str(path).endswith(".json"):
        return orjson.loads(raw)
    text = raw.decode("utf-8")
    directory = cache_dir()
    if directory is None:
        return _parse_yaml(text)
    entry = directory / f"spec-{zlib.crc32(raw):08x}-{len(raw)}.json"
    with contextlib.suppress(OSError, orjson.JSONDecodeError, TypeError, KeyError):
        cached = orjson.loads(entry.read_bytes())
        if cached["format"] == CACHE_FORMAT and cached["source"] == text:
            return cached["data"]
    data = _parse_yaml(text)
    _store(entry, {"format": CACHE_FORMAT, "source": text, "data": data})
    return data


def _parse_yaml(text: str) -> Any:
    import yaml  # only on a cache miss: that is the point of the cache

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _store(target: Path, entry: dict[str, Any]) -> None:
    try:
        encoded = orjson.dumps(entry)
    except TypeError:  # a value JSON has no form for (e.g. a YAML date)
        return
    if orjson.loads(encoded) != entry:  # e.g. integer keys, which JSON would turn into strings
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            temporary.write_bytes(encoded)
            os.replace(temporary, target)  # atomic: a concurrent reader sees all or nothing
        except OSError:
            temporary.unlink(missing_ok=True)
