"""Nodes of an OpenAPI document together with their JSON pointers, ``$ref`` followed.

The drift check reports where each constraint lives in the fragment and in Zuora's file, so every
node it reads travels with its pointer (:class:`Node`). ``$ref`` targets are followed with the
pointer of the target, because that is where a person has to look (and edit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..spec.pointers import is_index, pointer_of, split_pointer

MAX_REF_HOPS = 64


class DriftError(Exception):
    """SPEC cannot be read or used (exit code 2)."""


@dataclass(frozen=True)
class Node:
    """A value of a document and its RFC 6901 pointer."""

    value: Any
    pointer: str

    def child(self, *tokens: str) -> Node | None:
        """The node at ``tokens`` below this one (keys or list indexes), or None."""
        node, pointer = self.value, self.pointer
        for token in tokens:
            if isinstance(node, dict):
                if token in node:
                    node = node[token]
                elif token.isdigit() and int(token) in node:  # YAML reads 200: as an integer key
                    node = node[int(token)]
                else:
                    return None
            elif isinstance(node, list) and is_index(token) and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
            pointer = f"{pointer}{pointer_of((token,))}"
        return Node(node, pointer)

    def items(self) -> Iterator[tuple[str, Node]]:
        """``(key, child)`` of a mapping (keys as strings), or nothing."""
        if isinstance(self.value, dict):
            for key in self.value:
                yield str(key), Node(self.value[key], f"{self.pointer}{pointer_of((str(key),))}")

    def elements(self) -> Iterator[Node]:
        if isinstance(self.value, list):
            for index, value in enumerate(self.value):
                yield Node(value, f"{self.pointer}/{index}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.value.get(key, default) if isinstance(self.value, dict) else default


class Document:
    """One parsed OpenAPI document (the fragment or Zuora's file)."""

    def __init__(self, root: Any, label: str):
        if not isinstance(root, dict):
            raise DriftError(f"{label} is not an OpenAPI document (its top level is not a mapping)")
        self.root = Node(root, "")
        self.label = label

    def at(self, pointer: str) -> Node | None:
        return self.root.child(*split_pointer(pointer))

    def deref(self, node: Node | None) -> Node | None:
        """Follow ``$ref`` until a node without one (local references only)."""
        hops = 0
        while node is not None and isinstance(node.value, dict) and "$ref" in node.value:
            ref = node.value["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise DriftError(f"{self.label}: {node.pointer} refers to {ref!r}, outside the file")
            target = self.at(ref[1:])
            if target is None:
                raise DriftError(f"{self.label}: {node.pointer} refers to {ref!r}, which does not exist")
            hops += 1
            if hops > MAX_REF_HOPS:
                raise DriftError(f"{self.label}: {node.pointer}: $ref loops")
            node = target
        return node

    def child(self, node: Node | None, *tokens: str) -> Node | None:
        """``node.child(*tokens)`` with ``$ref`` followed at every step."""
        node = self.deref(node)
        for token in tokens:
            if node is None:
                return None
            node = self.deref(node.child(token))
        return node


def escape(token: str) -> str:
    """One pointer token (``/v1/x`` -> ``~1v1~1x``)."""
    return pointer_of((token,))[1:]
