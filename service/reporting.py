"""Figures staff report: activities, students reached, assessments and chosen pathways.

One school year at a time, optionally narrowed to a region, a school or a coach organisation,
and broken down statewide, by region (named from the catalogue), by school, by coach
organisation and by school year. The JSON API (``service.routes.reports``) and the staff report
page both call :func:`build_report`; nothing here writes except :func:`set_coach_organisation`.

How each figure is counted (the page says the same in words):

- **entries** and **minutes**: activity-log rows of the school year and the sum of their minutes;
- **reached**: each named student once (per category, or once over all categories for the total),
  plus the attendee count (``Activity.participants``) of each entry that names no student, such
  as a group engagement or a guest speaker; students reached whose records were deleted since
  (``erased_reach``) are still counted for their school, except in figures for an organisation;
- **assessments started**: assessments begun between 1 July and 30 June of the year (UTC);
  **completed**: those of them submitted; rate = completed / started;
- **pathways chosen**: students whose current plan was last saved in the year, per pathway.

Organisation figures: activities count for the organisation of the coach who logged them;
assessments and plans count for every organisation with a coach assigned to the student's
school. With an organisation filter, activities are those its coaches logged and assessments
and plans those of the schools its coaches serve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from recommender.catalogue import Catalogue, get_catalogue
from recommender.errors import InvalidRecordError, RecordNotFoundError
from service.choices import ActivityCategory
from service.i18n import N_, Message
from service.schemas import check_school_year, school_year_of, today
from service.tables import (
    Activity,
    Assessment,
    CoachSchool,
    ErasedReach,
    Plan,
    School,
    Student,
    User,
)

__all__ = [
    "CATEGORIES",
    "ORGANISATION_MAX",
    "Figures",
    "PathwayCount",
    "Report",
    "ReportFilters",
    "build_report",
    "list_coaches",
    "list_organisations",
    "list_schools",
    "report_years",
    "set_coach_organisation",
    "suggested_organisations",
]

#: Activity categories in reporting order (stored codes).
CATEGORIES: Final[tuple[str, ...]] = tuple(c.value for c in ActivityCategory)
#: Pathways listed in "pathways chosen".
TOP_PATHWAYS: Final = 10
#: Longest organisation name (the column is 120 characters).
ORGANISATION_MAX: Final = 120
#: The row for activities whose coach has no organisation (or no longer exists).
NO_ORGANISATION: Final = N_("Organisation not recorded")


@dataclass(frozen=True)
class ReportFilters:
    """Which part of the state a report covers; None = no restriction."""

    school_year: str
    region: str | None = None
    school_id: int | None = None
    organisation: str | None = None


@dataclass
class Figures:
    """One row of a report table: per-category figures and the assessments of its students."""

    key: str
    name: str
    entries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    minutes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    reached: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    students_reached: int = 0
    assessments_started: int = 0
    assessments_completed: int = 0

    @property
    def total_entries(self) -> int:
        return sum(self.entries.values())

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes.values())

    @property
    def completion_rate(self) -> float | None:
        """Completed / started in 0..1; None when none started."""
        if self.assessments_started == 0:
            return None
        return self.assessments_completed / self.assessments_started

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "entries": dict(self.entries),
            "minutes": dict(self.minutes),
            "reached": dict(self.reached),
            "total_entries": self.total_entries,
            "total_minutes": self.total_minutes,
            "students_reached": self.students_reached,
            "assessments_started": self.assessments_started,
            "assessments_completed": self.assessments_completed,
            "completion_rate": self.completion_rate,
        }


@dataclass(frozen=True)
class PathwayCount:
    """A pathway chosen in students' plans; ``title`` falls back to the code if unknown."""

    code: str
    title: str
    students: int


@dataclass
class Report:
    """Everything the report page and API show for one set of filters."""

    filters: ReportFilters
    region_name: str | None
    school_name: str | None
    statewide: Figures
    regions: list[Figures]
    schools: list[Figures]
    organisations: list[Figures]
    years: list[Figures]
    pathways: list[PathwayCount]
    students_with_plans: int

    def to_dict(self) -> dict[str, object]:
        f = self.filters
        return {
            "school_year": f.school_year,
            "filters": {
                "region": f.region,
                "region_name": self.region_name,
                "school_id": f.school_id,
                "school_name": self.school_name,
                "organisation": f.organisation,
            },
            "categories": list(CATEGORIES),
            "totals": self.statewide.to_dict(),
            "regions": [r.to_dict() for r in self.regions],
            "schools": [s.to_dict() for s in self.schools],
            "organisations": [o.to_dict() for o in self.organisations],
            "years": [y.to_dict() for y in self.years],
            "pathways": [
                {"code": p.code, "title": p.title, "students": p.students} for p in self.pathways
            ],
            "students_with_plans": self.students_with_plans,
        }


