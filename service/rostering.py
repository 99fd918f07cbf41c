"""Roster import, the caseload query, the add/edit-student form and class access codes.

One operations module that the JSON API (``service.routes.rosters``), the coach pages
(``service.pages.roster``, ``service.pages.coach``) and the command line (``pathways roster
import``) all call; they hold no SQL of their own.

**What a roster may hold.** A OneRoster 1.1 CSV bundle (``orgs.csv``, ``users.csv``,
``classes.csv``, ``enrollments.csv``; a folder or a .zip; other files in it, such as
``demographics.csv``, are never read) or a plain CSV with the columns ``local_id``,
``first_name``, ``grade``, ``school`` (optionally ``class`` and ``period``). Only what Pathways
needs is kept: each student's roster id (``sourcedId``, for re-imports), local id, first name,
grade, school, and their classes' titles and periods. Family names, e-mail addresses, birth
dates, demographics and teachers are never stored. Users whose role is not ``student`` are
skipped.

**Schools.** A roster's school (an org of type ``school``, or a plain CSV's ``school`` value)
matches a Pathways school on the state school identifier (``schools.state_id`` against the org's
``identifier``), else on its name (case and spacing ignored). An unknown school is a named
problem, unless an admin chose to create it with its county.

**All or nothing.** Every bad row is named (file, row as a spreadsheet numbers it, header = row
1, column, what is wrong) and nothing is written when any row is bad. A re-import updates
students in place (matched on the roster id, else the local id) and adds no duplicates;
students of an imported school missing from the roster are reported, never deleted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from recommender.errors import InvalidRecordError, PathwaysError
from recommender.school_years import TIME_ZONE, school_year_problem
from service.i18n import N_, Message
from service.tables import (
    AccessCode,
    Assessment,
    ClassMember,
    PendingImport,
    School,
    SchoolClass,
    Student,
)

__all__ = [
    "ONEROSTER_FILES",
    "CaseloadFilters",
    "ImportReport",
    "Roster",
    "RosterProblem",
    "RosterRefusedError",
    "import_roster",
    "list_caseload",
    "local_expiry",
    "read_roster_path",
    "read_roster_upload",
    "save_student",
]

#: The four files of a OneRoster 1.1 CSV bundle Pathways reads, with the columns it needs.
ONEROSTER_FILES: Final = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "users.csv": ("sourcedId", "role", "givenName", "orgSourcedIds", "grades"),
    "classes.csv": ("sourcedId", "title", "schoolSourcedId"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
}
PLAIN_COLUMNS: Final = ("local_id", "first_name", "grade", "school")
GRADES: Final = (9, 10, 11, 12)
MAX_ROWS: Final = 50_000
MAX_FIRST_NAME: Final = 60
MAX_LOCAL_ID: Final = 32
MAX_SOURCE_ID: Final = 64
MAX_TITLE: Final = 120
MAX_PERIOD: Final = 32
#: How long an uploaded roster waits for its importer to confirm the preview.
PENDING_MINUTES: Final = 60
#: Most students one class-code request may cover.
MAX_CODES: Final = 400


@dataclass(frozen=True)
class RosterProblem:
    """One thing wrong with a roster: ``row`` as a spreadsheet numbers it (header = 1; None for
    the whole file), ``column`` the column (None when not about one)."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class RosterRefusedError(PathwaysError, ValueError):
    """A roster with problems: nothing was imported. ``problems`` lists every one found."""

    def __init__(self, problems: Sequence[RosterProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0].describe() if self.problems else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in the roster, nothing imported; first: {first}"
        )


@dataclass(frozen=True)
class RosterOrg:
    """A school as the roster names it; ``key`` is its sourcedId (plain CSV: its value)."""

    key: str
    name: str
    identifier: str
    district: str
    file: str
    row: int
    column: str

    def problem(self, reason: str) -> RosterProblem:
        """A problem with this school, placed where the roster names it."""
        return RosterProblem(self.file, self.row, self.column, reason)


@dataclass(frozen=True)
class RosterClass:
    key: str
    source_id: str | None
    title: str
    period: str
    org_key: str


@dataclass(frozen=True)
class RosterStudent:
    source_id: str | None
    local_id: str
    first_name: str
    grade: int
    org_key: str
    file: str
    row: int
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Roster:
    """What a roster holds that Pathways keeps; ``kind`` is ``oneroster`` or ``csv``."""

    kind: str
    orgs: tuple[RosterOrg, ...]
    students: tuple[RosterStudent, ...]
    classes: tuple[RosterClass, ...]
    skipped_users: int = 0


