"""The fragment's operations against Zuora's: found by path and operationId, then compared
parameter by parameter, body, status by status (headers and bodies), and security."""

from __future__ import annotations

import re

from ..spec import COLLECTION_PATH, JOB_PATH
from .document import Document, DriftError, Node, escape
from .model import Comparison
from .schemas import HERE, THERE, compare_schemas

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: The operations without which SPEC is not a file this check can use (exit 2).
ESSENTIAL = ((COLLECTION_PATH, "post"), (JOB_PATH, "get"))
_TEMPLATE = re.compile(r"\{[^}/]*\}")


def shape(path: str) -> str:
    """``/a/{jobId}`` and ``/a/{id}`` are the same path."""
    return _TEMPLATE.sub("{}", path)


def operations_of(doc: Document) -> dict[tuple[str, str], Node]:
    paths = doc.deref(doc.root.child("paths"))
    out = {}
    for path, item in paths.items() if paths is not None else ():
        item = doc.deref(item)
        for method in METHODS:
            op = item.child(method)
            if op is not None and isinstance(op.value, dict):
                out[(path, method)] = op
    return out


def compare_operations(cmp: Comparison) -> None:
    """Every operation of the fragment against its counterpart; raises DriftError (exit 2) when
    Zuora's file has neither bulk PDF operation."""
    ours = operations_of(cmp.ours)
    theirs = operations_of(cmp.theirs)
    by_shape = {(shape(p), m): (p, m) for p, m in theirs}
    by_id = {op.get("operationId"): key for key, op in theirs.items() if op.get("operationId")}
    found = {}
    for (path, method), op in ours.items():
        key = by_shape.get((shape(path), method)) or by_id.get(op.get("operationId"))
        found[(path, method)] = key
    if not any(found.get(key) for key in ESSENTIAL):
        raise DriftError(f"{cmp.theirs.label} defines neither POST {COLLECTION_PATH} nor GET {JOB_PATH} "
                         "(by path or operationId)")
    for (path, method), op in ours.items():
        label = f"{method.upper()} {path}"
        key = found[(path, method)]
        if key is None:
            cmp.add(op.pointer, None, "extra", f"{label}: an operation {HERE}, not {THERE}.")
            continue
        _compare_operation(cmp, label, (path, method), op, key, theirs[key])
    _unmatched(cmp, ours, theirs, set(found.values()))


def _unmatched(cmp: Comparison, ours, theirs, matched) -> None:
    """Operations of Zuora's file on the fragment's paths (or below them) that it lacks: a new
    method on the job, a sub-resource such as a cancel endpoint."""
    shapes = {shape(path): path for path, _ in ours}
    for (path, method), op in theirs.items():
        form = shape(path)
        if (path, method) in matched or not any(form == s or form.startswith(s + "/") for s in shapes):
            continue
        where = f"/paths/{escape(shapes.get(form, path))}/{method}"
        cmp.add(where, op.pointer, "missing", f"{method.upper()} {path}: an operation {THERE}, not {HERE}.")


def _compare_operation(cmp: Comparison, label: str, ours_key, op: Node, theirs_key, other: Node) -> None:
    if ours_key[0] != theirs_key[0] and shape(ours_key[0]) != shape(theirs_key[0]):
        cmp.add(op.pointer, other.pointer, "changed", f"{label}: Zuora's file has this operation at {theirs_key[0]}.")
    if op.get("operationId") != other.get("operationId"):
        cmp.add(f"{op.pointer}/operationId", f"{other.pointer}/operationId", "changed",
                f"{label}: operationId {op.get('operationId')} {HERE}, {other.get('operationId')} {THERE}.")
    if bool(op.get("deprecated")) != bool(other.get("deprecated")):
        cmp.add(f"{op.pointer}/deprecated", other.pointer, "changed",
                f"{label}: {'deprecated' if other.get('deprecated') else 'not deprecated'} {THERE}.")
    _security(cmp, label, op, other)
    _parameters(cmp, label, ours_key, op, theirs_key, other)
    _request_body(cmp, label, op, other)
    _responses(cmp, label, op, other)


# -- security ---------------------------------------------------------------------------------------
def _effective_security(doc, op: Node) -> Node:
    return op.child("security") if "security" in op.value else (doc.root.child("security") or Node([], "/security"))


