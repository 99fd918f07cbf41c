"""Every domain error Pathways raises, in one place.

Each error inherits ``PathwaysError`` and a builtin (``ValueError`` or ``LookupError``) and carries
the fields a message needs. Only ``service.problems`` maps them to HTTP responses.
"""

from __future__ import annotations


class PathwaysError(Exception):
    """Base class of all domain errors."""


class CatalogueError(PathwaysError, ValueError):
    """A catalogue file is missing or malformed.

    ``file`` is the path, ``row`` the 1-based data row (None when the problem is the whole file),
    ``column`` the column name (None when not about one column).
    """

    def __init__(
        self, message: str, *, file: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UnknownCodeError(PathwaysError, LookupError):
    """A code (occupation, pathway, region, county...) is not in the catalogue."""

    def __init__(self, kind: str, code: str) -> None:
        self.kind = kind
        self.code = code
        super().__init__(f"unknown {kind} {code!r}")
