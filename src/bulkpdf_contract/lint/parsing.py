"""Payload text -> a document: JSON through orjson, YAML through :mod:`.safe_yaml`.

The parser is chosen by the file name (``*.json``, ``*.yaml``/``*.yml``), other names by their
first character. Neither parser keeps positions; :class:`Parsed` keeps what
:mod:`.positions` needs to find them later (the text, and YAML's composed node graph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .findings import FileProblem
from .reading import decode, read_file


@dataclass
class Parsed:
    data: Any
    text: str
    yaml_root: Any = None  # the composed node graph, for positions; None for JSON


def parse(text: str, path: str) -> Parsed:
    """JSON for ``*.json``, YAML for ``*.yaml``/``*.yml``; other names by their first character."""
    lower = path.lower()
    if lower.endswith(".json"):
        is_json = True
    elif lower.endswith((".yaml", ".yml")):
        is_json = False
    else:
        is_json = text.lstrip()[:1] in ("{", "[")
    if not is_json:
        from . import safe_yaml  # PyYAML only for YAML files (see the package docstring)

        data, root = safe_yaml.load(text)
        return Parsed(data, text, root)
    try:
        return Parsed(orjson.loads(text), text)
    except orjson.JSONDecodeError as exc:
        raise FileProblem("parse", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None


def load(path: str) -> Parsed:
    """The parsed document of a file, or :class:`FileProblem` when it cannot be read or parsed."""
    return parse(decode(read_file(path)), path)


def load_file_names(path: str) -> dict[str, str]:
    """The ``--file-names`` mapping objectId -> PDF file name, from a JSON or YAML file."""
    try:
        data = load(path).data
    except FileProblem as problem:
        raise ValueError(f"{path}:{problem.line}:{problem.column}: {problem.message}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: expected an object mapping objectId to PDF file name "
                         "(both strings)")
    return data