def _requirements(node: Node) -> set[frozenset[str]]:
    return {frozenset(req) for req in node.value if isinstance(req, dict)} if isinstance(node.value, list) else set()


def _security(cmp: Comparison, label: str, op: Node, other: Node) -> None:
    mine, theirs = _effective_security(cmp.ours, op), _effective_security(cmp.theirs, other)
    a, b = _requirements(mine), _requirements(theirs)
    def text(reqs):
        return " or ".join(sorted("+".join(sorted(r)) or "none" for r in reqs)) or "none"
    if a != b:
        cmp.add(mine.pointer, theirs.pointer, "changed", f"{label}: security {text(a)} {HERE}, {text(b)} {THERE}.")
    for name in sorted(set().union(*a) if a else ()):
        ours_scheme = cmp.ours.root.child("components", "securitySchemes", name)
        theirs_scheme = cmp.theirs.deref(cmp.theirs.root.child("components", "securitySchemes", name))
        if ours_scheme is None:
            continue
        for field in ("type", "scheme", "in", "name", "bearerFormat"):
            if ours_scheme.get(field) != (theirs_scheme.get(field) if theirs_scheme else None):
                cmp.add(f"{ours_scheme.pointer}/{field}", theirs_scheme.pointer if theirs_scheme else None, "changed",
                        f"security scheme {name}: {field} {ours_scheme.get(field)} {HERE}, "
                        f"{theirs_scheme.get(field) if theirs_scheme else 'no such scheme'} {THERE}.")


# -- parameters -------------------------------------------------------------------------------------
def _parameter_map(doc: Document, path: str, op: Node) -> dict[tuple[str, str], tuple[str, Node]]:
    """``(in, key) -> (name, parameter)``, operation parameters over path-item ones. The key is
    the lower-case name, and for a path parameter its place in the path (``{jobId}`` and
    ``{id}`` name the same segment)."""
    templates = [t[1:-1] for t in _TEMPLATE.findall(path)]
    out = {}
    for owner in (doc.deref(doc.root.child("paths", path)), op):
        params = owner.child("parameters") if owner is not None else None
        for element in params.elements() if params is not None else ():
            param = doc.deref(element)
            name = param.get("name")
            if not isinstance(name, str):
                continue
            where = str(param.get("in"))
            key = str(templates.index(name)) if where == "path" and name in templates else name.lower()
            out[(where, key)] = (name, param)
    return out


def _parameters(cmp: Comparison, label: str, ours_key, op: Node, theirs_key, other: Node) -> None:
    mine = _parameter_map(cmp.ours, ours_key[0], op)
    theirs = _parameter_map(cmp.theirs, theirs_key[0], other)
    for key, (name, param) in mine.items():
        where = f"{label} request header `{name}`" if key[0] == "header" else f"{label} {key[0]} parameter `{name}`"
        if key not in theirs:
            cmp.add(param.pointer, other.pointer, "extra", f"{where}: a parameter {HERE}, not {THERE}.")
            continue
        their_param = theirs[key][1]
        _flag(cmp, where, param, their_param, "required", "required", "optional")
        _flag(cmp, where, param, their_param, "deprecated", "deprecated", "not deprecated", kind="changed")
        compare_schemas(cmp, param.child("schema"), their_param.child("schema"), where)
    for key, (name, param) in theirs.items():
        if key not in mine:
            what = "header" if key[0] == "header" else f"{key[0]} parameter"
            required = " (required)" if param.get("required") is True else ""
            cmp.add(f"{op.pointer}/parameters/{escape(name)}", param.pointer, "missing",
                    f"{label}: the {what} `{name}`{required} is declared {THERE}, not {HERE}.")


def _flag(cmp: Comparison, label: str, mine: Node, theirs: Node, name: str, yes: str, no: str,
          kind: str | None = None) -> None:
    """A boolean field (``required``, ``deprecated``) that defaults to false."""
    a, b = mine.get(name) is True, theirs.get(name) is True
    if a != b:
        cmp.add(f"{mine.pointer}/{name}", theirs.pointer + (f"/{name}" if name in theirs.value else ""),
                kind or ("stricter" if a else "looser"),
                f"{label}: {yes if a else no} {HERE}, {yes if b else no} {THERE}.")


