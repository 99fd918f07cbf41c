"""Tables of the service. Request/response schemas live apart, in ``service.schemas``.

Students are pseudonymous: a school-local id and a first name. ``gender`` and ``race_ethnicity``
are optional, kept for fairness audits only, and never handed to the model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.choices import (
    AccountRole,
    OutcomeEvent,
    Role,
    activity_category_values,
    literal_values,
)
from service.db import Base, UTCDateTime, utc_now

ROLES: Final = literal_values(Role)
#: Roles held by accounts with a password; students sign in with a one-time access code instead.
ACCOUNT_ROLES: Final = literal_values(AccountRole)
#: Stored activity codes, derived from the one definition in ``service.choices``.
ACTIVITY_CATEGORIES: Final = activity_category_values()
OUTCOME_EVENTS: Final = literal_values(OutcomeEvent)
ASSESSMENT_STATUSES: Final = ("in_progress", "submitted")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(200))
    county_fips: Mapped[str] = mapped_column(String(5))
    region_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: The state's school identifier (a roster's ``orgs.csv`` ``identifier``), when known
    #: (migration 0005); roster imports match schools on it, else on the name.
    state_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        UniqueConstraint("district", "name", name="uq_schools_district_name"),
        UniqueConstraint("state_id", name="uq_schools_state_id"),
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: The coach's employer (a community college district or a workforce area), for the staff
    #: reports; set by an admin; empty when not known (migration 0008).
    organisation: Mapped[str | None] = mapped_column(String(120), nullable=True, default=None)

    __table_args__ = (CheckConstraint(_in("role", ACCOUNT_ROLES), name="ck_users_role"),)


class CoachSchool(Base):
    __tablename__ = "coach_schools"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )


class Student(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(60))
    grade: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(32), nullable=True)
    race_ethnicity: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: The roster's id of the student (OneRoster ``sourcedId``), so a re-import updates the same
    #: row even when the local id changed; empty for students added by hand (migration 0005).
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The language the family reads, as a catalogue code ('en', 'es', …): the printed plan is in
    #: it; empty until a coach sets it (migration 0007). No check constraint, so that adding a
    #: language stays adding a catalogue file; ``service.families`` checks the code.
    family_language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    __table_args__ = (
        UniqueConstraint("school_id", "local_id", name="uq_students_school_local_id"),
        UniqueConstraint("school_id", "source_id", name="uq_students_school_source_id"),
        CheckConstraint("grade BETWEEN 9 AND 12", name="ck_students_grade"),
    )


class SchoolClass(Base):
    """A class (section) of a school in one school year, from a roster or typed by a coach:
    only its title and period, never its teacher (migration 0005)."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (
        UniqueConstraint(
            "school_id", "school_year", "source_id", name="uq_classes_school_year_source_id"
        ),
    )


class ClassMember(Base):
    """A student's membership of a class (migration 0005)."""

    __tablename__ = "class_members"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PendingImport(Base):
    """An uploaded roster waiting for its importer to confirm the preview; deleted when
    confirmed and purged after ``rostering.PENDING_MINUTES`` (migration 0005)."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    school_year: Mapped[str] = mapped_column(String(9))
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


class AuthSession(Base):
    """A sign-in session; only the SHA-256 of its random token is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="ck_auth_sessions_role"),
        CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND user_id IS NULL)"
            " OR (role <> 'student' AND user_id IS NOT NULL AND student_id IS NULL)",
            name="ck_auth_sessions_subject",
        ),
    )


class LoginThrottle(Base):
    """One sign-in throttle row; ``username`` holds its key (``pair:``, ``acct:``, ``client:``,
    ``code:`` or ``known:`` and keyed digests, never an address or a username in clear; see
    ``service.auth``), whether or not the account exists."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessCode(Base):
    """A one-time code a coach issues so a student can start or resume the assessment."""

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Assessment(Base):
    """One sitting of the instrument; ``aptitude_seeds`` stay on the server and are never served."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    instrument_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    aptitude_seeds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(_in("status", ASSESSMENT_STATUSES), name="ck_assessments_status"),
        UniqueConstraint("student_id", "client_key", name="uq_assessments_client_key"),
    )