# --------------------------------------------------------------------------- helpers


def _year_bounds(school_year: str) -> tuple[datetime, datetime]:
    first = int(school_year[:4])
    return datetime(first, 7, 1, tzinfo=UTC), datetime(first + 1, 7, 1, tzinfo=UTC)


def _region_names(catalogue: Catalogue) -> dict[str, str]:
    return {r.code: r.name for r in catalogue.regions}


def region_label(catalogue: Catalogue, code: str) -> str:
    """A region's name from the catalogue; a code the catalogue lacks is named as such."""
    return _region_names(catalogue).get(code) or f"Region not in catalogue {catalogue.version}"


def _check_filters(db: Session, filters: ReportFilters, catalogue: Catalogue) -> School | None:
    try:
        check_school_year(filters.school_year)
    except ValueError as exc:
        raise InvalidRecordError("school_year", str(exc)) from None
    if filters.region is not None and filters.region not in _region_names(catalogue):
        raise InvalidRecordError(
            "region",
            Message(N_("%(region)s is not a region of the catalogue"), region=filters.region),
        )
    school = None
    if filters.school_id is not None:
        school = db.get(School, filters.school_id)
        if school is None:
            raise RecordNotFoundError("school", filters.school_id)
        if filters.region is not None and school.region_code != filters.region:
            raise InvalidRecordError("school_id", N_("that school is not in the chosen region"))
    org = filters.organisation
    if org is not None and (not org.strip() or len(org) > ORGANISATION_MAX):
        raise InvalidRecordError("organisation", N_("choose an organisation from the list"))
    return school


def _schools_in_scope(db: Session, filters: ReportFilters) -> list[School]:
    query = select(School).order_by(School.name, School.id)
    if filters.region is not None:
        query = query.where(School.region_code == filters.region)
    if filters.school_id is not None:
        query = query.where(School.id == filters.school_id)
    return list(db.execute(query).scalars())


def _organisations_by_school(db: Session) -> dict[int, set[str]]:
    """School id -> organisations of the active coaches assigned to it."""
    rows = db.execute(
        select(CoachSchool.school_id, User.organisation)
        .join(User, User.id == CoachSchool.user_id)
        .where(User.organisation.is_not(None), User.role == "coach")
    ).all()
    out: dict[int, set[str]] = defaultdict(set)
    for school_id, organisation in rows:
        out[int(school_id)].add(str(organisation))
    return out


@dataclass
class _Tally:
    """Activity figures of one group before they become a ``Figures`` row."""

    entries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    minutes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    attendees: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    named: dict[str, set[int]] = field(default_factory=lambda: {c: set() for c in CATEGORIES})
    erased: int = 0
    started: int = 0
    completed: int = 0

    def into(self, key: str, name: str) -> Figures:
        every_named: set[int] = set().union(*self.named.values())
        return Figures(
            key=key,
            name=name,
            entries=dict(self.entries),
            minutes=dict(self.minutes),
            reached={c: len(self.named[c]) + self.attendees[c] for c in CATEGORIES},
            students_reached=len(every_named) + sum(self.attendees.values()) + self.erased,
            assessments_started=self.started,
            assessments_completed=self.completed,
        )


