"""Request and response bodies of the HTTP API (kept apart from the tables in ``service.tables``).

Request models forbid unknown fields so a typo is a 422 naming the field, not silently ignored.
Every request model derives from ``RequestModel``, the one place free text is checked the same
way on every database: a string anywhere in a request body (a field, a list item, a map key)
holding the NUL character is refused with a 422 naming the field (PostgreSQL cannot store NUL;
SQLite would store it). The pages check their form fields with ``nul_fields`` from here.

Request models are strict (``RequestModel``): a number must be a JSON number and a yes/no a JSON
boolean, so ``"5"`` or ``true`` is not a rating, ``true`` is not a GPA and ``0`` is not a date;
a date is text ``YYYY-MM-DD`` inside the window of ``recommender.school_years`` (1 July 2000 to
the end of next school year), and so is a school year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from recommender.school_years import day_problem, school_year_problem
from recommender.school_years import school_year_of as school_year_of
from recommender.school_years import today as today
from service import choices
from service.choices import ActivityCategory as ActivityCategory
from service.i18n import check_family_language
from service.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from service.passwords import describe_problems, password_problems

# The closed choice lists are defined once, as enums in service.choices.
Role = choices.Role
AccountRole = choices.AccountRole
OutcomeEvent = choices.OutcomeEvent

#: Whose regional figures a recommended occupation carries (``catalogue.FIGURES_SCOPES``): its own
#: OEWS series, a group's (a series shared with other titles, or a SOC broad group), or none.
FiguresScope = Literal["occupation", "group", "none"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
#: A person's display name; the column holds 120 characters (users.display_name).
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[\w.@-]+$"),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
#: A password being set; ``service.passwords`` rules are checked where the username is known.
NewPassword = Annotated[
    str,
    StringConstraints(max_length=256),
    Field(
        json_schema_extra={"minLength": MIN_PASSWORD_LENGTH},
        description=(
            f"at least {MIN_PASSWORD_LENGTH} characters; not one character or a short group "
            "repeated, not a simple run (1234567890, abcdefghij), not a common password, "
            "not containing the username"
        ),
    ),
]
FirstName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
LocalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[\w-]+$")
]
CountyFips = Annotated[str, StringConstraints(pattern=r"^28\d{3}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{7}$")]
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=160, pattern=r"^[\w.#-]+$"),
]


def check_school_year(value: str) -> str:
    """A school year is written 'YYYY-YYYY' with consecutive years, e.g. '2025-2026', and lies in
    the accepted window (``recommender.school_years``)."""
    if not re.fullmatch(r"\d{4}-\d{4}", value):
        raise ValueError("school year must look like 2025-2026")
    first, second = value.split("-")
    if int(second) != int(first) + 1:
        raise ValueError("school year must be two consecutive years, e.g. 2025-2026")
    problem = school_year_problem(int(first), today())
    if problem is not None:
        raise ValueError(problem)
    return value


DATE_ERROR: Final = "date_type"
DATE_WINDOW_ERROR: Final = "date_out_of_window"


def parse_iso_date(value: Any) -> date:
    """A date from text 'YYYY-MM-DD' (or a date); anything else, a number included, is refused."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(DATE_ERROR, "a date must be text like 2025-09-15 (YYYY-MM-DD)")


def check_day(value: date) -> date:
    """``value`` when it lies in the accepted window of dates, else a 422 saying which it is."""
    problem = day_problem(value, today())
    if problem is not None:
        raise PydanticCustomError(DATE_WINDOW_ERROR, "{detail}", {"detail": problem})
    return value


#: A date a person supplies: ISO text inside the accepted window.
SchoolDate = Annotated[date, BeforeValidator(parse_iso_date), AfterValidator(check_day)]


SchoolYear = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{4}$"), AfterValidator(check_school_year)
]
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


NUL: Final = "\x00"
NUL_ERROR: Final = "nul_character"
NUL_MESSAGE: Final = "text must not contain the NUL character (\\x00)"


