"""``bulkpdf lint``: check request payload files (JSON or YAML) against the contract.

Made for pre-commit, where it runs on a handful of files per commit, and for CI, where it runs
on thousands: files are parsed with fast parsers that keep no positions (orjson, libyaml), and
positions are worked out (:mod:`bulkpdf_contract.locate`) only for files that have findings.

A file holds a request body, or an envelope ``{"method"?, "headers"?, "body"}`` (a top-level
``body`` and no ``documents``) so that header rules are linted too. Every problem, including a
file that cannot be read or parsed, is a finding: ``path:line:col: rule: message``.

Limits, so that no file can make the linter hang or exhaust memory: files above
:data:`MAX_FILE_BYTES` are not read; a YAML document whose aliases expand to more than
:data:`MAX_YAML_VALUES` values (a "billion laughs" bomb) or that nests deeper than
:data:`MAX_DEPTH` is reported, not built.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import stat
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import orjson

from .locate import json_offsets, line_col, line_cols, split_pointer, yaml_position
from .spec import canonical_header
from .validators import Finding, pointer_of, validate_request

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest body the contract lets a gzip request inflate to; a 50,000-ID request is ~2.5 MB."""
MAX_YAML_VALUES = 1_000_000
"""Values of a YAML document once aliases are expanded; a 50,000-ID request has about 50,000."""
MAX_DEPTH = 1024
"""Nesting depth, the same as orjson's limit for JSON."""
MAX_FINDINGS = 1000
"""Findings listed per file; past it one ``findings.truncated`` finding says so (50,000 malformed
IDs are one mistake repeated, and a hook that prints 50,000 lines helps nobody)."""
SUFFIXES = (".json", ".yaml", ".yml")
ENVELOPE_FIELDS = ("method", "headers", "body")

_YAML_TAG = "tag:yaml.org,2002:"


@functools.lru_cache(maxsize=None)
def _yaml_loader() -> type:
    """Safe loading of what a JSON request can hold; anything else stops at its position.

    Timestamps stay the strings a JSON request would carry. Checking during construction costs
    nothing extra for the files that are fine. Built on first use: runs over JSON files only
    need not import PyYAML.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        def construct_mapping(self, node, deep=False):
            self.flatten_mapping(node)  # merge keys first (idempotent): merged keys are checked too
            for key, _ in node.value:
                if key.tag != _YAML_TAG + "str":
                    shown = key.value if key.id == "scalar" else f"a {key.id}"
                    raise _yaml_problem(key, f"the mapping key {shown} is not a string; JSON "
                                             "object keys are strings (quote it)")
            return super().construct_mapping(node, deep)

        def construct_yaml_float(self, node):
            value = super().construct_yaml_float(node)
            if not math.isfinite(value):
                raise _yaml_problem(node, f"{node.value} is not a JSON number")
            return value

        def construct_no_json_form(self, node):
            tag = node.tag
            shown = "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag
            raise _yaml_problem(node, f"the YAML tag {shown} has no JSON form; write a plain "
                                      "mapping, sequence, string, number, boolean or null")

    Loader.add_constructor(_YAML_TAG + "timestamp", base.construct_yaml_str)
    Loader.add_constructor(_YAML_TAG + "float", Loader.construct_yaml_float)
    for tag in ("binary", "set", "omap", "pairs"):
        Loader.add_constructor(_YAML_TAG + tag, Loader.construct_no_json_form)
    Loader.add_constructor(None, Loader.construct_no_json_form)
    return Loader


@dataclass(frozen=True)
class FileFinding:
    """A :class:`Finding` in a file; ``pointer`` is the one ``validate_request`` reports."""

    path: str
    line: int
    column: int
    pointer: str
    rule: str
    message: str

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column,
                "pointer": self.pointer, "rule": self.rule, "message": self.message}

    def __str__(self) -> str:
        message = " ".join(self.message.split("\n"))
        return f"{self.path}:{self.line}:{self.column}: {self.rule}: {message}"


class _Problem(Exception):
    """A file that cannot be linted: one finding of ``rule`` at ``line``:``column``."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.rule, self.message, self.line, self.column = rule, message, line, column


@dataclass
class _Parsed:
    data: Any
    text: str
    yaml_root: Any = None  # the composed node graph, for positions; None for JSON


# -- reading and parsing --------------------------------------------------------------------


