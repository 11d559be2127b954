"""What the linter reports: a finding at a line and column of a file, and the problem that stops
a file from being linted at all (it cannot be read, or is not JSON or YAML text).

Both are plain data so that every step (reading, parsing, checking) can report in the same
shape: a file that cannot be linted is one more finding, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileFinding:
    """A :class:`~bulkpdf_contract.validators.Finding` in a file; ``pointer`` is the one
    ``validate_request`` reports (into the request, not into the file)."""

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


class FileProblem(Exception):
    """A file that cannot be linted: one finding of ``rule`` (``read`` or ``parse``) at
    ``line``:``column``."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.rule, self.message, self.line, self.column = rule, message, line, column

    def finding(self, path: str) -> FileFinding:
        return FileFinding(path, self.line, self.column, "", self.rule, self.message)