def _tally_year(
    db: Session,
    school_year: str,
    schools: Sequence[School],
    organisation: str | None,
    org_of_school: dict[int, set[str]],
) -> tuple[dict[int, _Tally], dict[str, _Tally]]:
    """Per school and per organisation tallies of one school year for ``schools``."""
    school_ids = [s.id for s in schools]
    per_school: dict[int, _Tally] = {s.id: _Tally() for s in schools}
    per_org: dict[str, _Tally] = defaultdict(_Tally)
    if not school_ids:
        return per_school, per_org
    org_column = func.coalesce(User.organisation, "")
    base = (
        select(Activity.school_id, org_column, Activity.category)
        .outerjoin(User, User.id == Activity.coach_id)
        .where(Activity.school_year == school_year, Activity.school_id.in_(school_ids))
    )
    if organisation is not None:
        base = base.where(User.organisation == organisation)
    # an entry unlinked from a deleted student is counted through erased_reach, not here
    unnamed = case(
        (
            and_(Activity.student_id.is_(None), Activity.erased_student.is_(False)),
            Activity.participants,
        ),
        else_=0,
    )
    sums = db.execute(
        base.add_columns(func.count(), func.sum(Activity.minutes), func.sum(unnamed)).group_by(
            Activity.school_id, org_column, Activity.category
        )
    ).all()
    for school_id, org, category, n, minutes, attendees in sums:
        if category not in CATEGORIES:
            continue
        for tally in (per_school[int(school_id)], per_org[str(org)]):
            tally.entries[category] += int(n or 0)
            tally.minutes[category] += int(minutes or 0)
            tally.attendees[category] += int(attendees or 0)
    named = db.execute(
        base.add_columns(Activity.student_id).where(Activity.student_id.is_not(None)).distinct()
    ).all()
    for school_id, org, category, student_id in named:
        if category not in CATEGORIES:
            continue
        per_school[int(school_id)].named[category].add(int(student_id))
        per_org[str(org)].named[category].add(int(student_id))
    if organisation is None:
        for school_id, n in db.execute(
            select(ErasedReach.school_id, ErasedReach.students).where(
                ErasedReach.school_year == school_year, ErasedReach.school_id.in_(school_ids)
            )
        ).all():
            per_school[int(school_id)].erased += int(n or 0)
    start, end = _year_bounds(school_year)
    assessed = db.execute(
        select(
            Student.school_id,
            func.count(),
            func.sum(case((Assessment.status == "submitted", 1), else_=0)),
        )
        .join(Student, Student.id == Assessment.student_id)
        .where(
            Assessment.started_at >= start,
            Assessment.started_at < end,
            Student.school_id.in_(school_ids),
        )
        .group_by(Student.school_id)
    ).all()
    for school_id, started, completed in assessed:
        per_school[int(school_id)].started += int(started or 0)
        per_school[int(school_id)].completed += int(completed or 0)
        for org in org_of_school.get(int(school_id), ()):
            if organisation is None or org == organisation:
                per_org[org].started += int(started or 0)
                per_org[org].completed += int(completed or 0)
    return per_school, per_org


def _sum_tallies(tallies: Iterable[_Tally]) -> _Tally:
    total = _Tally()
    for t in tallies:
        for c in CATEGORIES:
            total.entries[c] += t.entries[c]
            total.minutes[c] += t.minutes[c]
            total.attendees[c] += t.attendees[c]
            total.named[c] |= t.named[c]
        total.erased += t.erased
        total.started += t.started
        total.completed += t.completed
    return total


def _chosen_pathways(
    db: Session, school_year: str, school_ids: Sequence[int], catalogue: Catalogue
) -> tuple[list[PathwayCount], int]:
    if not school_ids:
        return [], 0
    start, end = _year_bounds(school_year)
    plans = db.execute(
        select(Plan.student_id, Plan.chosen_pathways)
        .join(Student, Student.id == Plan.student_id)
        .where(Plan.updated_at >= start, Plan.updated_at < end, Student.school_id.in_(school_ids))
    ).all()
    counts: dict[str, int] = defaultdict(int)
    with_plan = 0
    for _student, chosen in plans:
        codes = {str(c) for c in (chosen or [])}
        if codes:
            with_plan += 1
        for code in codes:
            counts[code] += 1
    titles = {p.code: p.title for p in catalogue.pathways}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], titles.get(kv[0], kv[0])))
    top = [PathwayCount(code, titles.get(code, code), n) for code, n in ranked[:TOP_PATHWAYS]]
    return top, with_plan


def _schools_of_organisation(
    schools: Sequence[School], organisation: str | None, org_of_school: dict[int, set[str]]
) -> list[School]:
    if organisation is None:
        return list(schools)
    return [s for s in schools if organisation in org_of_school.get(s.id, set())]


# --------------------------------------------------------------------------- public


def report_years(db: Session) -> list[str]:
    """School years to choose from, newest first: the current one and every year with activities
    inside the accepted window (a stored far-future or malformed year is left out)."""
    years = {school_year_of(today())}
    for year in db.execute(select(Activity.school_year).distinct()).scalars():
        try:
            years.add(check_school_year(str(year)))
        except ValueError:
            continue
    return sorted(years, reverse=True)


