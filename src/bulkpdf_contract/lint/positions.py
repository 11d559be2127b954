"""Where a JSON pointer lands in the text of a JSON or YAML file, as 1-based line and column.

The linter parses files with fast parsers that keep no positions (orjson, libyaml), and only
comes here for a file that has findings: a clean file never pays for positions. A pointer that
does not exist in the file (a missing required member) lands on its nearest existing ancestor.
Duplicate object keys resolve to the last one, as the parsers do.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from json.decoder import WHITESPACE, scanstring
from typing import Any

from ..spec.pointers import is_index

_DECODER = json.JSONDecoder()
Tokens = Sequence[str]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def line_cols(text: str, offsets: Iterable[int]) -> list[tuple[int, int]]:
    """:func:`line_col` of many offsets: line starts are found once, so a file with 50,000
    findings costs one pass over its text, not one per finding."""
    starts = [0, *(found.end() for found in re.finditer("\n", text))]
    out = []
    for offset in offsets:
        line = bisect.bisect_right(starts, offset)
        out.append((line, offset - starts[line - 1] + 1))
    return out


def _trie(paths: Iterable[Tokens]) -> dict:
    root: dict = {}
    for path in paths:
        node = root
        for token in path:
            node = node.setdefault(token, {})
    return root


def json_offsets(text: str, paths: Iterable[Tokens]) -> dict[tuple[str, ...], int]:
    """Offset of the value at each path (or of its nearest existing ancestor), in one pass.

    ``text`` must be valid JSON (it was parsed already). Only the branches leading to a wanted
    path are walked token by token; everything else is skipped with the C decoder.
    """
    paths = [tuple(p) for p in paths]
    found: dict[tuple[str, ...], int] = {}
    _json_walk(text, WHITESPACE.match(text, 0).end(), (), _trie(paths), found)
    out = {}
    for path in paths:
        cut = len(path)
        while path[:cut] not in found:
            cut -= 1
        out[path] = found[path[:cut]]
    return out


def _json_walk(text: str, pos: int, here: tuple, wanted: dict, found: dict) -> None:
    """Record ``pos`` for ``here`` and descend into the children ``wanted`` names.

    Iterative over an explicit stack: nesting is bounded only by the parser's limit.
    """
    stack = [(pos, here, wanted)]
    while stack:
        pos, here, wanted = stack.pop()
        found[here] = pos
        if not wanted:
            continue
        children = _json_children(text, pos, wanted)
        for token, child_pos in children.items():
            stack.append((child_pos, here + (token,), wanted[token]))


def _json_children(text: str, pos: int, wanted: dict) -> dict[str, int]:
    """Offsets of the wanted members (last duplicate wins) or items of the container at ``pos``."""
    opener = text[pos]
    if opener not in "{[":
        return {}
    out: dict[str, int] = {}
    closer = "}" if opener == "{" else "]"
    i = WHITESPACE.match(text, pos + 1).end()
    if text[i] == closer:
        return out
    index = 0
    last_index = max((int(t) for t in wanted if is_index(t)), default=-1) if opener == "[" else -1
    while True:
        if opener == "{":
            key, i = scanstring(text, i + 1)
            i = WHITESPACE.match(text, i).end() + 1  # past ':'
            i = WHITESPACE.match(text, i).end()
        else:
            key = str(index)
            index += 1
        if key in wanted:
            out[key] = i
        _, i = _DECODER.raw_decode(text, i)
        i = WHITESPACE.match(text, i).end()
        if text[i] == closer:
            return out
        i = WHITESPACE.match(text, i + 1).end()  # past ','
        if opener == "[" and index > last_index:
            return out


def yaml_node(root: Any, path: Tokens) -> Any:
    """The composed YAML node at ``path``, or at its nearest existing ancestor."""
    node = root
    for token in path:
        child = None
        if node.id == "mapping":
            for key, value in node.value:
                if key.id == "scalar" and key.value == token:
                    child = value  # no break: the last duplicate wins
        elif node.id == "sequence" and is_index(token) and int(token) < len(node.value):
            child = node.value[int(token)]
        if child is None:
            break
        node = child
    return node


def yaml_position(root: Any, path: Tokens) -> tuple[int, int]:
    mark = yaml_node(root, path).start_mark
    return mark.line + 1, mark.column + 1