def contains_nul(value: object) -> bool:
    """True when ``value`` is, or holds anywhere inside (list items, map keys and values), a
    string with the NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_nul(item) for item in value)
    return False


def nul_fields(values: Mapping[str, object]) -> list[str]:
    """Names of the fields in ``values`` (a submitted form) that hold the NUL character."""
    return [name for name, value in values.items() if contains_nul(value)]


class RequestModel(BaseModel):
    """Base of every request body: strict types, no unknown fields, and NUL refused in any string
    of any field (each a 422 naming the field)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise PydanticCustomError(NUL_ERROR, NUL_MESSAGE)
        return value


class _In(RequestModel):
    """A request body of this module (``RequestModel`` already forbids unknown fields)."""


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- sign-in ---------------------------------------------------------------------------------


class LoginIn(_In):
    username: Username
    password: Password


class AccessCodeIn(_In):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=16)]


class SessionOut(BaseModel):
    token: str = Field(description="bearer token; also set as an HttpOnly cookie")
    role: Role
    expires_at: datetime


class MeOut(BaseModel):
    role: Role
    user_id: int | None
    student_id: int | None
    school_ids: list[int]
    expires_at: datetime


class AccessCodeOut(BaseModel):
    code: str = Field(description="one-time code, shown once; the student types it to start")
    expires_at: datetime


# --- schools and accounts --------------------------------------------------------------------


class SchoolIn(_In):
    name: Text
    district: Text
    county_fips: CountyFips
    region_code: RegionCode


class SchoolOut(_Out):
    id: int
    name: str
    district: str
    county_fips: str
    region_code: str


WEAK_PASSWORD_ERROR: Final = "weak_password"


class UserIn(_In):
    username: Username
    display_name: DisplayName
    role: AccountRole
    password: NewPassword

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: str, info: ValidationInfo) -> str:
        problems = password_problems(value, info.data.get("username"))
        if problems:
            raise PydanticCustomError(
                WEAK_PASSWORD_ERROR, "{detail}", {"detail": describe_problems(problems)}
            )
        return value


class UserPatch(_In):
    """A new password is checked against the account's username by the route."""

    display_name: DisplayName | None = None
    active: bool | None = None
    password: NewPassword | None = None


class UserOut(_Out):
    id: int
    username: str
    display_name: str
    role: AccountRole
    active: bool
    school_ids: list[int] = Field(default_factory=list)


# --- students --------------------------------------------------------------------------------


#: A language with a message catalogue ('en', 'es', …), for the family's printed plan.
FamilyLanguage = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", max_length=8),
    AfterValidator(check_family_language),
]


class StudentIn(_In):
    school_id: DbId
    local_id: LocalId
    first_name: FirstName
    grade: Annotated[int, Field(ge=9, le=12)]
    gender: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="optional; kept for fairness audits only, never a model input"
    )
    race_ethnicity: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="optional; kept for fairness audits only, never a model input"
    )
    family_language: FamilyLanguage | None = Field(
        default=None, description="language of the printed plan (a catalogue code); null: not set"
    )


class StudentPatch(_In):
    first_name: FirstName | None = None
    grade: Annotated[int, Field(ge=9, le=12)] | None = None
    gender: Annotated[str, StringConstraints(max_length=32)] | None = None
    race_ethnicity: Annotated[str, StringConstraints(max_length=64)] | None = None
    family_language: FamilyLanguage | None = Field(
        default=None, description="language of the printed plan (a catalogue code); null: not set"
    )


class StudentOut(_Out):
    """A student as coaches see them; the audit-only demographic fields are never returned."""

    id: int
    school_id: int
    local_id: str
    first_name: str
    grade: int
    family_language: str | None = None


# --- activity log ----------------------------------------------------------------------------


#: Free text of an activity, no longer than its column in ``activities`` (topic 300, employer
#: and organisation 200, language 40; ``service.activities.TEXT_LIMITS`` says the same).
ActivityText = Annotated[str, StringConstraints(max_length=300)]
ActivityEmployer = Annotated[str, StringConstraints(max_length=200)]
ActivityOrganisation = Annotated[str, StringConstraints(max_length=200)]
ActivityLanguage = Annotated[str, StringConstraints(max_length=40)]
#: An occupation as typed: an O*NET code or a catalogue title, looked up in the catalogue; only
#: the code found (at most 10 characters) is stored.
OccupationText = Annotated[str, StringConstraints(max_length=300)]
#: A category code in a request (strict models take the enum's value, not only its instance).
CategoryIn = Annotated[ActivityCategory, Field(strict=False)]


