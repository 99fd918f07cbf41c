"""The family's language: which language a student's printed plan is in (pages and API).

Only a language code is stored (``students.family_language``), never why; empty means not set,
and the print view is then in the coach's page language.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from recommender.errors import InvalidRecordError
from service.i18n import check_family_language
from service.tables import Student


def set_family_language(db: Session, student: Student, code: str | None) -> None:
    """Remember the language ``student``'s family reads (None or '' forgets it); a code
    without a catalogue is refused (``InvalidRecordError``) and nothing is changed."""
    try:
        language = check_family_language(code)
    except ValueError as exc:
        raise InvalidRecordError("family_language", str(exc)) from None
    student.family_language = language
    db.flush()
