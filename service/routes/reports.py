"""District activity figures for staff: the coach activity log by region and school for a year,
and the full report (``service.reporting``) as JSON and one CSV file per table."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.errors import InvalidRecordError
from service.csv_cells import safe_row
from service.deps import SessionDep, StaffUser
from service.reporting import CATEGORIES, ORGANISATION_MAX, Figures, Report, ReportFilters
from service.reporting import build_report as build_full_report
from service.routes._common import SIGNED_IN
from service.schemas import (
    ActivityReport,
    RegionActivity,
    SchoolActivity,
    SchoolYear,
    check_school_year,
)
from service.tables import ACTIVITY_CATEGORIES, School

router = APIRouter(prefix="/reports", tags=["reports"], responses=SIGNED_IN)

YearQuery = Annotated[SchoolYear, Query(description="school year, e.g. 2025-2026")]


def build_activity_report(db: Session, school_year: str) -> ActivityReport:
    """Counts per category, minutes and students reached, per school, region and statewide.

    The figures are those of the full report (``service.reporting``: one definition of
    "reached"), arranged by region code and school. Every school appears, with zeros when it
    logged nothing; regions and schools are sorted by code and name.
    """
    try:
        check_school_year(school_year)
    except ValueError as exc:
        raise InvalidRecordError("school_year", str(exc)) from None
    full = build_full_report(db, ReportFilters(school_year=school_year))
    rows = {int(f.key): f for f in full.schools}
    reached_in_region = {f.key: f.students_reached for f in full.regions}
    schools = list(db.execute(select(School).order_by(School.region_code, School.name)).scalars())
    regions: dict[str, RegionActivity] = {}
    for school in schools:
        figures = rows[school.id]
        row = SchoolActivity(
            school_id=school.id,
            school_name=school.name,
            activities={c: figures.entries.get(c, 0) for c in ACTIVITY_CATEGORIES},
            minutes=figures.total_minutes,
            students_reached=figures.students_reached,
        )
        region = regions.setdefault(
            school.region_code,
            RegionActivity(
                region_code=school.region_code,
                schools=[],
                activities=dict.fromkeys(ACTIVITY_CATEGORIES, 0),
                minutes=0,
                students_reached=reached_in_region.get(school.region_code, 0),
            ),
        )
        region.schools.append(row)
        region.minutes += row.minutes
        for category, n in row.activities.items():
            region.activities[category] += n
    ordered = [regions[code] for code in sorted(regions)]
    return ActivityReport(
        school_year=school_year,
        regions=ordered,
        activities={c: full.statewide.entries.get(c, 0) for c in ACTIVITY_CATEGORIES},
        minutes=full.statewide.total_minutes,
        students_reached=full.statewide.students_reached,
    )


@router.get("/activity", response_model=ActivityReport)
def activity_report(school_year: YearQuery, principal: StaffUser, db: SessionDep) -> ActivityReport:
    """The activity log summed by region and school for one school year."""
    _ = principal
    return build_activity_report(db, school_year)


@router.get(
    "/activity.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per school"}},
)
def activity_report_csv(school_year: YearQuery, principal: StaffUser, db: SessionDep) -> Response:
    """The same report as CSV: one row per school, one column per activity category."""
    _ = principal
    report = build_activity_report(db, school_year)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [  # headers are ours; every data row goes through safe_row (formula injection)
            "school_year",
            "region_code",
            "school_id",
            "school_name",
            *ACTIVITY_CATEGORIES,
            "minutes",
            "students_reached",
        ]
    )
    for region in report.regions:
        for school in region.schools:
            writer.writerow(
                safe_row(
                    [report.school_year, region.region_code, school.school_id, school.school_name]
                    + [school.activities[c] for c in ACTIVITY_CATEGORIES]
                    + [school.minutes, school.students_reached]
                )
            )
    filename = f"pathways-activity-{report.school_year}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- the full report: totals, regions, schools, organisations, years, pathways chosen ---------

RegionQuery = Annotated[
    str | None, Query(max_length=16, description="OEWS area code of a catalogue region")
]
SchoolQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="school id")]
OrganisationQuery = Annotated[
    str | None, Query(min_length=1, max_length=ORGANISATION_MAX, description="coach organisation")
]
#: The tables of the report, each downloadable as CSV.
REPORT_TABLES: Final = ("categories", "regions", "schools", "organisations", "years", "pathways")
ReportTable = Literal["categories", "regions", "schools", "organisations", "years", "pathways"]


class FiguresOut(BaseModel):
    key: str
    name: str
    entries: dict[str, int] = Field(description="activity-log entries per category")
    minutes: dict[str, int]
    reached: dict[str, int] = Field(
        description="named students once, plus attendees of entries naming no student"
    )
    total_entries: int
    total_minutes: int
    students_reached: int
    assessments_started: int
    assessments_completed: int
    completion_rate: float | None = Field(description="completed / started, 0..1")


class PathwayCountOut(BaseModel):
    code: str
    title: str
    students: int


class ReportFiltersOut(BaseModel):
    region: str | None
    region_name: str | None
    school_id: int | None
    school_name: str | None
    organisation: str | None


class FullReport(BaseModel):
    school_year: str
    filters: ReportFiltersOut
    categories: list[str]
    totals: FiguresOut
    regions: list[FiguresOut]
    schools: list[FiguresOut]
    organisations: list[FiguresOut]
    years: list[FiguresOut]
    pathways: list[PathwayCountOut]
    students_with_plans: int


def _filters(
    school_year: YearQuery,
    region: RegionQuery = None,
    school_id: SchoolQuery = None,
    organisation: OrganisationQuery = None,
) -> ReportFilters:
    """The report's filters, read from the query of both summary routes."""
    return ReportFilters(
        school_year=school_year, region=region, school_id=school_id, organisation=organisation
    )


