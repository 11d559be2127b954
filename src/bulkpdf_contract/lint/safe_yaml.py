"""The YAML loader of ``bulkpdf lint``: only what a JSON request can hold, bounded, problems placed.

Safe loading (libyaml's when PyYAML has it) with three changes: timestamps stay the strings a
JSON request would carry; tags and values with no JSON form (``!!binary``, ``!!set``, non-string
keys, ``.nan``, any application tag) stop at their position; and before anything is built, the
composed node graph is checked so that aliases cannot expand past :data:`MAX_YAML_VALUES`
values (a "billion laughs" bomb) or nest past :data:`MAX_DEPTH` levels. Every problem is a
``parse`` :class:`~.findings.FileProblem` at a line and column.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from .findings import FileProblem
from .positions import line_col

MAX_YAML_VALUES = 1_000_000
"""Values of a YAML document once aliases are expanded; a 50,000-ID request has about 50,000."""
MAX_DEPTH = 1024
"""Nesting depth, the same as orjson's limit for JSON."""

_TAG = "tag:yaml.org,2002:"
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class JsonOnlyLoader(_BASE):
    """Safe loading of what a JSON request can hold; anything else stops at its position.

    Checking during construction costs nothing extra for the files that are fine.
    """

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)  # merge keys first (idempotent): merged keys are checked too
        for key, _ in node.value:
            if key.tag != _TAG + "str":
                shown = key.value if key.id == "scalar" else f"a {key.id}"
                raise _problem(key, f"the mapping key {shown} is not a string; JSON "
                                    "object keys are strings (quote it)")
        return super().construct_mapping(node, deep)

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _problem(node, f"{node.value} is not a JSON number")
        return value

    def construct_no_json_form(self, node):
        tag = node.tag
        shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
        raise _problem(node, f"the YAML tag {shown} has no JSON form; write a plain "
                             "mapping, sequence, string, number, boolean or null")


JsonOnlyLoader.add_constructor(_TAG + "timestamp", _BASE.construct_yaml_str)
JsonOnlyLoader.add_constructor(_TAG + "float", JsonOnlyLoader.construct_yaml_float)
for _tag in ("binary", "set", "omap", "pairs"):
    JsonOnlyLoader.add_constructor(_TAG + _tag, JsonOnlyLoader.construct_no_json_form)
JsonOnlyLoader.add_constructor(None, JsonOnlyLoader.construct_no_json_form)


def load(text: str) -> tuple[Any, Any]:
    """The document of a one-document YAML text and its composed root node (for positions)."""
    loader = JsonOnlyLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise FileProblem("parse", "the file holds no YAML document (only comments or directives)")
        if "*" in text:  # aliases: the only way a YAML document grows beyond its text
            check_graph(root)
        return loader.construct_document(root), root
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "; ".join(m for m in (exc.context, exc.problem) if m)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise FileProblem("parse", f"invalid YAML: {message}", line, col) from None
    except yaml.reader.ReaderError as exc:
        if _BASE is not yaml.SafeLoader:  # libyaml counts the position in UTF-8 bytes
            before = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
        else:
            before = text[: exc.position]
        line, col = line_col(before, len(before))
        raise FileProblem("parse", f"invalid YAML: {exc.reason} (U+{exc.character:04X})",
                          line, col) from None
    except yaml.YAMLError as exc:
        raise FileProblem("parse", f"invalid YAML: {exc}") from None
    except RecursionError:  # the pure-Python loader, without libyaml's nesting limit
        raise FileProblem("parse", f"the YAML document nests deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def check_graph(root: Any) -> None:
    """Reject, before anything is built, aliases that would expand without bound or loop.

    Sizes and depths are computed once per node (aliases share nodes), so the check is linear
    in the file even when the expansion is exponential. Merge keys are counted like members.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # expanded, not finished: the ancestors of the current node
    aliased = False
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_VALUES:
                raise _problem(node, _expansion_message(aliased))
            if depth[key] > MAX_DEPTH:
                raise _problem(node, f"the YAML document nests deeper than {MAX_DEPTH} levels")
            continue
        if key in size:
            aliased = True
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise _problem(child, "the YAML document refers to itself through an alias "
                                      "(a recursive structure has no JSON form)")
            if id(child) in size:
                aliased = True
            else:
                stack.append((child, False))


def _expansion_message(aliased: bool) -> str:
    if aliased:
        return (f"the YAML document expands to more than {MAX_YAML_VALUES:,} values through its "
                "aliases (a 'billion laughs' alias bomb?); it is not built")
    return (f"the YAML document has more than {MAX_YAML_VALUES:,} values; a bulk-PDF request "
            "has far fewer (at most 50,000 document IDs)")


def _children(node: Any) -> list:
    if node.id == "mapping":
        return [part for pair in node.value for part in pair]
    if node.id == "sequence":
        return list(node.value)
    return []


def _problem(node: Any, message: str) -> FileProblem:
    return FileProblem("parse", message, node.start_mark.line + 1, node.start_mark.column + 1)
