"""A parsed payload -> findings in its file: envelopes, ``validate_request``, and where each lands.

A file holds a request body, or an envelope ``{"method"?, "headers"?, "body"}`` (a top-level
``body`` and no ``documents``) so that header rules are linted too. Positions are worked out
(:mod:`.positions`) only for files that have findings. Every problem, including a file that
cannot be read or parsed, is a :class:`~.findings.FileFinding`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..spec import canonical_header
from ..validators import Finding, pointer_of, validate_request
from .findings import FileFinding, FileProblem
from .parsing import Parsed, load, parse
from ..spec.pointers import split_pointer
from .positions import json_offsets, line_cols, yaml_position
from .reading import collect

MAX_FINDINGS = 1000
"""Findings listed per file; past it one ``findings.truncated`` finding says so (50,000 malformed
IDs are one mistake repeated, and a hook that prints 50,000 lines helps nobody)."""
ENVELOPE_FIELDS = ("method", "headers", "body")


def is_envelope(data: Any) -> bool:
    return isinstance(data, dict) and "body" in data and "documents" not in data


def lint_text(
    text: str, path: str = "<payload>", *, file_names: Mapping[str, str] | None = None
) -> list[FileFinding]:
    """Findings of one payload given as text; ``path`` picks the parser (``.json``/``.yaml``)."""
    try:
        parsed = parse(text, path)
    except FileProblem as problem:
        return [problem.finding(path)]
    return lint_document(parsed, path, file_names)


def lint_file(path: str, *, file_names: Mapping[str, str] | None = None) -> list[FileFinding]:
    """Findings of one payload file, including read and parse problems."""
    try:
        parsed = load(path)
    except FileProblem as problem:
        return [problem.finding(path)]
    return lint_document(parsed, path, file_names)


def lint_paths(paths: Iterable[str], *, file_names: Mapping[str, str] | None = None) -> list[FileFinding]:
    """Every finding for the given files and directories, sorted."""
    files, findings = collect(paths)
    for path in dict.fromkeys(files):
        findings += lint_file(path, file_names=file_names)
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule, f.pointer))


def lint_document(
    parsed: Parsed, path: str, file_names: Mapping[str, str] | None = None
) -> list[FileFinding]:
    """The findings of one parsed payload, placed at their line and column in its text."""
    data = parsed.data
    envelope = data if is_envelope(data) else None
    try:
        findings = request_findings(data, envelope is not None, file_names)
    except Exception as exc:  # a validator bug must not hide the other files' findings
        return [FileFinding(path, 1, 1, "", "internal",
                            f"bulkpdf lint failed on this file (please report it): "
                            f"{type(exc).__name__}: {exc}")]
    if not findings:
        return []
    tokens = [_file_tokens(f, envelope) for f in findings]
    positions = _positions(parsed, tokens)
    return [
        FileFinding(path, *positions[t], f.pointer, f.rule, f.message)
        for f, t in zip(findings, tokens)
    ]


def request_findings(
    data: Any, envelope: bool, file_names: Mapping[str, str] | None = None
) -> list[Finding]:
    """``validate_request`` of a body, or of an envelope's body, headers and method."""
    if not envelope:
        return validate_request(data, file_names=file_names, max_findings=MAX_FINDINGS)
    findings = [
        Finding("envelope.unknown-field", pointer_of((name,)),
                f"{name!r} is not an envelope field; an envelope has "
                f"{', '.join(ENVELOPE_FIELDS)} (a file with a top-level 'body' and no "
                "'documents' is read as an envelope)")
        for name in data if name not in ENVELOPE_FIELDS
    ]
    return findings + validate_request(data["body"], data.get("headers"), data.get("method", "POST"),
                                       file_names=file_names, max_findings=MAX_FINDINGS)


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


def _positions(parsed: Parsed, paths: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, int]]:
    if parsed.yaml_root is not None:
        return {p: yaml_position(parsed.yaml_root, p) for p in paths}
    offsets = json_offsets(parsed.text, paths)
    return dict(zip(offsets, line_cols(parsed.text, offsets.values())))