# --- reading ------------------------------------------------------------------------------------


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _norm(name: str) -> str:
    """A header or school name compared loosely: case, accents, spaces and _ ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s_]+", " ", text).strip()


def _read_csv(
    name: str, data: bytes, problems: list[RosterProblem]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]] | None:
    """Header and rows (with their spreadsheet row numbers) of one CSV file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            RosterProblem(
                name,
                None,
                None,
                Message(N_("not UTF-8 text (byte %(byte)d); save as UTF-8"), byte=exc.start + 1),
            )
        )
        return None
    if "\x00" in text:
        problems.append(RosterProblem(name, None, None, N_("holds a NUL character (\\x00)")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(RosterProblem(name, None, None, N_("the file is empty")))
        return None
    except csv.Error as exc:
        problems.append(
            RosterProblem(
                name, 1, None, Message(N_("not readable as CSV (%(error)s)"), error=str(exc))
            )
        )
        return None
    header = [h.strip() for h in header]
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(
                    RosterProblem(
                        name, number, None, Message(N_("more than %(most)d rows"), most=MAX_ROWS)
                    )
                )
                return None
            if len(values) > len(header):
                problems.append(
                    RosterProblem(
                        name,
                        number,
                        None,
                        Message(
                            N_("%(values)d values but the header has %(columns)d columns"),
                            values=len(values),
                            columns=len(header),
                        ),
                    )
                )
                continue
            rows.append(
                (
                    number,
                    dict(zip(header, values + [""] * (len(header) - len(values)), strict=True)),
                )
            )
    except csv.Error as exc:
        problems.append(
            RosterProblem(
                name,
                reader.line_num,
                None,
                Message(N_("not readable as CSV (%(error)s)"), error=str(exc)),
            )
        )
        return None
    return header, rows


def read_roster_files(files: Mapping[str, bytes]) -> Roster:
    """A roster from its files by name: the OneRoster bundle when ``users.csv`` is among them,
    else one plain CSV. RosterRefusedError naming every problem."""
    by_name = {Path(n).name.lower(): d for n, d in files.items()}
    if "users.csv" in by_name or "orgs.csv" in by_name:
        return _read_oneroster(by_name)
    csvs = [n for n in files if n.lower().endswith(".csv")]
    if len(csvs) != 1:
        names = ", ".join(ONEROSTER_FILES)
        raise RosterRefusedError(
            [
                RosterProblem(
                    "upload",
                    None,
                    None,
                    Message(
                        N_(
                            "expected a OneRoster bundle (%(files)s) or one CSV file with the "
                            "columns %(columns)s"
                        ),
                        files=names,
                        columns=", ".join(PLAIN_COLUMNS),
                    ),
                )
            ]
        )
    return _read_plain(Path(csvs[0]).name, files[csvs[0]])


def read_roster_upload(file_name: str, data: bytes) -> Roster:
    """A roster from an uploaded file: a .zip bundle or one .csv."""
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                files = {
                    info.filename: archive.read(info)
                    for info in archive.infolist()
                    if not info.is_dir()
                    and info.filename.lower().endswith(".csv")
                    and info.file_size <= 64 * 1024 * 1024
                }
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            problem = RosterProblem(
                file_name,
                None,
                None,
                Message(N_("not a readable .zip file (%(error)s)"), error=str(exc)),
            )
            raise RosterRefusedError([problem]) from exc
        return read_roster_files(files)
    return read_roster_files({file_name or "roster.csv": data})


def read_roster_path(path: Path) -> Roster:
    """A roster from a folder holding the bundle, a .zip, or one .csv file."""
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.suffix == ".csv"}
        return read_roster_files(files)
    return read_roster_upload(path.name, path.read_bytes())


def _check_columns(
    name: str, header: list[str], needed: Iterable[str], problems: list[RosterProblem]
) -> bool:
    missing = [c for c in needed if c not in header]
    for column in missing:
        problems.append(
            RosterProblem(name, 1, column, N_("this column is missing from the header"))
        )
    return not missing


def _grade(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"0?\d{1,2}", text) and int(text) in GRADES:
        return int(text)
    return None


def _text_problem(value: str, limit: int, what: str) -> str | None:
    if not value:
        return Message(N_("%(what)s is empty"), what=Message(what))
    if len(value) > limit:
        return Message(
            N_("%(what)s is longer than %(most)d characters"), what=Message(what), most=limit
        )
    return None


def _read_oneroster(files: Mapping[str, bytes]) -> Roster:
    problems: list[RosterProblem] = []
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for name, needed in ONEROSTER_FILES.items():
        if name not in files:
            problems.append(
                RosterProblem(name, None, None, N_("this file is missing from the bundle"))
            )
            continue
        read = _read_csv(name, files[name], problems)
        if read is None:
            continue
        header, rows = read
        if _check_columns(name, header, needed, problems):
            tables[name] = rows
    if problems:
        raise RosterRefusedError(problems)

    def live(row: dict[str, str]) -> bool:
        return row.get("status", "").strip().lower() != "tobedeleted"

    districts = {
        r["sourcedId"].strip(): _clean(r["name"])
        for _, r in tables["orgs.csv"]
        if r["type"].strip().lower() == "district"
    }
    orgs: dict[str, RosterOrg] = {}
    for number, r in tables["orgs.csv"]:
        if not live(r) or r["type"].strip().lower() != "school":
            continue
        key, name = r["sourcedId"].strip(), _clean(r["name"])
        if not key:
            problems.append(RosterProblem("orgs.csv", number, "sourcedId", N_("is empty")))
            continue
        if key in orgs:
            problems.append(
                RosterProblem(
                    "orgs.csv",
                    number,
                    "sourcedId",
                    Message(N_("%(key)s is on row %(row)d too"), key=key, row=orgs[key].row),
                )
            )
            continue
        bad = _text_problem(name, 200, N_("the school name"))
        if bad:
            problems.append(RosterProblem("orgs.csv", number, "name", bad))
            continue
        parent = r.get("parentSourcedId", "").strip()
        orgs[key] = RosterOrg(
            key=key,
            name=name,
            identifier=r.get("identifier", "").strip()[:32],
            district=districts.get(parent, ""),
            file="orgs.csv",
            row=number,
            column="name",
        )

    students: dict[str, RosterStudent] = {}
    local_rows: dict[tuple[str, str], int] = {}
    skipped = 0
    for number, r in tables["users.csv"]:
        if r["role"].strip().lower() != "student":
            skipped += 1
            continue
        if not live(r) or r.get("enabledUser", "").strip().lower() == "false":
            continue
        source = r["sourcedId"].strip()
        first = _clean(r["givenName"])
        ident = r.get("identifier", "").strip() or source
        row_problems: list[RosterProblem] = []

        def note(
            column: str,
            reason: str,
            number: int = number,
            row_problems: list[RosterProblem] = row_problems,
        ) -> None:
            row_problems.append(RosterProblem("users.csv", number, column, reason))

        if not source:
            note("sourcedId", N_("is empty"))
        elif len(source) > MAX_SOURCE_ID:
            note("sourcedId", Message(N_("is longer than %(most)d characters"), most=MAX_SOURCE_ID))
        elif source in students:
            note(
                "sourcedId",
                Message(N_("%(key)s is on row %(row)d too"), key=source, row=students[source].row),
            )
        name_problem = _text_problem(first, MAX_FIRST_NAME, N_("the first name"))
        if name_problem:
            note("givenName", name_problem)
        if len(ident) > MAX_LOCAL_ID:
            column = "identifier" if r.get("identifier", "").strip() else "sourcedId"
            note(
                column,
                Message(N_("the local id is longer than %(most)d characters"), most=MAX_LOCAL_ID),
            )
        grade = _grade(r["grades"].split(",")[0] if r["grades"] else "")
        if grade is None:
            shown = r["grades"].strip() or "empty"
            note(
                "grades",
                Message(
                    N_("grade %(grade)s is not a high-school grade (09, 10, 11 or 12)"),
                    grade=repr(shown),
                ),
            )
        org_keys = [k.strip() for k in r["orgSourcedIds"].split(",") if k.strip()]
        school_keys = [k for k in org_keys if k in orgs]
        if not school_keys:
            shown = ", ".join(org_keys) or "empty"
            note(
                "orgSourcedIds", Message(N_("names no school of orgs.csv (%(shown)s)"), shown=shown)
            )
        elif ident and (school_keys[0], ident) in local_rows:
            where = local_rows[(school_keys[0], ident)]
            note(
                "identifier",
                Message(
                    N_("local id %(local_id)s is on row %(row)s too, at the same school"),
                    local_id=ident,
                    row=where,
                ),
            )
        if row_problems:
            problems.extend(row_problems)
            continue
        local_rows[(school_keys[0], ident)] = number
        students[source] = RosterStudent(
            source_id=source,
            local_id=ident,
            first_name=first,
            grade=grade or 9,
            org_key=school_keys[0],
            file="users.csv",
            row=number,
        )

    classes: dict[str, RosterClass] = {}
    refused_classes: set[str] = set()  # named once; their enrolments are not named again
    for number, r in tables["classes.csv"]:
        if not live(r):
            continue
        key, title = r["sourcedId"].strip(), _clean(r["title"])
        school = r["schoolSourcedId"].strip()
        refused_classes.add(key)
        if not key:
            problems.append(RosterProblem("classes.csv", number, "sourcedId", N_("is empty")))
            continue
        if len(key) > MAX_SOURCE_ID:
            problems.append(
                RosterProblem(
                    "classes.csv",
                    number,
                    "sourcedId",
                    Message(N_("is longer than %(most)d characters"), most=MAX_SOURCE_ID),
                )
            )
            continue
        title_problem = _text_problem(title, MAX_TITLE, N_("the class title"))
        if title_problem:
            problems.append(RosterProblem("classes.csv", number, "title", title_problem))
            continue
        if school not in orgs:
            problems.append(
                RosterProblem(
                    "classes.csv",
                    number,
                    "schoolSourcedId",
                    Message(N_("%(key)s is no school of orgs.csv"), key=school or "empty"),
                )
            )
            continue
        refused_classes.discard(key)
        classes[key] = RosterClass(
            key=key,
            source_id=key,
            title=title,
            period=_clean(r.get("periods", ""))[:MAX_PERIOD],
            org_key=school,
        )

    all_users = {r["sourcedId"].strip() for _, r in tables["users.csv"]}
    memberships: dict[str, list[str]] = {}
    for number, r in tables["enrollments.csv"]:
        if not live(r) or r["role"].strip().lower() != "student":
            continue
        class_key, user = r["classSourcedId"].strip(), r["userSourcedId"].strip()
        if class_key in refused_classes:
            continue
        if class_key not in classes:
            problems.append(
                RosterProblem(
                    "enrollments.csv",
                    number,
                    "classSourcedId",
                    Message(N_("%(key)s is no class of classes.csv"), key=class_key or "empty"),
                )
            )
            continue
        if user not in all_users:
            problems.append(
                RosterProblem(
                    "enrollments.csv",
                    number,
                    "userSourcedId",
                    Message(N_("%(key)s is no user of users.csv"), key=user or "empty"),
                )
            )
            continue
        student = students.get(user)
        if student is None:
            continue  # a user left, disabled, or refused above (already named)
        if classes[class_key].org_key != student.org_key:
            problems.append(
                RosterProblem(
                    "enrollments.csv",
                    number,
                    "classSourcedId",
                    Message(
                        N_("class %(class_key)s is at another school than student %(user)s"),
                        class_key=class_key,
                        user=user,
                    ),
                )
            )
            continue
        memberships.setdefault(user, []).append(class_key)
    if problems:
        raise RosterRefusedError(problems)
    done = tuple(
        RosterStudent(**{**s.__dict__, "classes": tuple(dict.fromkeys(memberships.get(k, [])))})
        for k, s in students.items()
    )
    return Roster("oneroster", tuple(orgs.values()), done, tuple(classes.values()), skipped)


def _read_plain(name: str, data: bytes) -> Roster:
    problems: list[RosterProblem] = []
    read = _read_csv(name, data, problems)
    if read is None:
        raise RosterRefusedError(problems)
    header, rows = read
    columns = {_norm(h): h for h in header}
    aliases = {"local id": "local_id", "first name": "first_name"}
    found = {aliases.get(k, k.replace(" ", "_")): v for k, v in columns.items()}
    missing = [c for c in PLAIN_COLUMNS if c not in found]
    for column in missing:
        problems.append(
            RosterProblem(name, 1, column, N_("this column is missing from the header"))
        )
    if problems:
        raise RosterRefusedError(problems)
    orgs: dict[str, RosterOrg] = {}
    classes: dict[str, RosterClass] = {}
    students: list[RosterStudent] = []
    seen: dict[tuple[str, str], int] = {}
    for number, r in rows:

        def get(column: str, r: dict[str, str] = r) -> str:
            return _clean(r.get(found.get(column, ""), ""))

        local, first, school = get("local_id"), get("first_name"), get("school")
        row_problems = []
        for column, value, limit, what in (
            ("local_id", local, MAX_LOCAL_ID, N_("the local id")),
            ("first_name", first, MAX_FIRST_NAME, N_("the first name")),
            ("school", school, 200, N_("the school")),
        ):
            bad = _text_problem(value, limit, what)
            if bad:
                row_problems.append(RosterProblem(name, number, found[column], bad))
        grade = _grade(get("grade"))
        if grade is None:
            shown = get("grade") or "empty"
            row_problems.append(
                RosterProblem(
                    name,
                    number,
                    found["grade"],
                    Message(N_("grade %(grade)s is not 9, 10, 11 or 12"), grade=repr(shown)),
                )
            )
        org_key = _norm(school)
        if local and school and (org_key, local) in seen:
            row_problems.append(
                RosterProblem(
                    name,
                    number,
                    found["local_id"],
                    Message(
                        N_("local id %(local_id)s is on row %(row)s too, at the same school"),
                        local_id=local,
                        row=seen[(org_key, local)],
                    ),
                )
            )
        title, period = get("class")[:MAX_TITLE], get("period")[:MAX_PERIOD]
        if row_problems:
            problems.extend(row_problems)
            continue
        seen[(org_key, local)] = number
        if org_key not in orgs:
            orgs[org_key] = RosterOrg(org_key, school, "", "", name, number, found["school"])
        class_keys: tuple[str, ...] = ()
        if title:
            class_key = f"{org_key}|{title}|{period}"
            classes.setdefault(class_key, RosterClass(class_key, None, title, period, org_key))
            class_keys = (class_key,)
        students.append(
            RosterStudent(None, local, first, grade or 9, org_key, name, number, class_keys)
        )
    if problems:
        raise RosterRefusedError(problems)
    return Roster("csv", tuple(orgs.values()), tuple(students), tuple(classes.values()))


# --- planning and applying ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportScope:
    """Who imports: ``school_ids`` they may import into (None: any, an admin), whether they may
    create schools, and an optional one school the import is limited to."""

    school_ids: frozenset[int] | None
    may_create_schools: bool = False
    only_school: int | None = None


@dataclass
class SchoolReport:
    """What an import does (or would do) to one school."""

    name: str
    school_id: int | None
    created: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    left: list[str] = field(default_factory=list)
    classes_added: int = 0
    memberships: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "school": self.name,
            "school_id": self.school_id,
            "created": self.created,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "left": len(self.left),
            "left_students": list(self.left),
            "classes_added": self.classes_added,
            "class_memberships": self.memberships,
        }


