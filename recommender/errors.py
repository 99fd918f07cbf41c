"""Every domain error Pathways raises, in one place.

Each error inherits ``PathwaysError`` and a builtin (``ValueError`` or ``LookupError``) and carries
the fields a message needs. Only ``service.problems`` maps them to HTTP responses.
"""

from __future__ import annotations


class PathwaysError(Exception):
    """Base class of all domain errors."""


class FileProblemError(PathwaysError, ValueError):
    """Something wrong at a place in a file: ``file``, and the 1-based data ``row`` and the
    ``column`` name where known (None otherwise); the message names them in that order."""

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


class CatalogueError(FileProblemError):
    """A catalogue file is missing or malformed.

    ``file`` is the path, ``row`` the 1-based data row (None when the problem is the whole file),
    ``column`` the column name (None when not about one column).
    """


class BenchmarkDataError(CatalogueError):
    """A benchmark file (data/benchmarks/) is missing or malformed; fields as CatalogueError."""


class UnknownCodeError(PathwaysError, LookupError):
    """A code (occupation, pathway, region, county...) is not in the catalogue."""

    def __init__(self, kind: str, code: str) -> None:
        self.kind = kind
        self.code = code
        super().__init__(f"unknown {kind} {code!r}")


class InvalidArrayError(PathwaysError, ValueError):
    """An array argument of a scoring or metric function has the wrong shape or bad values.

    ``argument`` names the parameter, ``reason`` says what is wrong with it.
    """

    def __init__(self, argument: str, reason: str) -> None:
        self.argument = argument
        self.reason = reason
        super().__init__(f"{argument}: {reason}")