def build_report(db: Session, filters: ReportFilters, catalogue: Catalogue | None = None) -> Report:
    """The report for ``filters`` (InvalidRecordError naming the filter that is wrong)."""
    catalogue = catalogue or get_catalogue()
    school = _check_filters(db, filters, catalogue)
    names = _region_names(catalogue)
    schools = _schools_in_scope(db, filters)
    org_of_school = _organisations_by_school(db)
    org = filters.organisation
    per_school, per_org = _tally_year(db, filters.school_year, schools, org, org_of_school)
    # with an organisation filter, assessments and plans are those of the schools it serves
    served = {s.id for s in _schools_of_organisation(schools, org, org_of_school)}
    if org is not None:
        for school_id, tally in per_school.items():
            if school_id not in served:
                tally.started = tally.completed = 0

    school_rows = [per_school[s.id].into(str(s.id), s.name) for s in schools]
    by_region: dict[str, list[_Tally]] = defaultdict(list)
    for s in schools:
        by_region[s.region_code].append(per_school[s.id])
    region_rows = sorted(
        (
            _sum_tallies(tallies).into(code, names.get(code) or region_label(catalogue, code))
            for code, tallies in by_region.items()
        ),
        key=lambda f: f.name,
    )
    org_rows = sorted(
        (
            tally.into(name or "", name or NO_ORGANISATION)
            for name, tally in per_org.items()
            if org is None or name == org
        ),
        key=lambda f: (f.key == "", f.name),
    )
    statewide = _sum_tallies(per_school.values()).into("statewide", "Mississippi")
    year_rows = []
    for year in sorted(set(report_years(db)) | {filters.school_year}):
        if year == filters.school_year:
            year_rows.append(replace(statewide, key=year, name=year))
            continue
        tallies, _ = _tally_year(db, year, schools, org, org_of_school)
        if org is not None:
            for school_id, tally in tallies.items():
                if school_id not in served:
                    tally.started = tally.completed = 0
        year_rows.append(_sum_tallies(tallies.values()).into(year, year))
    pathways, with_plans = _chosen_pathways(db, filters.school_year, sorted(served), catalogue)
    return Report(
        filters=filters,
        region_name=names.get(filters.region) if filters.region else None,
        school_name=school.name if school else None,
        statewide=statewide,
        regions=region_rows,
        schools=school_rows,
        organisations=org_rows,
        years=year_rows,
        pathways=pathways,
        students_with_plans=with_plans,
    )


def list_organisations(db: Session) -> list[str]:
    """Organisations named on coach accounts, sorted."""
    rows = db.execute(
        select(User.organisation).where(User.organisation.is_not(None)).distinct()
    ).scalars()
    return sorted(str(r) for r in rows if r)


def suggested_organisations(catalogue: Catalogue) -> list[str]:
    """Names an admin may pick from: Mississippi's community colleges with a district, and its
    workforce development areas (both from the catalogue)."""
    colleges = {
        catalogue.colleges[u].name for units in catalogue.college_districts.values() for u in units
    }
    return sorted(colleges) + sorted(set(catalogue.county_wioa.values()))


def list_coaches(db: Session) -> list[User]:
    """Coach accounts, by display name, for the admin's organisation form."""
    return list(
        db.execute(
            select(User).where(User.role == "coach").order_by(User.display_name, User.id)
        ).scalars()
    )


def set_coach_organisation(db: Session, user_id: int, organisation: str) -> User:
    """Set (or, with an empty string, clear) a coach's organisation; flushes, does not commit."""
    user = db.get(User, user_id)
    if user is None or user.role != "coach":
        raise RecordNotFoundError("coach", user_id)
    value = " ".join(organisation.split())
    if len(value) > ORGANISATION_MAX:
        raise InvalidRecordError(
            "organisation",
            Message(
                N_("at most %(most)d characters (this one has %(count)d)"),
                most=ORGANISATION_MAX,
                count=len(value),
            ),
        )
    user.organisation = value or None
    db.flush()
    return user


def list_schools(db: Session) -> list[School]:
    """Every school, by name, for the report's school filter."""
    return list(db.execute(select(School).order_by(School.name, School.id)).scalars())
