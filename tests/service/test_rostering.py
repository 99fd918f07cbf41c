"""Roster import (``service.rostering``): generated OneRoster bundles round-trip, a re-import is
idempotent, every kind of bad row is named with nothing written, schools match on the state id
or the name, a coach imports only into their own schools; plain CSVs; the API and the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from service import rostering
from service.cli import main as cli_main
from service.db import session_scope
from service.tables import ClassMember, School, SchoolClass, Student
from tests.rosters import (
    BROKEN_CELLS,
    SampleSchool,
    broken_bundle,
    edit_cell,
    make_bundle,
    student_rows,
    write_bundle,
    zip_bundle,
)
from tests.service.conftest import World

YEAR = "2025-2026"
ALPHA = SampleSchool("org-alpha", "Alpha High", "2800001")
BETA = SampleSchool("org-beta", "Beta High", "2800002")


def _table(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def db(app: FastAPI, world: World) -> Iterator[Session]:
    """A session on the world's database, where Alpha and Beta High carry state ids."""
    with session_scope(app.state.sessionmaker) as session:
        session.get_one(School, world.school_a).state_id = ALPHA.identifier
        session.get_one(School, world.school_b).state_id = BETA.identifier
    session = app.state.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _import(
    db: Session,
    bundle: dict[str, bytes],
    *,
    dry_run: bool = False,
    scope: rostering.ImportScope | None = None,
    new_schools: dict[str, str] | None = None,
) -> rostering.ImportReport:
    roster = rostering.read_roster_files(bundle)
    report = rostering.import_roster(
        db,
        roster,
        school_year=YEAR,
        scope=scope or rostering.ImportScope(None),
        dry_run=dry_run,
        county_region=get_catalogue().county_region,
        new_schools=new_schools,
    )
    db.commit()
    return report


def _stored(db: Session, school_id: int) -> dict[str, Student]:
    """The school's rostered students by roster id (the world's own student has none)."""
    rows = db.execute(select(Student).where(Student.school_id == school_id)).scalars()
    return {s.source_id: s for s in rows if s.source_id}