class ActivityIn(_In):
    """An activity-log entry; which fields each category needs is in ``service.activities``."""

    school_id: DbId
    student_id: DbId | None = Field(default=None, description="empty for group activities")
    category: CategoryIn
    occurred_on: SchoolDate
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]
    participants: Annotated[int, Field(ge=1, le=5000)] | None = Field(
        default=None, description="attendee count or audience size of a group activity"
    )
    attendee_ids: Annotated[list[DbId], Field(max_length=200)] = Field(
        default_factory=list, description="caseload students present at a group activity"
    )
    topic: ActivityText = Field(default="", description="topic, or what was planned")
    employer: ActivityEmployer = ""
    occupation_code: OccupationText = Field(
        default="", description="O*NET code or catalogue title (job shadow, job application)"
    )
    organisation: ActivityOrganisation = Field(
        default="", description="a guest speaker's organisation"
    )
    language: ActivityLanguage = Field(default="", description="language of a parent conversation")
    notes: LongText = ""


class ActivityPatch(_In):
    """The fields to change; the entry is then checked whole, as a new one would be."""

    category: CategoryIn | None = None
    occurred_on: SchoolDate | None = None
    student_id: DbId | None = None
    minutes: Annotated[int, Field(ge=0, le=24 * 60)] | None = None
    participants: Annotated[int, Field(ge=1, le=5000)] | None = None
    attendee_ids: Annotated[list[DbId], Field(max_length=200)] | None = None
    topic: ActivityText | None = None
    employer: ActivityEmployer | None = None
    occupation_code: OccupationText | None = None
    organisation: ActivityOrganisation | None = None
    language: ActivityLanguage | None = None
    notes: LongText | None = None


class ActivityOut(_Out):
    id: int
    coach_id: int | None
    school_id: int
    student_id: int | None
    category: ActivityCategory
    occurred_on: date
    school_year: str
    minutes: int
    participants: int
    attendee_ids: list[int] = Field(default_factory=list)
    topic: str
    employer: str
    occupation_code: str | None
    organisation: str
    language: str
    notes: str


# --- plans and outcomes ----------------------------------------------------------------------


class PlanIn(_In):
    chosen_pathways: Annotated[list[Code], Field(max_length=10)] = Field(default_factory=list)
    next_steps: Annotated[
        list[
            Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        ],
        Field(max_length=20),
    ] = Field(default_factory=list)
    notes: LongText = ""


class PlanOut(_Out):
    student_id: int
    chosen_pathways: list[str]
    next_steps: list[str]
    notes: str
    updated_at: datetime | None


class OutcomeIn(_In):
    code_kind: Literal["occupation", "pathway"]
    code: Code
    grade: Annotated[
        int, Field(ge=0, le=3, description="0 none, 1 explored, 2 pursued, 3 achieved")
    ]
    event_type: OutcomeEvent
    school_year: SchoolYear
    occurred_on: SchoolDate | None = None


class OutcomePatch(_In):
    grade: Annotated[int, Field(ge=0, le=3)] | None = None
    event_type: OutcomeEvent | None = None
    occurred_on: SchoolDate | None = None


class OutcomeOut(_Out):
    id: int
    student_id: int
    code_kind: str
    code: str
    grade: int
    event_type: str
    school_year: str
    occurred_on: date | None


# --- reports ---------------------------------------------------------------------------------


class SchoolActivity(BaseModel):
    school_id: int
    school_name: str
    activities: dict[str, int] = Field(description="count per activity category")
    minutes: int
    students_reached: int


class RegionActivity(BaseModel):
    region_code: str
    schools: list[SchoolActivity]
    activities: dict[str, int]
    minutes: int
    students_reached: int


class ActivityReport(BaseModel):
    school_year: str
    regions: list[RegionActivity]
    activities: dict[str, int]
    minutes: int
    students_reached: int


# --- operations ------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok"]
    checks: dict[str, Any] = Field(default_factory=dict)