FiltersQuery = Annotated[ReportFilters, Depends(_filters)]


@router.get("/summary", response_model=FullReport)
def report_summary(filters: FiltersQuery, principal: StaffUser, db: SessionDep) -> dict[str, Any]:
    """Statewide totals, and figures by region, school, coach organisation and school year:
    entries, minutes and students reached per activity category, assessments started and
    completed, and the pathways students chose in their plans."""
    _ = principal
    return build_full_report(db, filters).to_dict()


def _figures_columns(kind: str) -> list[str]:
    return (
        [kind, "name"]
        + [f"{c}_entries" for c in CATEGORIES]
        + [f"{c}_minutes" for c in CATEGORIES]
        + [f"{c}_reached" for c in CATEGORIES]
        + [
            "entries",
            "minutes",
            "students_reached",
            "assessments_started",
            "assessments_completed",
            "completion_rate",
        ]
    )


def _figures_row(f: Figures) -> list[object]:
    rate = f.completion_rate
    return (
        [f.key, f.name]
        + [f.entries[c] for c in CATEGORIES]
        + [f.minutes[c] for c in CATEGORIES]
        + [f.reached[c] for c in CATEGORIES]
        + [
            f.total_entries,
            f.total_minutes,
            f.students_reached,
            f.assessments_started,
            f.assessments_completed,
            "" if rate is None else round(rate, 4),
        ]
    )


def report_table_rows(report: Report, table: str) -> list[list[object]]:
    """One table of the report as CSV rows, the header first (headers are ours; every data row
    goes through ``safe_row`` against formula injection)."""
    year = report.filters.school_year
    if table == "categories":
        rows: list[list[object]] = [["school_year", "category", "entries", "minutes", "reached"]]
        t = report.statewide
        rows += [safe_row([year, c, t.entries[c], t.minutes[c], t.reached[c]]) for c in CATEGORIES]
        return rows
    if table == "pathways":
        rows = [["school_year", "pathway_code", "pathway", "students"]]
        rows += [safe_row([year, p.code, p.title, p.students]) for p in report.pathways]
        return rows
    kind = {"regions": "region_code", "schools": "school_id", "organisations": "organisation"}
    figures = {
        "regions": report.regions,
        "schools": report.schools,
        "organisations": report.organisations,
        "years": report.years,
    }[table]
    header: list[object] = ["school_year", *_figures_columns(kind.get(table, "year"))]
    if table == "years":
        return [header[1:]] + [safe_row(_figures_row(f)) for f in figures]
    return [header] + [safe_row([year, *_figures_row(f)]) for f in figures]


@router.get(
    "/summary/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one table of the report"}},
)
def report_summary_csv(
    table: ReportTable, filters: FiltersQuery, principal: StaffUser, db: SessionDep
) -> Response:
    """One table of the summary report as CSV (the same filters as ``/reports/summary``)."""
    _ = principal
    report = build_full_report(db, filters)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(report_table_rows(report, table))
    filename = f"pathways-{table}-{filters.school_year}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
