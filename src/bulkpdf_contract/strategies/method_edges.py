"""Edge family of methods: a header on a method it is not for, a GET with a body, no such method."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from ..spec import COLLECTION_PATH, Contract, load_contract
from .bound import composite
from .model import Labelled
from .placement import base_request
from .valid import valid_bodies
from .values import from_schema

METHOD = "method"
# Methods people try on a REST collection that this endpoint does not have (checked against the spec).
_OTHER_METHODS = ("PUT", "PATCH", "DELETE")


@composite
def _header_on(draw, contract: Contract, name: str, method: str, values: st.SearchStrategy[str]) -> Labelled:
    request = base_request(draw, contract, method)
    value = draw(values)
    return Labelled(replace(request, headers={**request.headers, name: value}),
                    f"{name.lower()}.method", f"/headers/{name}", family=METHOD)


@composite
def _get_with_body(draw, contract: Contract) -> Labelled:
    request = base_request(draw, contract, "GET")
    body = draw(valid_bodies(contract, large=False))
    return Labelled(replace(request, body=body), "request.unexpected-body", "", family=METHOD)


@composite
def _no_such_method(draw, contract: Contract, methods: list[str]) -> Labelled:
    request = base_request(draw, contract, "POST")
    method = draw(st.sampled_from(methods))
    return Labelled(replace(request, method=method, path=COLLECTION_PATH), "request.method", "", family=METHOD)


def method_misuse(contract: Contract | None = None) -> st.SearchStrategy[Labelled]:
    """``Idempotency-Key`` (any header limited by ``x-bulkpdf-methods``) on a GET, a GET with a
    body (``request.unexpected-body``), and a method the endpoint lacks (``request.method``)."""
    contract = contract or load_contract()
    operations = [m for m in ("POST", "GET") if contract.operation(m) is not None]
    options = []
    for name, param in contract.all_header_parameters().items():
        allowed = {m.upper() for m in param.get("x-bulkpdf-methods", operations)}
        values = from_schema(param["schema"], header=name)
        options += [_header_on(contract, name, m, values) for m in operations if m not in allowed]
    if "GET" in operations:
        options.append(_get_with_body(contract))
    missing = tuple(m for m in _OTHER_METHODS if contract.operation(m) is None)
    if missing:
        options.append(_no_such_method(contract, missing))
    return st.one_of(options)
