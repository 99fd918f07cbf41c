"""A generator of realistic OneRoster 1.1 CSV bundles for tests and ``bench.roster_import``.

Everything is invented: first names from a short list written here, family names as letters,
ids as counters. A bundle holds what a school information system exports: a district and its
schools, students (with the family names, e-mail addresses and birth dates Pathways must never
keep), teachers, classes with periods, enrolments, and a ``demographics.csv`` that must never be
read. ``broken_bundle`` makes a copy with one bad row of each kind the import names.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

FIRST_NAMES: Final = (
    "Aria", "Beau", "Cyrus", "Dalia", "Ezra", "Fern", "Gus", "Hana", "Ira", "Juno", "Kai",
    "Lena", "Milo", "Nia", "Otis", "Pia", "Quin", "Remy", "Sage", "Tess", "Uma", "Vic", "Wren",
    "Xavi", "Yara", "Zane", "Amos", "Bria", "Cleo", "Dev", "Elsa", "Finn", "Gia", "Hugo",
    "Isla", "Jude", "Kira", "Leo", "Mae", "Noor",
)  # fmt: skip
SUBJECTS: Final = ("English", "Algebra", "Biology", "History", "Career Prep", "Art")

ORGS_HEADER: Final = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                      "parentSourcedId"]  # fmt: skip
USERS_HEADER: Final = [
    "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
    "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
    "sms", "phone", "agentSourcedIds", "grades", "password",
]  # fmt: skip
CLASSES_HEADER: Final = [
    "sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
    "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects",
    "subjectCodes", "periods",
]  # fmt: skip
ENROLLMENTS_HEADER: Final = [
    "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
    "userSourcedId", "role", "primary", "beginDate", "endDate",
]  # fmt: skip


@dataclass(frozen=True)
class SampleSchool:
    sourced_id: str
    name: str
    identifier: str


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def make_bundle(
    schools: tuple[SampleSchool, ...] = (
        SampleSchool("org-hs-1", "Pinebrook High School", "2801234"),
    ),
    students_per_school: int = 300,
    *,
    seed: int = 7,
    class_size: int = 30,
    teachers: int = 12,
) -> dict[str, bytes]:
    """A bundle by file name: every student in a homeroom plus two subject classes, grades 9-12
    in equal shares, one teacher per ~25 students (teachers are skipped by the import)."""
    rng = random.Random(seed)
    orgs = [["district-1", "", "", "Pinebrook School District", "district", "2800", ""]]
    users: list[list[str]] = []
    classes: list[list[str]] = []
    enrollments: list[list[str]] = []
    demographics = [["sourcedId", "birthDate", "sex", "hispanicOrLatinoEthnicity"]]
    counter = 0
    for s_index, school in enumerate(schools):
        orgs.append(
            [school.sourced_id, "", "", school.name, "school", school.identifier, "district-1"]
        )
        n_classes = max(1, students_per_school // class_size)
        class_ids = []
        for c in range(n_classes * 3):
            class_id = f"cls-{s_index}-{c}"
            class_ids.append(class_id)
            subject = "Homeroom" if c < n_classes else SUBJECTS[c % len(SUBJECTS)]
            title = f"{subject} {c % n_classes + 1:02d}"
            classes.append(
                [class_id, "", "", title, "", f"course-{c}", f"C{c:03d}", "scheduled", "",
                 school.sourced_id, "term-1", subject, "", str(c % 7 + 1)]
            )  # fmt: skip
        for t in range(teachers):
            counter += 1
            teacher = f"usr-t-{s_index}-{t}"
            users.append(
                [teacher, "", "", "true", school.sourced_id, "teacher", f"t{t}", "", "Pat",
                 f"Teacher{t}", "", f"T{t:04d}", f"t{t}@example.invalid", "", "", "", "", ""]
            )  # fmt: skip
            enrollments.append(
                [f"enr-t-{s_index}-{t}", "", "", class_ids[t % len(class_ids)],
                 school.sourced_id, teacher, "teacher", "true", "", ""]
            )  # fmt: skip
        for k in range(students_per_school):
            counter += 1
            user = f"usr-{s_index}-{k:05d}"
            grade = f"{9 + k % 4:02d}"
            first = rng.choice(FIRST_NAMES)
            family = "".join(rng.choice("BCDFGHJKLMNPRSTVWZ") for _ in range(5)).title()
            users.append(
                [user, "", "", "true", school.sourced_id, "student", f"s{counter}", "", first,
                 family, "", f"{s_index + 1}{k + 1:05d}", f"s{counter}@example.invalid", "", "",
                 "", grade, ""]
            )  # fmt: skip
            demographics.append([user, "2009-05-01", "female" if k % 2 else "male", "false"])
            picks = [class_ids[k % n_classes], *rng.sample(class_ids[n_classes:], 2)]
            for j, class_id in enumerate(picks):
                enrollments.append(
                    [f"enr-{s_index}-{k}-{j}", "", "", class_id, school.sourced_id, user,
                     "student", "false", "2025-08-07", "2026-05-22"]
                )  # fmt: skip
    return {
        "manifest.csv": _csv(["propertyName", "value"], [["manifest.version", "1.0"],
                                                          ["oneroster.version", "1.1"]]),
        "orgs.csv": _csv(ORGS_HEADER, orgs),
        "users.csv": _csv(USERS_HEADER, users),
        "classes.csv": _csv(CLASSES_HEADER, classes),
        "enrollments.csv": _csv(ENROLLMENTS_HEADER, enrollments),
        "demographics.csv": _csv(demographics[0], demographics[1:]),
    }  # fmt: skip


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def edit_cell(bundle: dict[str, bytes], file: str, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` as a spreadsheet numbers it: the header is row 1) in place."""
    rows = _rows(bundle[file])
    rows[row - 1][rows[0].index(column)] = value
    bundle[file] = _csv(rows[0], rows[1:])


