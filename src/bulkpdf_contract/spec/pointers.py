"""JSON pointers (RFC 6901): building, escaping and splitting them.

The lowest layer's, because every layer names places with them: the spec's decision records,
the validators' findings, the linter's positions and the drift check's differences.
"""

from __future__ import annotations


def split_pointer(pointer: str) -> tuple[str, ...]:
    """RFC 6901 ``/a~1b/0`` -> ``("a/b", "0")``."""
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def escape_token(token: object) -> str:
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def pointer_of(parts) -> str:
    """RFC 6901 pointer of a path given as keys and indexes."""
    if not isinstance(parts, (tuple, list)):
        parts = tuple(parts)
    pointer = ""
    for part in parts:
        pointer += f"/{part}"
    if "~" in pointer or pointer.count("/") > len(parts):  # a token needs escaping
        return "".join("/" + escape_token(part) for part in parts)
    return pointer


def is_index(token: str) -> bool:
    """An array index token: ASCII digits only (``str.isdigit`` also accepts ``"²"``)."""
    return token.isascii() and token.isdigit()
