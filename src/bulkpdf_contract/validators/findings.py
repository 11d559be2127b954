"""The one result type every validator, the linter, the gate and the plugin speak."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..spec.pointers import pointer_of  # noqa: F401  (its home is spec.pointers; re-exported as validators.pointer_of)


@dataclass(frozen=True, init=False)
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

    def __init__(
        self, rule: str, pointer: str, message: str, line: int | None = None, column: int | None = None
    ):
        # Frozen: the fields go straight into __dict__, as five object.__setattr__ calls (what
        # dataclass would generate) cost ~2.5x as much, and findings are made by the thousand.
        fields = self.__dict__
        fields["rule"] = rule
        fields["pointer"] = pointer
        fields["message"] = message
        fields["line"] = line
        fields["column"] = column

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.pointer or '/'}"
        return f"{where}: {self.rule}: {self.message}"


def sort_findings(findings) -> list[Finding]:
    """Deduplicated, in a stable, readable order."""
    if isinstance(findings, list) and len(findings) < 2:
        return list(findings)
    unique = {(f.rule, f.pointer): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line or 0, f.column or 0, f.pointer, f.rule))