@pytest.mark.parametrize(("seed", "size"), [(1, 40), (2, 120), (3, 300)])
def test_a_generated_bundle_round_trips_keeping_only_what_pathways_needs(
    db: Session, world: World, seed: int, size: int
) -> None:
    bundle = make_bundle((ALPHA, BETA), size // 2, seed=seed)
    report = _import(db, bundle)
    users = [u for u in _table(bundle["users.csv"]) if u["role"] == "student"]
    assert report.totals()["added"] == len(users)
    assert sum(s.classes_added for s in report.schools) == len(_table(bundle["classes.csv"]))
    for school_id, org in ((world.school_a, ALPHA), (world.school_b, BETA)):
        stored = _stored(db, school_id)
        mine = [u for u in users if u["orgSourcedIds"] == org.sourced_id]
        assert set(stored) == {u["sourcedId"] for u in mine}
        for user in mine:
            student = stored[user["sourcedId"]]
            assert (student.first_name, student.local_id, student.grade) == (
                user["givenName"],
                user["identifier"],
                int(user["grades"]),
            )
            assert student.gender is None and student.race_ethnicity is None
    # class memberships: exactly the roster's student enrolments, in classes of this year
    enrolments = {
        (e["classSourcedId"], e["userSourcedId"])
        for e in _table(bundle["enrollments.csv"])
        if e["role"] == "student"
    }
    stored_pairs = set(
        db.execute(
            select(SchoolClass.source_id, Student.source_id)
            .join(ClassMember, ClassMember.class_id == SchoolClass.id)
            .join(Student, Student.id == ClassMember.student_id)
            .where(SchoolClass.school_year == YEAR)
        ).all()
    )
    assert stored_pairs == enrolments
    # nothing of the family name, e-mail or birth date is anywhere in the students table
    family = {u["familyName"] for u in users} | {u["email"] for u in users}
    for student in db.execute(select(Student)).scalars():
        values = {str(getattr(student, c.name)) for c in Student.__table__.columns}
        assert not values & family


def test_a_reimport_changes_nothing_and_an_edit_updates_in_place(db: Session, world: World) -> None:
    bundle = make_bundle((ALPHA,), 60, seed=5)
    first = _import(db, bundle)
    count = db.execute(select(func.count()).select_from(Student)).scalar_one()
    members = db.execute(select(func.count()).select_from(ClassMember)).scalar_one()
    again = _import(db, bundle)
    assert again.totals() == {"added": 0, "updated": 0, "unchanged": 60, "left": 1}
    assert again.schools[0].classes_added == 0
    assert first.totals()["added"] == 60
    assert db.execute(select(func.count()).select_from(Student)).scalar_one() == count
    assert db.execute(select(func.count()).select_from(ClassMember)).scalar_one() == members
    # a new grade and a new local id for one student, another student gone from the roster
    rows = student_rows(bundle)
    edit_cell(bundle, "users.csv", rows[3], "grades", "09")  # was 12
    edit_cell(bundle, "users.csv", rows[4], "identifier", "NEW-ID-4")
    users = _table(bundle["users.csv"])
    gone = users[rows[5] - 2]["sourcedId"]
    kept_rows = [u for u in users if u["sourcedId"] != gone]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(users[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(kept_rows)
    bundle["users.csv"] = out.getvalue().encode()
    enrolments = [e for e in _table(bundle["enrollments.csv"]) if e["userSourcedId"] != gone]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(enrolments[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(enrolments)
    bundle["enrollments.csv"] = out.getvalue().encode()
    preview = _import(db, bundle, dry_run=True)
    assert preview.totals() == {"added": 0, "updated": 2, "unchanged": 57, "left": 2}
    assert db.execute(select(func.count()).select_from(Student)).scalar_one() == count
    changed = _import(db, bundle)
    assert changed.totals() == preview.totals()
    stored = _stored(db, world.school_a)
    assert stored[users[rows[3] - 2]["sourcedId"]].grade == 9
    assert stored[users[rows[4] - 2]["sourcedId"]].local_id == "NEW-ID-4"
    assert gone in stored, "a student missing from the roster is reported, never deleted"
    assert db.execute(select(func.count()).select_from(Student)).scalar_one() == count


@pytest.mark.parametrize("cell", BROKEN_CELLS, ids=[c[4] for c in BROKEN_CELLS])
def test_each_kind_of_bad_row_is_named_and_nothing_is_written(
    db: Session, cell: tuple[str, int, str, str, str]
) -> None:
    bundle = make_bundle((ALPHA,), 60, seed=9)
    before = db.execute(select(func.count()).select_from(Student)).scalar_one()
    # break only this one cell: the broken copy with every other cell restored
    broken, where = broken_bundle(bundle)
    index = BROKEN_CELLS.index(cell)
    single = dict(bundle)
    single[cell[0]] = broken[cell[0]]
    for other, (file, _row, _column) in enumerate(where):
        if other != index and file == cell[0]:
            row, column = where[other][1], where[other][2]
            original = _table(bundle[file])[row - 2][column]
            edit_cell(single, file, row, column, original)
    with pytest.raises(rostering.RosterRefusedError) as refused:
        _import(db, single)
    named = {(p.file, p.row, p.column) for p in refused.value.problems}
    assert where[index] in named
    assert any(cell[4] in p.reason for p in refused.value.problems)
    assert len(refused.value.problems) == 1
    assert db.execute(select(func.count()).select_from(Student)).scalar_one() == before


def test_the_broken_copy_names_every_bad_row_at_once(db: Session) -> None:
    broken, where = broken_bundle(make_bundle((ALPHA,), 300))
    with pytest.raises(rostering.RosterRefusedError) as refused:
        rostering.read_roster_upload("broken.zip", zip_bundle(broken))
    assert {(p.file, p.row, p.column) for p in refused.value.problems} == set(where)


def test_a_missing_file_and_a_missing_column_are_named(db: Session) -> None:
    bundle = make_bundle((ALPHA,), 10)
    del bundle["classes.csv"]
    bundle["users.csv"] = bundle["users.csv"].replace(b"givenName", b"firstName", 1)
    with pytest.raises(rostering.RosterRefusedError) as refused:
        rostering.read_roster_files(bundle)
    named = {(p.file, p.row, p.column) for p in refused.value.problems}
    assert named == {("classes.csv", None, None), ("users.csv", 1, "givenName")}


def test_schools_match_on_the_state_id_else_the_name_and_unknown_ones_are_named(
    db: Session, world: World
) -> None:
    renamed = SampleSchool("org-x", "Alpha High School (renamed)", ALPHA.identifier)
    by_name = SampleSchool("org-y", "  beta   HIGH ", "")
    report = _import(db, make_bundle((renamed, by_name), 8))
    assert {s.school_id for s in report.schools} == {world.school_a, world.school_b}
    unknown = SampleSchool("org-z", "Gamma High", "2809999")
    with pytest.raises(rostering.RosterRefusedError) as refused:
        _import(db, make_bundle((unknown,), 8))
    (problem,) = refused.value.problems
    assert (problem.file, problem.row, problem.column) == ("orgs.csv", 3, "name")
    assert "Gamma High" in problem.reason
    admin = rostering.ImportScope(None, may_create_schools=True)
    made = _import(db, make_bundle((unknown,), 8), scope=admin, new_schools={"org-z": "28049"})
    school = db.execute(select(School).where(School.state_id == "2809999")).scalar_one()
    assert made.schools[0].created and school.county_fips == "28049"
    assert school.region_code == get_catalogue().county_region["28049"]


def test_a_coach_imports_only_into_their_own_schools(db: Session, world: World) -> None:
    coach = rostering.ImportScope(frozenset({world.school_a}))
    with pytest.raises(rostering.RosterRefusedError) as refused:
        _import(db, make_bundle((ALPHA, BETA), 10), scope=coach)
    assert [p.reason for p in refused.value.problems] == [
        "you do not coach at Beta High, so you cannot import its students"
    ]
    assert db.execute(select(func.count()).select_from(Student)).scalar_one() == 2
    only = rostering.ImportScope(frozenset({world.school_a}), only_school=world.school_a)
    report = _import(db, make_bundle((ALPHA, BETA), 10), scope=only)
    assert report.skipped_other_schools == 10 and report.totals()["added"] == 10


def test_a_plain_csv_imports_and_names_its_bad_rows(db: Session, world: World) -> None:
    good = (
        b"Local ID,First Name,Grade,School,Class,Period\r\n"
        b"P1,Rae,9,Alpha High,Homeroom 1,1\r\nP2,Sol,10,2800001,Homeroom 1,1\r\n"
    )
    report = _import(db, {"students.csv": good})
    assert report.totals()["added"] == 2
    klass = db.execute(select(SchoolClass).where(SchoolClass.title == "Homeroom 1")).scalar_one()
    assert len(rostering.class_student_ids(db, klass.id)) == 2
    assert _import(db, {"students.csv": good}).totals()["added"] == 0
    bad = "local_id,first_name,grade,school\r\nP3,,9,Alpha High\r\nP4,Ola,8,Alpha High\r\n"
    with pytest.raises(rostering.RosterRefusedError) as refused:
        rostering.read_roster_files({"students.csv": bad.encode()})
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (2, "first_name"),
        (3, "grade"),
    ]


def test_the_api_previews_and_imports_and_refuses_with_every_row(
    client: TestClient, world: World
) -> None:
    with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        session.get_one(School, world.school_a).state_id = ALPHA.identifier
    body = zip_bundle(make_bundle((ALPHA,), 30))
    headers = {**world.headers("coach"), "Content-Type": "application/zip"}
    url = f"/rosters/imports?school_year={YEAR}"
    preview = client.post(f"{url}&dry_run=true", content=body, headers=headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["totals"]["added"] == 30 and preview.json()["imported"] is False
    done = client.post(url, content=body, headers=headers)
    assert done.json()["totals"]["added"] == 30
    again = client.post(url, content=body, headers=headers).json()
    assert again["totals"] == {"added": 0, "updated": 0, "unchanged": 30, "left": 1}
    broken, where = broken_bundle(make_bundle((ALPHA,), 30))
    refused = client.post(url, content=zip_bundle(broken), headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    named = {(e["file"], e["row"], e["column"]) for e in refused.json()["errors"]}
    assert named == set(where)
    other = client.post(url, content=body, headers={**headers, **world.headers("coach_b")})
    assert other.status_code == 422


def test_the_command_line_previews_imports_and_names_problems(
    app: FastAPI, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = app.state.settings.resolved_database_url()
    with session_scope(app.state.sessionmaker) as session:
        session.get_one(School, world.school_a).state_id = ALPHA.identifier
    folder = write_bundle(make_bundle((ALPHA,), 25), tmp_path / "bundle")
    args = ["roster", "import", str(folder), "--school-year", YEAR, "--database-url", url]
    assert cli_main([*args, "--dry-run"]) == 0
    assert "25 would be added" in capsys.readouterr().out
    with session_scope(app.state.sessionmaker) as session:
        assert session.execute(select(func.count()).select_from(Student)).scalar_one() == 2
    assert cli_main(args) == 0
    assert "25 were added" in capsys.readouterr().out
    broken, where = broken_bundle(make_bundle((ALPHA,), 30))
    zipped = tmp_path / "broken.zip"
    zipped.write_bytes(zip_bundle(broken))
    assert (
        cli_main(["roster", "import", str(zipped), "--school-year", YEAR, "--database-url", url])
        == 1
    )
    err = capsys.readouterr().err
    for file, row, column in where:
        assert f"{file}, row {row}, column {column}:" in err
    assert (
        cli_main(["roster", "import", str(folder), "--school-year", "2025", "--database-url", url])
        == 2
    )
