"""The staff report matches an independent count of a generated year of rows.

A generator writes a school year of activities (every category, named students and attendee-only
entries), assessments (started inside and outside the year, some submitted), plans with chosen
pathways and coach organisations; each test counts the generated rows with plain Python and
compares every figure of ``service.reporting.build_report``, the JSON API, the CSV files and the
page with that count.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.catalogue import get_catalogue
from service.choices import ActivityCategory
from service.db import session_scope
from service.reporting import CATEGORIES, ReportFilters, build_report
from service.tables import Activity, Assessment, CoachSchool, Plan, School, Student, User
from tests.service.conftest import World

YEAR = "2024-2025"
OTHER_YEAR = "2023-2024"
ORGS = ("Itawamba Community College", "Delta Workforce Development Area")


@dataclass
class Generated:
    """The rows a generator wrote, as plain tuples, for independent counting."""

    schools: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, region)
    coach_org: dict[int, str | None] = field(default_factory=dict)
    coach_schools: dict[int, set[int]] = field(default_factory=dict)
    #: (school year, school, coach, category, minutes, participants, student or None)
    activities: list[tuple[str, int, int, str, int, int, int | None]] = field(default_factory=list)
    #: (school, started_at, submitted)
    assessments: list[tuple[int, datetime, bool]] = field(default_factory=list)
    #: (school, updated_at, chosen codes)
    plans: list[tuple[int, datetime, list[str]]] = field(default_factory=list)


def generate_year(app: FastAPI, seed: int) -> Generated:
    """Write three schools in two regions, three coaches (one without an organisation), students,
    activities over two school years, assessments and plans; return what was written."""
    rng = random.Random(seed)
    catalogue = get_catalogue()
    pathway_codes = [p.code for p in catalogue.pathways][:12]
    out = Generated()
    with session_scope(app.state.sessionmaker) as db:
        schools = [
            School(
                name=f"Gen {seed} North", district="G", county_fips="28081", region_code="2800006"
            ),
            School(
                name=f"Gen {seed} South", district="G", county_fips="28047", region_code="0025060"
            ),
            School(
                name=f"Gen {seed} Coast", district="G", county_fips="28047", region_code="0025060"
            ),
        ]
        db.add_all(schools)
        coaches = [
            User(
                username=f"g{seed}c{k}",
                display_name=f"Gen coach {k}",
                role="coach",
                password_hash="x",
                organisation=org,
            )
            for k, org in enumerate((ORGS[0], ORGS[1], None))
        ]
        db.add_all(coaches)
        db.flush()
        for s in schools:
            out.schools[s.id] = (s.name, s.region_code)
        for k, coach in enumerate(coaches):
            out.coach_org[coach.id] = coach.organisation
            served = {schools[k].id} | ({schools[2].id} if k == 0 else set())
            out.coach_schools[coach.id] = served
            for school_id in served:
                db.add(CoachSchool(user_id=coach.id, school_id=school_id))
        students: dict[int, list[int]] = defaultdict(list)
        for s in schools:
            for n in range(rng.randint(3, 7)):
                st = Student(
                    school_id=s.id,
                    local_id=f"G{seed}-{s.id}-{n}",
                    first_name="Gen",
                    grade=9 + n % 4,
                )
                db.add(st)
                db.flush()
                students[s.id].append(st.id)
        for year in (YEAR, OTHER_YEAR):
            first = int(year[:4])
            for _ in range(rng.randint(40, 80)):
                coach = rng.choice(coaches)
                school_id = rng.choice(sorted(out.coach_schools[coach.id]))
                category = rng.choice(CATEGORIES)
                named = rng.random() < 0.6 and category != ActivityCategory.GROUP_SESSION
                student = rng.choice(students[school_id]) if named else None
                participants = 1 if named else rng.randint(1, 40)
                minutes = rng.choice((0, 15, 30, 45, 60))
                day = date(first, 7, 1) + timedelta(days=rng.randint(0, 364))
                db.add(
                    Activity(
                        coach_id=coach.id,
                        school_id=school_id,
                        student_id=student,
                        category=category,
                        occurred_on=day,
                        school_year=year,
                        minutes=minutes,
                        participants=participants,
                    )
                )
                out.activities.append(
                    (year, school_id, coach.id, category, minutes, participants, student)
                )
        start = datetime(int(YEAR[:4]), 7, 1, tzinfo=UTC)
        for school_id, ids in students.items():
            for student_id in ids:
                for _ in range(rng.randint(0, 2)):
                    # from 30 days before the year to 30 days after it
                    at = start + timedelta(days=rng.randint(-30, 395), hours=rng.randint(0, 23))
                    submitted = rng.random() < 0.6
                    db.add(
                        Assessment(
                            student_id=student_id,
                            instrument_version="t",
                            status="submitted" if submitted else "in_progress",
                            started_at=at,
                            updated_at=at,
                            submitted_at=at if submitted else None,
                        )
                    )
                    out.assessments.append((school_id, at, submitted))
                if rng.random() < 0.7:
                    at = start + timedelta(days=rng.randint(-20, 380))
                    chosen = rng.sample(pathway_codes, rng.randint(0, 3))
                    db.add(Plan(student_id=student_id, chosen_pathways=chosen, updated_at=at))
                    out.plans.append((school_id, at, chosen))
    return out


def _in_year(at: datetime, year: str) -> bool:
    first = int(year[:4])
    return datetime(first, 7, 1, tzinfo=UTC) <= at < datetime(first + 1, 7, 1, tzinfo=UTC)


def expected(
    gen: Generated, year: str, school_ids: set[int], org: str | None = None
) -> dict[str, Any]:
    """Independent count: per category entries, minutes, reached; totals; assessments; pathways."""
    rows = [
        a
        for a in gen.activities
        if a[0] == year and a[1] in school_ids and (org is None or gen.coach_org[a[2]] == org)
    ]
    served = (
        school_ids
        if org is None
        else {s for c, ss in gen.coach_schools.items() if gen.coach_org[c] == org for s in ss}
        & school_ids
    )
    entries = Counter(a[3] for a in rows)
    minutes: Counter[str] = Counter()
    reached = {}
    for a in rows:
        minutes[a[3]] += a[4]
    for c in CATEGORIES:
        named = {a[6] for a in rows if a[3] == c and a[6] is not None}
        reached[c] = len(named) + sum(a[5] for a in rows if a[3] == c and a[6] is None)
    every_named = {a[6] for a in rows if a[6] is not None}
    sits = [s for s in gen.assessments if s[0] in served and _in_year(s[1], year)]
    chosen: Counter[str] = Counter()
    for school_id, at, codes in gen.plans:
        if school_id in served and _in_year(at, year):
            chosen.update(set(codes))
    return {
        "entries": {c: entries.get(c, 0) for c in CATEGORIES},
        "minutes": {c: minutes.get(c, 0) for c in CATEGORIES},
        "reached": reached,
        "students_reached": len(every_named) + sum(a[5] for a in rows if a[6] is None),
        "started": len(sits),
        "completed": sum(1 for s in sits if s[2]),
        "pathways": dict(chosen),
    }


def _check(figures: Any, want: dict[str, Any]) -> None:
    assert figures.entries == want["entries"]
    assert figures.minutes == want["minutes"]
    assert figures.reached == want["reached"]
    assert figures.students_reached == want["students_reached"]
    assert figures.assessments_started == want["started"]
    assert figures.assessments_completed == want["completed"]


@pytest.mark.parametrize("seed", [3, 11])
def test_every_figure_matches_an_independent_count_of_the_generated_rows(
    app: FastAPI, seed: int
) -> None:
    gen = generate_year(app, seed)
    ids = set(gen.schools)
    names = {r.code: r.name for r in get_catalogue().regions}
    with session_scope(app.state.sessionmaker) as db:
        report = build_report(db, ReportFilters(school_year=YEAR))
        _check(report.statewide, expected(gen, YEAR, ids))
        for row in report.schools:
            _check(row, expected(gen, YEAR, {int(row.key)}))
        for row in report.regions:
            in_region = {s for s, (_, region) in gen.schools.items() if region == row.key}
            assert row.name == names[row.key] and row.name != row.key
            _check(row, expected(gen, YEAR, in_region))
        by_org = {row.key: row for row in report.organisations}
        for org in ORGS:
            want = expected(gen, YEAR, ids, org)
            assert by_org[org].entries == want["entries"]
            assert by_org[org].reached == want["reached"]
            assert by_org[org].students_reached == want["students_reached"]
            assert by_org[org].assessments_started == want["started"]
        no_org = [a for a in gen.activities if a[0] == YEAR and gen.coach_org[a[2]] is None]
        assert by_org[""].total_entries == len(no_org)
        years = {row.key: row for row in report.years}
        _check(years[OTHER_YEAR], expected(gen, OTHER_YEAR, ids))
        want = expected(gen, YEAR, ids)
        got = {p.code: p.students for p in report.pathways}
        top = sorted(want["pathways"].values(), reverse=True)[: len(got)]
        assert sorted(got.values(), reverse=True) == top
        assert all(want["pathways"][code] == n for code, n in got.items())
        # narrowed: one region, one school, one organisation
        region = next(iter({r for _, r in gen.schools.values()}))
        narrowed = build_report(db, ReportFilters(school_year=YEAR, region=region))
        in_region = {s for s, (_, r) in gen.schools.items() if r == region}
        _check(narrowed.statewide, expected(gen, YEAR, in_region))
        school = min(ids)
        one = build_report(db, ReportFilters(school_year=YEAR, school_id=school))
        _check(one.statewide, expected(gen, YEAR, {school}))
        org = build_report(db, ReportFilters(school_year=YEAR, organisation=ORGS[0]))
        _check(org.statewide, expected(gen, YEAR, ids, ORGS[0]))


def test_the_api_and_every_csv_table_give_the_same_figures(
    app: FastAPI, client: TestClient, world: World
) -> None:
    gen = generate_year(app, 5)
    staff = world.headers("staff")
    body = client.get("/reports/summary", params={"school_year": YEAR}, headers=staff).json()
    want = expected(gen, YEAR, set(gen.schools))
    assert body["totals"]["entries"] == want["entries"]
    assert body["totals"]["students_reached"] == want["students_reached"]
    assert body["totals"]["assessments_started"] == want["started"]
    for table in ("categories", "regions", "schools", "organisations", "years", "pathways"):
        answer = client.get(
            f"/reports/summary/{table}.csv", params={"school_year": YEAR}, headers=staff
        )
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        if table == "categories":
            assert {r["category"]: int(r["entries"]) for r in rows} == want["entries"]
            assert {r["category"]: int(r["reached"]) for r in rows} == want["reached"]
        elif table == "schools":
            for r in rows:
                school_id = int(r["school_id"])
                if school_id in gen.schools:
                    one = expected(gen, YEAR, {school_id})
                    assert int(r["entries"]) == sum(one["entries"].values())
                    assert int(r["assessments_completed"]) == one["completed"]
        elif table == "regions":
            assert all(not r["name"].isdigit() for r in rows), "regions are named, not coded"
        elif table == "pathways":
            assert all(int(r["students"]) == want["pathways"][r["pathway_code"]] for r in rows)
    bad = client.get(
        "/reports/summary", params={"school_year": YEAR, "region": "9999999"}, headers=staff
    )
    assert bad.status_code == 422 and "region" in bad.text


def test_a_csv_cell_that_looks_like_a_formula_is_neutralised(
    app: FastAPI, client: TestClient, world: World
) -> None:
    with session_scope(app.state.sessionmaker) as db:
        db.add(
            School(
                name='=HYPERLINK("http://x")',
                district="D",
                county_fips="28047",
                region_code="0025060",
            )
        )
    answer = client.get(
        "/reports/summary/schools.csv", params={"school_year": YEAR}, headers=world.headers("staff")
    )
    assert "'=HYPERLINK" in answer.text and ",=HYPERLINK" not in answer.text


def test_the_report_page_names_regions_uses_plurals_and_draws_scaled_charts(
    app: FastAPI, client: TestClient, world: World
) -> None:
    with session_scope(app.state.sessionmaker) as db:
        school = db.get(School, world.school_a)
        assert school is not None
        db.add(
            Activity(
                coach_id=world.coach_a,
                school_id=school.id,
                student_id=None,
                category="guest_speaker",
                occurred_on=date(2024, 9, 1),
                school_year=YEAR,
                minutes=50,
                participants=1,
            )
        )
    page = client.get("/staff/report", params={"school_year": YEAR}, headers=world.headers("staff"))
    assert page.status_code == 200
    text = page.text
    assert "1 activity entry" in text and "1 activities" not in text
    assert "1 student reached" in text and "1 students" not in text
    assert "Gulfport-Biloxi, MS" in text and ">0025060<" not in text
    assert 'role="img"' in text and "Entries</text>" in text, "charts carry an axis label"
    # a count of 1 is not the whole axis: the axis runs to at least 4
    assert ">4</text>" in text
    for table in ("categories", "regions", "schools", "organisations", "years"):
        assert f"/reports/summary/{table}.csv?" in text
    wrong = client.get(
        "/staff/report", params={"school_year": "2024-2026"}, headers=world.headers("staff")
    )
    assert wrong.status_code == 422 and "School year" in wrong.text


def test_the_report_agrees_with_the_activity_log_counting_function(app: FastAPI) -> None:
    """The coach pages count with ``service.activities.count_activities``; the report's
    per-school and statewide figures must be the same numbers."""
    from service.activities import count_activities

    gen = generate_year(app, 8)
    with session_scope(app.state.sessionmaker) as db:
        report = build_report(db, ReportFilters(school_year=YEAR))
        for row in [*report.schools, report.statewide]:
            ids = [int(row.key)] if row.key.isdigit() else list(gen.schools)
            if row.key.isdigit() and int(row.key) not in gen.schools:
                continue
            counted = count_activities(db, school_year=YEAR, school_ids=ids)
            assert row.total_entries == counted.entries
            assert row.students_reached == counted.students_reached
            for category in CATEGORIES:
                one = counted.by_category[ActivityCategory(category)]
                assert (row.entries[category], row.reached[category]) == (
                    one.entries,
                    one.students_reached,
                )