class OutcomeRecordsError(PathwaysError, ValueError):
    """An outcome-records file cannot be read or written (missing, wrong format, wrong columns).

    ``file`` is the path, ``reason`` what went wrong.
    """

    def __init__(self, reason: str, *, file: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class InvalidOutcomeRecordsError(PathwaysError, ValueError):
    """Outcome records failed validation, so no model may be trained on them.

    ``problems`` holds every ``(row, column, reason)`` found (row is 1-based, None for the whole
    table); ``n_rows`` is the number of data rows checked.
    """

    def __init__(
        self, problems: tuple[tuple[int | None, str | None, str], ...], n_rows: int
    ) -> None:
        self.problems = problems
        self.n_rows = n_rows
        shown = "; ".join(_describe_problem(*p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s) in {n_rows} outcome record(s): {shown}{more}")


class TrainingRecordsRefusedError(PathwaysError, ValueError):
    """Outcome-record files failed the checks before training, so nothing was trained or written.

    ``files`` holds one ``(file, n_rows, problems)`` per file with a problem, each problem a
    1-based ``(row, column, reason)`` as in ``InvalidOutcomeRecordsError``.
    """

    def __init__(
        self,
        files: tuple[tuple[str, int, tuple[tuple[int | None, str | None, str], ...]], ...],
    ) -> None:
        self.files = files
        total = sum(len(problems) for _, _, problems in files)
        first = next(((f, p[0]) for f, _, p in files if p), None)
        shown = "" if first is None else f"; first: {first[0]}: {_describe_problem(*first[1])}"
        super().__init__(f"{total} problem(s) in {len(files)} outcome-record file(s){shown}")


def _describe_problem(row: int | None, column: str | None, reason: str) -> str:
    """Render one validation problem as 'row 3, column 'outcome': reason'."""
    where = "table" if row is None else f"row {row}"
    if column is not None:
        where += f", column {column!r}"
    return f"{where}: {reason}"


class RecordNotFoundError(PathwaysError, LookupError):
    """A stored record does not exist or is outside what the caller may see (both look the same)."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class NotAuthenticatedError(PathwaysError, PermissionError):
    """The request carries no valid sign-in session (missing, unknown or expired)."""

    def __init__(self, reason: str = "sign in first") -> None:
        self.reason = reason
        super().__init__(reason)


class PermissionDeniedError(PathwaysError, PermissionError):
    """The signed-in role may not use this action at all (``role`` may not ``action``)."""

    def __init__(self, role: str, action: str) -> None:
        self.role = role
        self.action = action
        super().__init__(f"a {role} may not {action}")


class LoginThrottledError(PathwaysError, PermissionError):
    """Too many failed sign-ins (for an account, or from a client); ``retry_after`` is in whole
    seconds (>= 1). Raised before any password is checked."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"too many failed sign-ins; try again in {self.retry_after} s")


class SignInBusyError(PathwaysError, RuntimeError):
    """Every password-check slot of this process stayed busy; ``retry_after`` in seconds (>= 1)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            f"too many sign-ins are being checked right now; try again in {self.retry_after} s"
        )


class RecordConflictError(PathwaysError, ValueError):
    """A write contradicts stored state: ``kind`` names the record, ``reason`` the rule broken."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"{kind}: {reason}")


class InvalidRecordError(PathwaysError, ValueError):
    """A field value breaks a rule the schema alone cannot state; ``field`` is a dotted path."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

    def field_errors(self) -> list[dict[str, str]]:
        """Every wrong field as ``{"field", "message"}`` (the API's ``errors``); one here."""
        return [{"field": self.field, "message": self.reason}]


class FeatureInputError(PathwaysError, ValueError):
    """Arrays given to the pair-feature builder are malformed; ``what`` names the input."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


class RankingPolicyError(PathwaysError, ValueError):
    """A ranking-policy setting is missing or out of range; ``source`` names the file."""

    def __init__(self, source: str, setting: str, reason: str) -> None:
        self.source = source
        self.setting = setting
        self.reason = reason
        super().__init__(f"{source}: setting {setting!r}: {reason}")


class ModelArtifactError(PathwaysError, ValueError):
    """A model file is missing, corrupt or does not match the features; ``file`` is its path."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class UnknownModelVersionError(PathwaysError, LookupError):
    """A model version is not in the models folder or the registry."""

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(f"unknown model version {version!r}")


class PromotionRefusedError(RecordConflictError):
    """A promotion or rollback was refused; ``reasons`` lists every failed check.

    It conflicts with the stored active version, so it is a ``RecordConflictError`` (kind
    ``model version``); the message keeps its own wording.
    """

    def __init__(self, version: str, reasons: tuple[str, ...]) -> None:
        self.version = version
        self.reasons = reasons
        super().__init__("model version", "; ".join(reasons))
        self.args = (f"refusing to promote {version!r}: " + "; ".join(reasons),)


class RawDataError(PathwaysError, ValueError):
    """A raw catalogue-build input is missing or unusable; ``path`` names the file or folder."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class InstrumentError(PathwaysError, ValueError):
    """An assessment instrument file is missing or malformed, or a version or language is absent.

    ``source`` names the file (or the instrument part), ``reason`` what is wrong.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class AnswerError(PathwaysError, ValueError):
    """Stored assessment answers break a rule.

    ``where`` names the item or scale (e.g. ``interests.R03``, ``values.support``,
    ``aptitude.spatial[4]``), ``rule`` the rule broken, ``detail`` the offending value.
    """

    rule = "invalid answer"

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        self.detail = detail
        super().__init__(f"{where}: {self.rule}: {detail}")


class UnknownItemError(AnswerError, LookupError):
    """An answer names an item, scale, subtest or field the instrument does not have."""

    rule = "unknown item"


class OutOfRangeAnswerError(AnswerError):
    """An answer value is of the wrong type or outside the item's allowed range."""

    rule = "value out of range"


class TooFewAnswersError(AnswerError):
    """A scale has fewer answers than its minimum; ``answered`` and ``minimum`` are counts."""

    rule = "too few answers"

    def __init__(self, where: str, answered: int, minimum: int) -> None:
        self.answered = answered
        self.minimum = minimum
        super().__init__(where, f"{answered} answered, at least {minimum} needed")


class UnissuedItemError(AnswerError, LookupError):
    """An aptitude answer has no matching issued item (no seed, or an index beyond those issued)."""

    rule = "answer without a matching issued item"


class ResponseFileError(FileProblemError):
    """A long-format response file is unreadable or malformed.

    ``file`` is the path, ``row`` the 1-based data row (None for the whole file), ``column`` the
    column name (None when not about one column).
    """