def read_file(path: str) -> bytes:
    """The file's bytes, or :class:`_Problem` for anything that is not a readable regular file.

    Opened without blocking and checked with ``fstat`` before reading, so a named pipe or a
    device is reported instead of hanging the hook.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise _Problem("read", "no such file or directory") from None
    except OSError as exc:
        raise _Problem("read", f"cannot read: {exc.strerror or exc}") from None
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Problem("read", "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Problem("read", _too_big(f"{info.st_size:,} bytes"))
        try:
            data = handle.read(info.st_size + 1)  # sized by fstat: no 16 MiB buffer per file
            if len(data) > info.st_size:  # it grew since fstat
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
        except OSError as exc:
            raise _Problem("read", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Problem("read", _too_big(f"more than {MAX_FILE_BYTES:,} bytes"))
    return data


def _too_big(size: str) -> str:
    return (f"the file is {size}; bulkpdf lint reads payload files of at most "
            f"{MAX_FILE_BYTES:,} bytes (a request with 50,000 IDs is about 2.5 MB)")


def decode(data: bytes) -> str:
    """UTF-8 text (a leading byte order mark is dropped), or a ``parse`` problem saying where it fails."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line, col = line_col(good, len(good))
        raise _Problem("parse", f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded "
                                "(payload files must be UTF-8 JSON or YAML)", line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\x00")
    if nul >= 0:
        line, col = line_col(text, nul)
        raise _Problem("parse", "a binary file (it contains NUL bytes), not JSON or YAML text",
                       line, col)
    if not text.strip():
        raise _Problem("parse", "the file is empty; expected a request body (a JSON or YAML object)")
    return text


def parse(text: str, path: str) -> _Parsed:
    """JSON for ``*.json``, YAML for ``*.yaml``/``*.yml``; other names by their first character."""
    lower = path.lower()
    if lower.endswith(".json"):
        is_json = True
    elif lower.endswith((".yaml", ".yml")):
        is_json = False
    else:
        is_json = text.lstrip()[:1] in ("{", "[")
    return _parse_json(text) if is_json else _parse_yaml(text)


def _parse_json(text: str) -> _Parsed:
    try:
        return _Parsed(orjson.loads(text), text)
    except orjson.JSONDecodeError as exc:
        raise _Problem("parse", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None


def _parse_yaml(text: str) -> _Parsed:
    import yaml

    loader = _yaml_loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise _Problem("parse", "the file holds no YAML document (only comments or directives)")
        if "*" in text:  # aliases: the only way a YAML document grows beyond its text
            _check_yaml_graph(root)
        return _Parsed(loader.construct_document(root), text, root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "; ".join(m for m in (exc.context, exc.problem) if m)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _Problem("parse", f"invalid YAML: {message}", line, col) from None
    except yaml.reader.ReaderError as exc:
        if hasattr(yaml, "CSafeLoader"):  # libyaml counts the position in UTF-8 bytes
            before = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
        else:
            before = text[: exc.position]
        line, col = line_col(before, len(before))
        raise _Problem("parse", f"invalid YAML: {exc.reason} (U+{exc.character:04X})",
                       line, col) from None
    except yaml.YAMLError as exc:
        raise _Problem("parse", f"invalid YAML: {exc}") from None
    except RecursionError:  # the pure-Python loader, without libyaml's nesting limit
        raise _Problem("parse", f"the YAML document nests deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _check_yaml_graph(root: Any) -> None:
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
        children = _yaml_children(node)
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_VALUES:
                raise _yaml_problem(node, _expansion_message(aliased))
            if depth[key] > MAX_DEPTH:
                raise _yaml_problem(node, f"the YAML document nests deeper than {MAX_DEPTH} levels")
            continue
        if key in size:
            aliased = True
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise _yaml_problem(child, "the YAML document refers to itself through an alias "
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


def _yaml_children(node: Any) -> list:
    if node.id == "mapping":
        return [part for pair in node.value for part in pair]
    if node.id == "sequence":
        return list(node.value)
    return []


def _yaml_problem(node: Any, message: str) -> _Problem:
    return _Problem("parse", message, node.start_mark.line + 1, node.start_mark.column + 1)


# -- linting --------------------------------------------------------------------------------


def is_envelope(data: Any) -> bool:
    return isinstance(data, dict) and "body" in data and "documents" not in data


def lint_text(
    text: str, path: str = "<payload>", *, file_names: Mapping[str, str] | None = None
) -> list[FileFinding]:
    """Findings of one payload given as text; ``path`` picks the parser (``.json``/``.yaml``)."""
    try:
        parsed = parse(text, path)
    except _Problem as problem:
        return [_problem_finding(path, problem)]
    return _lint_parsed(parsed, path, file_names)


def lint_file(path: str, *, file_names: Mapping[str, str] | None = None) -> list[FileFinding]:
    """Findings of one payload file, including read and parse problems."""
    try:
        parsed = parse(decode(read_file(path)), path)
    except _Problem as problem:
        return [_problem_finding(path, problem)]
    return _lint_parsed(parsed, path, file_names)


def _lint_parsed(parsed: _Parsed, path: str, file_names: Mapping[str, str] | None) -> list[FileFinding]:
    data = parsed.data
    envelope = is_envelope(data)
    try:
        if envelope:
            findings = [
                Finding("envelope.unknown-field", pointer_of((name,)),
                        f"{name!r} is not an envelope field; an envelope has "
                        f"{', '.join(ENVELOPE_FIELDS)} (a file with a top-level 'body' and no "
                        "'documents' is read as an envelope)")
                for name in data if name not in ENVELOPE_FIELDS
            ]
            findings += validate_request(data["body"], data.get("headers"), data.get("method", "POST"),
                                         file_names=file_names, max_findings=MAX_FINDINGS)
        else:
            findings = validate_request(data, file_names=file_names, max_findings=MAX_FINDINGS)
    except Exception as exc:  # a validator bug must not hide the other files' findings
        return [FileFinding(path, 1, 1, "", "internal",
                            f"bulkpdf lint failed on this file (please report it): "
                            f"{type(exc).__name__}: {exc}")]
    if not findings:
        return []
    tokens = [_file_tokens(f, data if envelope else None) for f in findings]
    positions = _positions(parsed, tokens)
    return [
        FileFinding(path, *positions[t], f.pointer, f.rule, f.message)
        for f, t in zip(findings, tokens)
    ]


def _file_tokens(finding: Finding, envelope: dict | None) -> tuple[str, ...]:
    """Where a finding's pointer lives in the file (envelopes keep the body under ``/body``)."""
    tokens = split_pointer(finding.pointer)
    if envelope is None or finding.rule.startswith("envelope."):
        return tokens
    if finding.rule == "request.method":
        return ("method",)
    if finding.rule == "request.unexpected-body":
        return ("body",)
    # A body member called "headers" is only ever reported by additionalProperties.
    if tokens[:1] == ("headers",) and finding.rule != "schema.additionalProperties":
        headers = envelope.get("headers")
        if len(tokens) > 1 and isinstance(headers, dict):
            written = [k for k in headers if isinstance(k, str) and canonical_header(k) == tokens[1]]
            if written:
                return ("headers", written[-1]) + tokens[2:]
        return tokens
    return ("body",) + tokens


def _positions(parsed: _Parsed, paths: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, int]]:
    if parsed.yaml_root is not None:
        return {p: yaml_position(parsed.yaml_root, p) for p in paths}
    offsets = json_offsets(parsed.text, paths)
    return dict(zip(offsets, line_cols(parsed.text, offsets.values())))


def _problem_finding(path: str, problem: _Problem) -> FileFinding:
    return FileFinding(path, problem.line, problem.column, "", problem.rule, problem.message)


def collect(paths: Iterable[str]) -> tuple[list[str], list[FileFinding]]:
    """Files to lint (directories recurse to ``*.json``/``*.yaml``/``*.yml``, skipping hidden
    entries), and findings for paths that name nothing lintable."""
    files: list[str] = []
    problems: list[FileFinding] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = []
        for top, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(top, n) for n in sorted(names)
                      if n.lower().endswith(SUFFIXES) and not n.startswith(".")]
        if not found:
            problems.append(FileFinding(path, 1, 1, "", "read",
                                        "the directory holds no *.json, *.yaml or *.yml files"))
        files += found
    return files, problems


def lint_paths(paths: Iterable[str], *, file_names: Mapping[str, str] | None = None) -> list[FileFinding]:
    """Every finding for the given files and directories, sorted."""
    files, findings = collect(paths)
    for path in dict.fromkeys(files):
        findings += lint_file(path, file_names=file_names)
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule, f.pointer))


def load_file_names(path: str) -> dict[str, str]:
    """The ``--file-names`` mapping objectId -> PDF file name, from a JSON or YAML file."""
    try:
        data = parse(decode(read_file(path)), path).data
    except _Problem as problem:
        raise ValueError(f"{path}:{problem.line}:{problem.column}: {problem.message}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: expected an object mapping objectId to PDF file name "
                         "(both strings)")
    return data


# -- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="payload files, or directories to search for *.json, *.yaml, *.yml")
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="text: path:line:col: rule: message (default); json: a list of objects")
    parser.add_argument("--file-names", metavar="MAP",
                        help="JSON or YAML file mapping objectId to its PDF file name, to catch "
                             "distinct IDs whose PDFs would have the same name")


def run(args: argparse.Namespace) -> int:
    file_names = None
    if args.file_names is not None:
        try:
            file_names = load_file_names(args.file_names)
        except ValueError as exc:
            print(f"bulkpdf lint: --file-names: {exc}", file=sys.stderr)
            return 2
    findings = lint_paths(args.paths, file_names=file_names)
    if args.format == "json":
        sys.stdout.write(orjson.dumps([f.to_dict() for f in findings],
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        if findings:
            sys.stdout.write("".join(f"{f}\n" for f in findings))
        files = len({f.path for f in findings})
        print(f"bulkpdf lint: {len(findings)} finding(s) in {files} file(s)" if findings
              else "bulkpdf lint: no findings", file=sys.stderr)
    return 1 if findings else 0