# -- bodies and responses ---------------------------------------------------------------------------
def _content(cmp: Comparison, label: str, mine: Node, theirs: Node) -> None:
    """Media types of a request body or response, and the schema of each common one."""
    a, b = mine.child("content"), theirs.child("content")
    ours_types = dict(a.items()) if a is not None else {}
    theirs_types = dict(b.items()) if b is not None else {}
    for media, node in ours_types.items():
        if media not in theirs_types:
            cmp.add(node.pointer, b.pointer if b else theirs.pointer, "extra", f"{label}: {media} {HERE}, not {THERE}.")
        else:
            compare_schemas(cmp, node.child("schema"), theirs_types[media].child("schema"), label)
    for media, node in theirs_types.items():
        if media not in ours_types:
            cmp.add(f"{mine.pointer}/content/{escape(media)}", node.pointer, "missing",
                    f"{label}: {media} {THERE}, not {HERE}.")


def _request_body(cmp: Comparison, label: str, op: Node, other: Node) -> None:
    mine = cmp.ours.deref(op.child("requestBody"))
    theirs = cmp.theirs.deref(other.child("requestBody"))
    body = f"{label} request body"
    if mine is None or theirs is None:
        if mine is not None:
            cmp.add(mine.pointer, None, "extra", f"{body}: declared {HERE}, not {THERE}.")
        elif theirs is not None:
            cmp.add(f"{op.pointer}/requestBody", theirs.pointer, "missing", f"{body}: declared {THERE}, not {HERE}.")
        return
    _flag(cmp, body, mine, theirs, "required", "required", "optional")
    _content(cmp, body, mine, theirs)


def _lookup(responses: dict[str, Node], status: str) -> str | None:
    """Which documented key answers ``status`` (exact, then ``4XX``-style range, then default)."""
    for key in (status, f"{status[0]}XX" if status[:1].isdigit() else None, "default"):
        if key in responses:
            return key
    return None


def _responses(cmp: Comparison, label: str, op: Node, other: Node) -> None:
    a, b = op.child("responses"), other.child("responses")
    mine = {k.upper(): v for k, v in a.items()} if a is not None else {}
    theirs = {k.upper(): v for k, v in b.items()} if b is not None else {}
    pairs = []
    for status in theirs:
        key = _lookup(mine, status)
        if key is None:
            cmp.add(f"{op.pointer}/responses/{status}", theirs[status].pointer, "missing",
                    f"{label}: status {status} is documented {THERE}, not {HERE}.")
        else:
            pairs.append((key, status))
    for status in mine:
        if any(key == status for key, _ in pairs):
            continue
        key = _lookup(theirs, status)
        if key is None:
            cmp.add(mine[status].pointer, b.pointer if b else other.pointer, "extra",
                    f"{label}: status {status} is documented {HERE}, not {THERE}.")
        else:
            pairs.append((status, key))
    for ours_status, theirs_status in pairs:
        _response(cmp, f"{label} {ours_status} response", mine[ours_status], theirs[theirs_status])


def _response(cmp: Comparison, label: str, mine: Node, theirs: Node) -> None:
    mine, theirs = cmp.ours.deref(mine), cmp.theirs.deref(theirs)
    a, b = mine.child("headers"), theirs.child("headers")
    ours_headers = {k.lower(): (k, v) for k, v in a.items()} if a is not None else {}
    theirs_headers = {k.lower(): (k, v) for k, v in b.items()} if b is not None else {}
    for key, (name, entry) in ours_headers.items():
        where = f"{label} header `{name}`"
        if key not in theirs_headers:
            cmp.add(entry.pointer, b.pointer if b else theirs.pointer, "extra", f"{where}: listed {HERE}, not {THERE}.")
            continue
        header, their_header = cmp.ours.deref(entry), cmp.theirs.deref(theirs_headers[key][1])
        _flag(cmp, where, header, their_header, "required", "required", "optional")
        compare_schemas(cmp, header.child("schema"), their_header.child("schema"), where)
    for key, (name, entry) in theirs_headers.items():
        if key not in ours_headers:
            cmp.add(f"{mine.pointer}/headers/{escape(name)}", entry.pointer, "missing",
                    f"{label} header `{name}`: listed {THERE}, not {HERE}.")
    _content(cmp, f"{label} body", mine, theirs)
