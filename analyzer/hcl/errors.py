"""The parse error every HCL reader raises."""

from __future__ import annotations


class HclSyntaxError(ValueError):
    """A syntax error with the 1-based line (and column) where it was found."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