@dataclass
class ImportReport:
    """The outcome of an import: per school, and whether it was written."""

    kind: str
    school_year: str
    dry_run: bool
    schools: list[SchoolReport]
    skipped_users: int = 0
    skipped_other_schools: int = 0
    rows: int = 0

    def totals(self) -> dict[str, int]:
        return {
            "added": sum(len(s.added) for s in self.schools),
            "updated": sum(len(s.updated) for s in self.schools),
            "unchanged": sum(s.unchanged for s in self.schools),
            "left": sum(len(s.left) for s in self.schools),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "school_year": self.school_year,
            "dry_run": self.dry_run,
            "imported": not self.dry_run,
            "students_in_file": self.rows,
            "skipped_users": self.skipped_users,
            "skipped_other_schools": self.skipped_other_schools,
            "totals": self.totals(),
            "schools": [s.as_dict() for s in self.schools],
        }


def _who(student: Student | RosterStudent) -> str:
    """How a report names a student to the importer (first name and local id; never logged)."""
    return f"{student.first_name} ({student.local_id})"


def check_roster_school_year(school_year: str, today: Any) -> str:
    """``school_year`` as 2025-2026 inside the accepted window; InvalidRecordError otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2}|\d{4})", school_year.strip())
    if match is None:
        raise InvalidRecordError("school_year", N_("write the school year as 2025-2026"))
    first = int(match.group(1))
    second = match.group(2)
    if int(second) != (first + 1) % (100 if len(second) == 2 else 10_000):
        raise InvalidRecordError("school_year", N_("a school year is two consecutive years"))
    problem = school_year_problem(first, today)
    if problem is not None:
        raise InvalidRecordError("school_year", problem)
    return f"{first}-{first + 1}"


def _match_schools(
    db: Session,
    roster: Roster,
    scope: ImportScope,
    new_schools: Mapping[str, str],
    county_region: Mapping[str, str],
    problems: list[RosterProblem],
) -> dict[str, School | None]:
    """Each roster school's Pathways school (None: skipped, outside ``scope.only_school``); a
    school to create is a new, unsaved ``School``."""
    schools = list(db.execute(select(School)).scalars())
    by_state = {s.state_id: s for s in schools if s.state_id}
    by_name: dict[str, list[School]] = {}
    for known in schools:
        by_name.setdefault(_norm(known.name), []).append(known)
    used = {s.org_key for s in roster.students}
    matched: dict[str, School | None] = {}
    for org in roster.orgs:
        if org.key not in used:
            continue
        school: School | None = by_state.get(org.identifier) if org.identifier else None
        if school is None:
            school = by_state.get(org.name)  # a plain CSV may give the state id as the school
        if school is None:
            named = by_name.get(_norm(org.name), [])
            if len(named) > 1:
                problems.append(
                    org.problem(
                        Message(
                            N_(
                                "%(count)d Pathways schools are named %(name)s; an admin can set "
                                "their state school ids to tell them apart"
                            ),
                            count=len(named),
                            name=repr(org.name),
                        ),
                    )
                )
                continue
            school = named[0] if named else None
        if school is None:
            county = new_schools.get(org.key, "").strip()
            if scope.may_create_schools and county:
                if county not in county_region:
                    problems.append(
                        org.problem(
                            Message(
                                N_(
                                    "county %(county)s chosen for the new school %(name)s is no "
                                    "Mississippi county"
                                ),
                                county=repr(county),
                                name=repr(org.name),
                            ),
                        )
                    )
                    continue
                matched[org.key] = School(
                    name=org.name,
                    district=org.district or org.name,
                    county_fips=county,
                    region_code=county_region[county],
                    state_id=org.identifier or None,
                )
                continue
            if scope.may_create_schools and org.identifier:
                message = N_(
                    "no Pathways school is %(name)s (state id %(state_id)s); "
                    "choose its county to create it"
                )
            elif scope.may_create_schools:
                message = N_("no Pathways school is %(name)s; choose its county to create it")
            elif org.identifier:
                message = N_(
                    "no Pathways school is %(name)s (state id %(state_id)s); "
                    "an admin can add it to Pathways"
                )
            else:
                message = N_("no Pathways school is %(name)s; an admin can add it to Pathways")
            problems.append(
                org.problem(
                    Message(message, name=repr(org.name), state_id=org.identifier),
                )
            )
            continue
        if scope.only_school is not None and school.id != scope.only_school:
            matched[org.key] = None
            continue
        if scope.school_ids is not None and school.id not in scope.school_ids:
            problems.append(
                org.problem(
                    Message(
                        N_("you do not coach at %(school)s, so you cannot import its students"),
                        school=school.name,
                    ),
                )
            )
            continue
        matched[org.key] = school
    return matched


def unknown_schools(db: Session, roster: Roster) -> list[RosterOrg]:
    """The roster's schools (with students) that match no Pathways school."""
    problems: list[RosterProblem] = []
    matched = _match_schools(db, roster, ImportScope(None), {}, {}, problems)
    used = {s.org_key for s in roster.students}
    return [o for o in roster.orgs if o.key in used and o.key not in matched]


