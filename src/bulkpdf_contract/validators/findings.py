"""The one result type every validator, the linter, the gate and the plugin speak."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One broken rule.

    ``rule`` is stable: ``schema.<keyword>`` for JSON Schema keywords, a dotted name for each
    semantic rule. ``pointer`` is an RFC 6901 pointer into the request (headers live under
    ``/headers/<Canonical-Name>``). ``line``/``column`` (1-based) are set when the payload came
    from a file.
    """

    rule: str
    pointer: str
    message: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.pointer or '/'}"
        return f"{where}: {self.rule}: {self.message}"


def escape_token(token: object) -> str:
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def pointer_of(parts) -> str:
    """RFC 6901 pointer of a path given as keys and indexes."""
    return "".join("/" + escape_token(p) for p in parts)


def sort_findings(findings) -> list[Finding]:
    """Deduplicated, in a stable, readable order."""
    unique = {(f.rule, f.pointer): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line or 0, f.column or 0, f.pointer, f.rule))
