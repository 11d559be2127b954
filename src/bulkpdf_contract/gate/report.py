"""What the gate tells people: check results, curl lines, the summary table and JUnit XML.

A result is per *check*, not per request: a CI reader wants to know which rule broke and one
request that shows it, not a thousand passing cases. Curl lines never carry the token; they read it
from ``$BULKPDF_TOKEN`` so a failure can be replayed without leaking the secret into CI logs.
"""

from __future__ import annotations

import shlex
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
TOKEN_VARIABLE = "BULKPDF_TOKEN"
# Headers a reader does not need to reproduce a request (set by the HTTP client itself).
_NOISE_HEADERS = frozenset({
    "user-agent", "accept", "connection", "content-length", "host", "x-schemathesis-testcaseid",
})


@dataclass
class CheckResult:
    """The outcome of one named check.

    ``curl`` is the minimal reproducing request of a failure (possibly several lines when the
    failure needs earlier requests, e.g. a replay). ``requests`` counts the requests behind a pass.
    """

    name: str
    source: str
    status: str
    detail: str = ""
    curl: str | None = None
    duration: float = 0.0
    requests: int = 0
    failures: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == FAILED


def curl_line(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | str | None = None,
    *,
    token: str | None = None,
    gzip_body: bool = False,
) -> str:
    """A copy-pasteable curl command; the bearer token becomes ``$BULKPDF_TOKEN``.

    ``gzip_body`` means the body went over the wire gzipped: the line pipes the readable JSON
    through ``gzip`` (bash process substitution), since binary does not paste.
    """
    parts = ["curl", "-sS", "-X", method.upper()]
    items = headers.items() if isinstance(headers, Mapping) else (headers or [])
    for name, value in items:
        if name.lower() in _NOISE_HEADERS:
            continue
        if name.lower() == "authorization" and (token is None or value == f"Bearer {token}"):
            parts += ["-H", f'"Authorization: Bearer ${TOKEN_VARIABLE}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
        if len(text) > 4000:
            text = text[:4000] + "...(truncated)"
        if gzip_body:
            parts += ["--data-binary", f"@<(printf %s {shlex.quote(text)} | gzip)"]
        else:
            parts += ["--data-binary", shlex.quote(text)]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def mask_token(text: str, token: str | None) -> str:
    """Replace a literal bearer token in someone else's curl line by ``$BULKPDF_TOKEN``."""
    if not token:
        return text
    for quoted in (f"'Authorization: Bearer {token}'", f'"Authorization: Bearer {token}"'):
        text = text.replace(quoted, f'"Authorization: Bearer ${TOKEN_VARIABLE}"')
    return text.replace(token, f"${TOKEN_VARIABLE}")


def help_rows(rows: Iterable[tuple[str, str]], *, indent: int, name_width: int, width: int = 96) -> list[str]:
    """``name  description`` rows for a command's ``--help``, the description wrapped under itself."""
    lines: list[str] = []
    for name, description in rows:
        lines += textwrap.wrap(f"{name:<{name_width}} {description}", width=width, initial_indent=" " * indent,
                               subsequent_indent=" " * (indent + name_width + 1))
    return lines


def summary_table(results: list[CheckResult]) -> str:
    """A fixed-width table, then one block per failure with its reproducing curl line."""
    width = max([len(r.name) for r in results] + [5])
    lines = [f"{'check':<{width}}  {'source':<12}  {'status':<7}  {'requests':>8}  {'time':>6}  detail"]
    lines.append("-" * (width + 50))
    for r in results:
        detail = r.detail.splitlines()[0] if r.detail else ""
        if len(detail) > 90:
            detail = detail[:87] + "..."
        lines.append(
            f"{r.name:<{width}}  {r.source:<12}  {r.status.upper():<7}  {r.requests:>8}  "
            f"{r.duration:>5.1f}s  {detail}"
        )
    counts = {s: sum(r.status == s for r in results) for s in (PASSED, FAILED, SKIPPED)}
    lines.append("-" * (width + 50))
    lines.append(f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped")
    for r in results:
        if not r.failed:
            continue
        lines += ["", f"FAILED {r.name}: {r.detail}"]
        lines += [f"    {note}" for note in r.notes]
        if r.curl:
            lines.append("  reproduce with:")
            lines += [f"    {line}" for line in r.curl.splitlines()]
    return "\n".join(lines)


def write_junit(
    results: list[CheckResult], path: str | Path, *, elapsed: float, target: str, suite: str = "bulkpdf-check"
) -> None:
    """One ``<testcase>`` per check (per scenario for ``bulkpdf check-client``, ``suite``
    bulkpdf-check-client); a failure carries its message, notes and curl line."""
    element = ET.Element("testsuite", {
        "name": suite,
        "tests": str(len(results)),
        "failures": str(sum(r.failed for r in results)),
        "errors": "0",
        "skipped": str(sum(r.status == SKIPPED for r in results)),
        "time": f"{elapsed:.3f}",
    })
    props = ET.SubElement(element, "properties")
    ET.SubElement(props, "property", {"name": "target", "value": target})
    for r in results:
        case = ET.SubElement(element, "testcase", {
            "classname": f"bulkpdf.{r.source}", "name": r.name, "time": f"{r.duration:.3f}",
        })
        if r.failed:
            failure = ET.SubElement(case, "failure", {"message": r.detail.splitlines()[0] if r.detail else ""})
            body = [r.detail, *r.notes]
            if r.curl:
                body += ["", "Reproduce with:", r.curl]
            failure.text = "\n".join(body)
        elif r.status == SKIPPED:
            ET.SubElement(case, "skipped", {"message": r.detail})
    tree = ET.ElementTree(ET.Element("testsuites"))
    tree.getroot().append(element)
    ET.indent(tree)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