#: The bad rows of ``broken_bundle``: (file, row, column, value written, kind of problem).
BROKEN_CELLS: Final = (
    ("users.csv", 0, "givenName", "", "the first name is empty"),
    ("users.csv", 1, "grades", "13", "not a high-school grade"),
    ("users.csv", 2, "orgSourcedIds", "org-nowhere", "names no school"),
    ("users.csv", 3, "identifier", "<dup>", "too, at the same school"),
    ("enrollments.csv", 0, "classSourcedId", "cls-missing", "is no class"),
    ("classes.csv", 0, "title", "", "the class title is empty"),
)


def student_rows(bundle: dict[str, bytes]) -> list[int]:
    """Spreadsheet row numbers of the student users."""
    rows = _rows(bundle["users.csv"])
    role = rows[0].index("role")
    return [n for n, r in enumerate(rows[1:], start=2) if r[role] == "student"]


def broken_bundle(bundle: dict[str, bytes]) -> tuple[dict[str, bytes], list[tuple[str, int, str]]]:
    """A copy with one bad row of each kind of ``BROKEN_CELLS``; returns it and the
    (file, row, column) of each bad cell."""
    broken = dict(bundle)
    students = student_rows(broken)
    enrolment_rows = [
        n for n, r in enumerate(_rows(broken["enrollments.csv"])[1:], start=2) if r[6] == "student"
    ]
    where: list[tuple[str, int, str]] = []
    for file, index, column, value, _ in BROKEN_CELLS:
        if file == "users.csv":
            row = students[10 + index]
        elif file == "enrollments.csv":
            row = enrolment_rows[index + 40]
        else:
            row = 2 + index
        if value == "<dup>":
            rows = _rows(broken["users.csv"])
            value = rows[students[0] - 1][rows[0].index("identifier")]
        edit_cell(broken, file, row, column, value)
        where.append((file, row, column))
    return broken, where


def write_bundle(bundle: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in bundle.items():
        (folder / name).write_bytes(data)
    return folder


def zip_bundle(bundle: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in bundle.items():
            archive.writestr(name, data)
    return out.getvalue()
