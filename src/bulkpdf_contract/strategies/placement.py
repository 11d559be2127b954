"""Building blocks of the edge families: a small valid request, and one value put into it.

Every edge case starts from a valid request and changes exactly one thing, so the only finding
the validators can give is the one the change causes.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from ..spec import Contract
from ..validators import pointer_of
from .limits import Slot
from .model import Labelled, Request
from .valid import valid_requests

MISSING = object()


def base_request(draw, contract: Contract, method: str = "POST") -> Request:
    """A small valid request of ``method`` to change (never the large, many-ZIP kind)."""
    return draw(valid_requests(contract, methods=(method,), large=False))


def base_for(draw, contract: Contract, slot: Slot) -> Request:
    return base_request(draw, contract, draw(st.sampled_from(slot.methods)))


def place(draw, request: Request, slot: Slot, value: Any) -> tuple[Request, str]:
    """A copy of ``request`` with ``value`` in ``slot`` (``MISSING`` removes it), and its pointer.

    For group fields and object IDs the group (and the ID) is drawn. A callable ``value`` gets
    the old value (or ``MISSING``) and returns the new one.
    """
    if slot.where == "header":
        headers = dict(request.headers)
        old = headers.pop(slot.name, MISSING)
        value = value(old) if callable(value) else value
        if value is not MISSING:
            headers[slot.name] = value
        return replace(request, headers=headers), f"/headers/{slot.name}"
    body = copy.deepcopy(request.body)
    target: Any = body
    path: tuple = (slot.name,)
    if slot.where in ("group", "object-id"):
        g = draw(st.integers(0, len(body["documents"]) - 1))
        target = body["documents"][g]
        path = ("documents", g, slot.name)
        if slot.where == "object-id":
            target = target["objectIds"]
            i = draw(st.integers(0, len(target) - 1))
            path = ("documents", g, "objectIds", i)
    key = path[-1]
    if callable(value):
        value = value(target[key] if isinstance(target, list) else target.get(key, MISSING))
    if value is MISSING:
        target.pop(key, None)
    else:
        target[key] = value
    return replace(request, body=body), pointer_of(path)


def verdict(request: Request, rule: str | None, pointer: str, family: str, **extra: Any) -> Request | Labelled:
    """The plain request when ``rule`` is None (a valid edge), else the labelled one."""
    if rule is None:
        return request
    return Labelled(request, rule, pointer, family=family, **extra)