def import_roster(
    db: Session,
    roster: Roster,
    *,
    school_year: str,
    scope: ImportScope,
    dry_run: bool,
    county_region: Mapping[str, str],
    new_schools: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import (or, with ``dry_run``, only preview) ``roster`` into the caller's transaction.

    RosterRefusedError, with nothing written, when a school cannot be matched or is outside
    ``scope``. ``progress(done, total)`` is called as students are processed.
    """
    problems: list[RosterProblem] = []
    matched = _match_schools(db, roster, scope, new_schools or {}, county_region, problems)
    if problems:
        raise RosterRefusedError(problems)
    report = ImportReport(roster.kind, school_year, dry_run, [], roster.skipped_users)
    report.rows = len(roster.students)
    by_org: dict[str, list[RosterStudent]] = {}
    for student in roster.students:
        by_org.setdefault(student.org_key, []).append(student)
    classes_by_org: dict[str, list[RosterClass]] = {}
    for klass in roster.classes:
        classes_by_org.setdefault(klass.org_key, []).append(klass)
    total, done = len(roster.students), 0
    for org in roster.orgs:
        if org.key not in by_org:
            continue
        school = matched.get(org.key)
        if school is None:
            report.skipped_other_schools += len(by_org[org.key])
            done += len(by_org[org.key])
            continue
        part = SchoolReport(school.name, school.id, created=school.id is None)
        report.schools.append(part)
        if school.id is None and not dry_run:
            db.add(school)
            db.flush()
            part.school_id = school.id
        existing = (
            list(db.execute(select(Student).where(Student.school_id == school.id)).scalars())
            if school.id is not None
            else []
        )
        by_source = {s.source_id: s for s in existing if s.source_id}
        by_local = {s.local_id: s for s in existing}
        seen: set[int] = set()
        class_rows, part.classes_added = _classes(
            db, school, school_year, classes_by_org.get(org.key, []), dry_run
        )
        pending: list[tuple[Student, RosterStudent]] = []
        # students whose local id another student of the school holds now, moved out of the way
        for incoming in by_org[org.key]:
            row = by_source.get(incoming.source_id) if incoming.source_id else None
            if row is None:
                row = by_local.get(incoming.local_id)
                if row is not None and row.id in seen:
                    row = None
            if row is None:
                part.added.append(_who(incoming))
                if not dry_run:
                    row = Student(
                        school_id=school.id,
                        local_id=incoming.local_id,
                        first_name=incoming.first_name,
                        grade=incoming.grade,
                        source_id=incoming.source_id,
                    )
                    pending.append((row, incoming))
            else:
                seen.add(row.id)
                changes = {
                    name: value
                    for name, value in (
                        ("local_id", incoming.local_id),
                        ("first_name", incoming.first_name),
                        ("grade", incoming.grade),
                        ("source_id", incoming.source_id or row.source_id),
                    )
                    if getattr(row, name) != value
                }
                if changes:
                    part.updated.append(_who(incoming))
                    if not dry_run:
                        for name, value in changes.items():
                            setattr(row, name, value)
                else:
                    part.unchanged += 1
                if not dry_run:
                    pending.append((row, incoming))
            done += 1
            if progress is not None and (done % 25 == 0 or done == total):
                progress(done, total)
        part.left = [_who(s) for s in existing if s.id not in seen]
        part.memberships = sum(len(s.classes) for s in by_org[org.key])
        if dry_run:
            continue
        for row, _ in pending:
            if row.id is None:
                db.add(row)
        db.flush()
        _set_memberships(db, school_year, class_rows, pending)
    if progress is not None:
        progress(total, total)
    if not dry_run:
        db.flush()
    return report


def _classes(
    db: Session, school: School, school_year: str, wanted: list[RosterClass], dry_run: bool
) -> tuple[dict[str, SchoolClass | None], int]:
    """The stored class of each roster class (added unless ``dry_run``, then None when new),
    and how many are new."""
    stored = (
        list(
            db.execute(
                select(SchoolClass).where(
                    SchoolClass.school_id == school.id, SchoolClass.school_year == school_year
                )
            ).scalars()
        )
        if school.id is not None
        else []
    )
    by_source = {c.source_id: c for c in stored if c.source_id}
    by_title = {(c.title, c.period): c for c in stored if not c.source_id}
    found: dict[str, SchoolClass | None] = {}
    new = 0
    for klass in wanted:
        row = (
            by_source.get(klass.source_id)
            if klass.source_id
            else by_title.get((klass.title, klass.period))
        )
        if row is not None:
            row.title, row.period = klass.title, klass.period
        else:
            new += 1
        if row is None and not dry_run:
            row = SchoolClass(
                school_id=school.id,
                school_year=school_year,
                source_id=klass.source_id,
                title=klass.title,
                period=klass.period,
            )
            db.add(row)
        found[klass.key] = row
    if not dry_run:
        db.flush()
    return found, new


def _set_memberships(
    db: Session,
    school_year: str,
    class_rows: Mapping[str, SchoolClass | None],
    pending: list[tuple[Student, RosterStudent]],
) -> None:
    """Each rostered student's classes of ``school_year`` become exactly the roster's."""
    ids = [row.id for row, _ in pending]
    year_classes = select(SchoolClass.id).where(SchoolClass.school_year == school_year)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.execute(
            delete(ClassMember).where(
                ClassMember.student_id.in_(chunk), ClassMember.class_id.in_(year_classes)
            )
        )
    for row, incoming in pending:
        for key in incoming.classes:
            klass = class_rows.get(key)
            if klass is not None:
                db.add(ClassMember(class_id=klass.id, student_id=row.id))
    db.flush()


# --- pending uploads (preview, then confirm) ------------------------------------------------------


def keep_upload(
    db: Session,
    *,
    user_id: int,
    file_name: str,
    content: bytes,
    school_year: str,
    school_id: int | None,
    now: datetime,
) -> int:
    """Keep an upload for its preview and confirmation; purges every expired one first."""
    db.execute(
        delete(PendingImport).where(
            PendingImport.created_at < now - timedelta(minutes=PENDING_MINUTES)
        )
    )
    row = PendingImport(
        user_id=user_id,
        file_name=file_name[:200] or "roster",
        content=content,
        school_year=school_year,
        school_id=school_id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row.id


def pending_upload(db: Session, upload_id: int, user_id: int, now: datetime) -> PendingImport:
    """This user's live upload ``upload_id``; RecordNotFoundError for anyone else's or expired."""
    from recommender.errors import RecordNotFoundError

    row = db.get(PendingImport, upload_id)
    if (
        row is None
        or row.user_id != user_id
        or row.created_at < now - timedelta(minutes=PENDING_MINUTES)
    ):
        raise RecordNotFoundError("roster upload", upload_id)
    return row


def forget_upload(db: Session, pending: PendingImport) -> None:
    """Drop a kept roster upload once it has been imported; the caller commits."""
    db.execute(delete(PendingImport).where(PendingImport.id == pending.id))


# --- caseload, one student, classes ---------------------------------------------------------------


STATUS_LABELS: Final = {
    "submitted": N_("Finished"),
    "in_progress": N_("In progress"),
    "none": N_("Not started"),
}


@dataclass(frozen=True)
class CaseloadFilters:
    """The caseload's search: text in the first name or local id, and exact filters."""

    text: str = ""
    grade: int | None = None
    status: str | None = None
    school_id: int | None = None
    class_id: int | None = None

    def active(self) -> bool:
        return bool(self.text or self.grade or self.status or self.school_id or self.class_id)


def visible_schools(db: Session, school_ids: frozenset[int] | None) -> list[School]:
    """Schools in scope (None: all), by name."""
    query = select(School).order_by(School.name, School.id)
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    return list(db.execute(query).scalars())


def visible_classes(
    db: Session, school_ids: frozenset[int] | None, school_year: str | None = None
) -> list[tuple[SchoolClass, int]]:
    """Classes of the schools in scope with their member counts, newest year first."""
    counts = (
        select(ClassMember.class_id, func.count().label("n"))
        .group_by(ClassMember.class_id)
        .subquery()
    )
    query = (
        select(SchoolClass, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.class_id == SchoolClass.id)
        .order_by(SchoolClass.school_year.desc(), SchoolClass.period, SchoolClass.title)
    )
    if school_ids is not None:
        query = query.where(SchoolClass.school_id.in_(school_ids))
    if school_year is not None:
        query = query.where(SchoolClass.school_year == school_year)
    return [(c, int(n)) for c, n in db.execute(query).all()]


def list_caseload(
    db: Session, school_ids: frozenset[int] | None, filters: CaseloadFilters
) -> list[dict[str, Any]]:
    """Schools in scope, each with its students that pass ``filters`` (grade, first name, local
    id) and the status of their latest assessment, plus the school's totals."""
    schools = visible_schools(db, school_ids)
    if filters.school_id is not None:
        schools = [s for s in schools if s.id == filters.school_id]
    latest = (
        select(Assessment.student_id, func.max(Assessment.id).label("last_id"))
        .group_by(Assessment.student_id)
        .subquery()
    )
    status = dict(
        db.execute(
            select(Assessment.student_id, Assessment.status).join(
                latest, Assessment.id == latest.c.last_id
            )
        ).all()
    )
    groups = []
    for school in schools:
        query = select(Student).where(Student.school_id == school.id)
        everyone = _ids(db, school)
        if filters.text:
            # a typed % or _ is a character to find, not a wildcard
            typed = filters.text.lower()
            for char in ("\\", "%", "_"):
                typed = typed.replace(char, "\\" + char)
            like = f"%{typed}%"
            query = query.where(
                or_(
                    func.lower(Student.first_name).like(like, escape="\\"),
                    func.lower(Student.local_id).like(like, escape="\\"),
                )
            )
        if filters.grade is not None:
            query = query.where(Student.grade == filters.grade)
        if filters.class_id is not None:
            query = query.where(
                Student.id.in_(
                    select(ClassMember.student_id).where(ClassMember.class_id == filters.class_id)
                )
            )
        students = db.execute(
            query.order_by(Student.grade, Student.first_name, Student.local_id)
        ).scalars()
        rows = [{"student": s, "status": status.get(s.id, "none")} for s in students]
        if filters.status is not None:
            rows = [r for r in rows if r["status"] == filters.status]
        done = sum(1 for i in everyone if status.get(i) == "submitted")
        groups.append({"school": school, "rows": rows, "done": done, "total": len(everyone)})
    return groups


def get_student(db: Session, student_id: int) -> Student | None:
    """The student row by id, no scope check (the caller has one: a signed-in student
    themself, or a record already in scope); the disclosure-logged way is
    ``service.deps.load_student_for``."""
    return db.get(Student, student_id)


def school_of(db: Session, student: Student) -> School | None:
    """The school a student belongs to."""
    return db.get(School, student.school_id)


def _ids(db: Session, school: School) -> set[int]:
    return set(db.execute(select(Student.id).where(Student.school_id == school.id)).scalars())


def student_classes(db: Session, student_id: int) -> list[SchoolClass]:
    """The classes a student belongs to, newest school year first."""
    return list(
        db.execute(
            select(SchoolClass)
            .join(ClassMember, ClassMember.class_id == SchoolClass.id)
            .where(ClassMember.student_id == student_id)
            .order_by(SchoolClass.school_year.desc(), SchoolClass.title)
        ).scalars()
    )


def class_student_ids(db: Session, class_id: int) -> list[int]:
    return list(
        db.execute(select(ClassMember.student_id).where(ClassMember.class_id == class_id)).scalars()
    )


@dataclass(frozen=True)
class StudentForm:
    """The add/edit-student form as typed."""

    first_name: str = ""
    local_id: str = ""
    grade: str = ""
    school_id: str = ""
    class_title: str = ""
    period: str = ""
    #: Classes the student leaves (edit only): ids among the student's own classes.
    leave_class_ids: tuple[int, ...] = ()


def save_student(
    db: Session,
    form: StudentForm,
    *,
    school_ids: frozenset[int] | None,
    school_year: str,
    student: Student | None = None,
) -> tuple[Student | None, dict[str, str]]:
    """Add (``student`` None) or correct a student from the form; returns the student, or None
    and a message per field (``first_name``, ``local_id``, ``grade``, ``school_id``,
    ``class_title``) with nothing written. ``class_title`` adds the student to that class;
    ``leave_class_ids`` takes them out of those of their classes."""
    errors: dict[str, str] = {}
    first = _clean(form.first_name)
    local = _clean(form.local_id)
    for key, value, limit, label in (
        ("first_name", first, MAX_FIRST_NAME, N_("First name")),
        ("local_id", local, MAX_LOCAL_ID, N_("Local id")),
    ):
        if not value:
            errors[key] = Message(N_("%(field)s: type it in."), field=Message(label))
        elif len(value) > limit:
            errors[key] = Message(
                N_("%(field)s: at most %(n)d characters."), field=Message(label), n=limit
            )
        elif "\x00" in value:
            errors[key] = Message(N_("%(field)s: remove the NUL character."), field=Message(label))
    grade = _grade(form.grade)
    if grade is None:
        errors["grade"] = N_("Grade: choose 9, 10, 11 or 12.")
    school: School | None = None
    if re.fullmatch(r"\d{1,9}", form.school_id.strip()):
        school = db.get(School, int(form.school_id))
    if school is None or (school_ids is not None and school.id not in school_ids):
        errors["school_id"] = N_("School: choose one of your schools.")
        school = None
    title = _clean(form.class_title)
    period = _clean(form.period)
    if len(title) > MAX_TITLE:
        errors["class_title"] = Message(N_("Class: at most %(n)d characters."), n=MAX_TITLE)
    if len(period) > MAX_PERIOD:
        errors["class_title"] = Message(N_("Period: at most %(n)d characters."), n=MAX_PERIOD)
    if school is not None and local and "local_id" not in errors:
        taken = db.execute(
            select(Student.id).where(Student.school_id == school.id, Student.local_id == local)
        ).scalar_one_or_none()
        if taken is not None and (student is None or taken != student.id):
            errors["local_id"] = N_("Local id: another student at this school has it.")
    if errors or school is None or grade is None:
        return None, errors
    if student is None:
        student = Student(school_id=school.id, local_id=local, first_name=first, grade=grade)
        db.add(student)
    else:
        if student.school_id != school.id:
            _leave_classes(db, student.id)
        student.school_id, student.local_id = school.id, local
        student.first_name, student.grade = first, grade
        if form.leave_class_ids:
            db.execute(
                delete(ClassMember).where(
                    ClassMember.student_id == student.id,
                    ClassMember.class_id.in_(form.leave_class_ids),
                )
            )
    db.flush()
    if title:
        klass = (
            db.execute(
                select(SchoolClass).where(
                    SchoolClass.school_id == school.id,
                    SchoolClass.school_year == school_year,
                    SchoolClass.title == title,
                    SchoolClass.period == period,
                )
            )
            .scalars()
            .first()
        )
        if klass is None:
            klass = SchoolClass(
                school_id=school.id, school_year=school_year, title=title, period=period
            )
            db.add(klass)
            db.flush()
        if db.get(ClassMember, (klass.id, student.id)) is None:
            db.add(ClassMember(class_id=klass.id, student_id=student.id))
        db.flush()
    return student, {}


def _leave_classes(db: Session, student_id: int) -> None:
    db.execute(delete(ClassMember).where(ClassMember.student_id == student_id))


# --- access codes for a class -------------------------------------------------------------------


def local_expiry(moment: datetime) -> datetime:
    """``moment`` (UTC) in the coaches' local time (``recommender.school_years.TIME_ZONE``)."""
    return moment.astimezone(TIME_ZONE)


def codes_of(db: Session, code_ids: Sequence[int]) -> list[AccessCode]:
    """The access codes ``code_ids`` that exist, in the given order."""
    rows = {
        r.id: r
        for r in db.execute(select(AccessCode).where(AccessCode.id.in_(list(code_ids)))).scalars()
    }
    return [rows[i] for i in code_ids if i in rows]