class Recommendation(Base):
    """A stored ranked result with the model and catalogue versions and the inputs that made it."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), nullable=True
    )
    model_version: Mapped[str] = mapped_column(String(64))
    catalogue_version: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Activity(Base):
    """One entry of a coach's activity log; ``student_id`` is empty for group activities."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), nullable=True, index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # the fields some categories need (service.activities says which): "" when not used
    topic: Mapped[str] = mapped_column(String(300), default="", server_default="")
    employer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    occupation_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")
    language: Mapped[str] = mapped_column(String(40), default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # True once the named student's records were deleted (service.privacy): the entry is kept
    # for the counts, the student is counted in erased_reach, not as an unnamed attendee
    erased_student: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint(_in("category", ACTIVITY_CATEGORIES), name="ck_activities_category"),
        CheckConstraint("minutes >= 0", name="ck_activities_minutes"),
        CheckConstraint("participants >= 1", name="ck_activities_participants"),
    )


class ActivityAttendee(Base):
    """A caseload student named as present at a group activity (the count may be larger)."""

    __tablename__ = "activity_attendees"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Plan(Base):
    """A student's current plan: chosen pathways, next steps and notes (one per student)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), unique=True
    )
    chosen_pathways: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Outcome(Base):
    """A graded outcome (0 none .. 3 strongest) for one occupation or pathway code."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    code_kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(160))
    grade: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint("grade BETWEEN 0 AND 3", name="ck_outcomes_grade"),
        CheckConstraint(_in("code_kind", ("occupation", "pathway")), name="ck_outcomes_kind"),
        CheckConstraint(_in("event_type", OUTCOME_EVENTS), name="ck_outcomes_event"),
    )


class ServiceSetting(Base):
    """Service-wide values every process must agree on, e.g. ``active_model_version``."""

    __tablename__ = "service_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


MODEL_ACTIONS: Final = ("promote", "rollback", "initialise")


class ModelEvent(Base):
    """One change of the active model version: who, when, from what, forced or not, and why."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(64))
    replaced: Mapped[str | None] = mapped_column(String(64), nullable=True)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    by_user: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (CheckConstraint(_in("action", MODEL_ACTIONS), name="ck_model_events_action"),)


Index("ix_activities_school_year_school", Activity.school_year, Activity.school_id)


DISCLOSURE_ACTIONS: Final = ("read", "change")


class Disclosure(Base):
    """One time an account read or changed a student's record: who (account id and role), which
    student, when, through which route (template and method). Never in the normal logs.

    ``student_id`` is a plain number, not a foreign key: the entry outlives the student's
    deletion (it records that the disclosure happened). ``user_id`` loses its account when the
    account is deleted, never the entry.
    """

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    student_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint(_in("action", DISCLOSURE_ACTIONS), name="ck_disclosures_action"),
        CheckConstraint(_in("role", ACCOUNT_ROLES), name="ck_disclosures_role"),
    )


class ErasedReach(Base):
    """Students reached by a school's activities in a year whose records were deleted since: the
    activity report adds them to ``students_reached`` so a deletion leaves its totals unchanged."""

    __tablename__ = "erased_reach"

    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    school_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    students: Mapped[int] = mapped_column(Integer, default=0)


PRIVACY_REQUEST_KINDS: Final = ("export", "delete")
PRIVACY_REQUEST_STATUSES: Final = ("pending", "approved", "refused", "done")


class PrivacyRequest(Base):
    """A coach's request to export or delete one student's records, decided by an admin.

    ``student_id`` is a plain number so the request stays on record after the deletion it asked
    for. An approved export may be downloaded by the coach who asked; an approved deletion is
    carried out at approval (status ``done``).
    """

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(_in("kind", PRIVACY_REQUEST_KINDS), name="ck_privacy_requests_kind"),
        CheckConstraint(_in("status", PRIVACY_REQUEST_STATUSES), name="ck_privacy_requests_status"),
    )
