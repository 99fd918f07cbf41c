"""District activity figures for staff: the coach activity log by region and school for a year."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.errors import InvalidRecordError
from service.csv_cells import safe_row
from service.deps import SessionDep, StaffUser
from service.models import ACTIVITY_CATEGORIES, Activity, ErasedReach, School
from service.routes._common import SIGNED_IN
from service.schemas import (
    ActivityReport,
    RegionActivity,
    SchoolActivity,
    SchoolYear,
    check_school_year,
)

router = APIRouter(prefix="/reports", tags=["reports"], responses=SIGNED_IN)

YearQuery = Annotated[SchoolYear, Query(description="school year, e.g. 2025-2026")]


def build_activity_report(db: Session, school_year: str) -> ActivityReport:
    """Counts per category, minutes and distinct students reached, per school, region, district.

    Every school appears, with zeros when it logged nothing; regions and schools are sorted by code
    and name. A student counts once per school however many activities name them.
    """
    try:
        check_school_year(school_year)
    except ValueError as exc:
        raise InvalidRecordError("school_year", str(exc)) from None
    schools = list(db.execute(select(School).order_by(School.region_code, School.name)).scalars())
    counts = db.execute(
        select(Activity.school_id, Activity.category, func.count(), func.sum(Activity.minutes))
        .where(Activity.school_year == school_year)
        .group_by(Activity.school_id, Activity.category)
    ).all()
    reached_rows = db.execute(
        select(Activity.school_id, Activity.student_id)
        .where(Activity.school_year == school_year, Activity.student_id.is_not(None))
        .distinct()
    ).all()
    per_school: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(ACTIVITY_CATEGORIES, 0)
    )
    minutes: dict[int, int] = defaultdict(int)
    for school_id, category, n, total in counts:
        per_school[school_id][category] = int(n or 0)
        minutes[school_id] += int(total or 0)
    reached: dict[int, set[int]] = defaultdict(set)
    for school_id, student_id in reached_rows:
        if student_id is not None:
            reached[school_id].add(int(student_id))
    # students reached whose records were deleted since (service.privacy): still counted
    erased: dict[int, int] = {
        school_id: int(n)
        for school_id, n in db.execute(
            select(ErasedReach.school_id, ErasedReach.students).where(
                ErasedReach.school_year == school_year
            )
        ).all()
    }

    def _zero() -> dict[str, int]:
        return dict.fromkeys(ACTIVITY_CATEGORIES, 0)

    regions: dict[str, RegionActivity] = {}
    district = _zero()
    for school in schools:
        acts = dict(per_school[school.id])
        row = SchoolActivity(
            school_id=school.id,
            school_name=school.name,
            activities=acts,
            minutes=minutes[school.id],
            students_reached=len(reached[school.id]) + erased.get(school.id, 0),
        )
        region = regions.setdefault(
            school.region_code,
            RegionActivity(
                region_code=school.region_code,
                schools=[],
                activities=_zero(),
                minutes=0,
                students_reached=0,
            ),
        )
        region.schools.append(row)
        region.minutes += row.minutes
        region.students_reached += row.students_reached
        for category, n in acts.items():
            region.activities[category] += n
            district[category] += n
    ordered = [regions[code] for code in sorted(regions)]
    return ActivityReport(
        school_year=school_year,
        regions=ordered,
        activities=district,
        minutes=sum(r.minutes for r in ordered),
        students_reached=sum(r.students_reached for r in ordered),
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
