"""The family's printed plan speaks of the student by first name, never as "you" / "tú".

Students ranked from several profiles (seeds, plans, regions) through the API's own path; their
printed plans, in English and Spanish, hold the pathway reasons and summaries, the training steps
and routes the family reads. No second-person word may appear there (the reasons name the
student instead).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.service.conftest import World
from tests.service.test_recommendations import make_profile, submit_profile

#: Second-person forms, as whole words: English, and Spanish "tú" forms (the family is "usted").
SECOND_PERSON = re.compile(
    r"\b(you|your|yours|yourself|tu|tú|tus|te|ti|contigo|tuyo|tuya|tuyos|tuyas)\b", re.I
)
REASONS = re.compile(r'<div class="reason-split">(.*?)<div class="table-scroll"', re.S)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("seed", "plan", "region"),
    [
        (7, "community_college", "2800005"),
        (11, "four_year_college", None),
        (23, "work", "0027140"),
        (42, "apprenticeship_certificate", "2800007"),
        (5, "undecided", None),
    ],
)
def test_the_printed_plan_speaks_of_the_student_not_to_them(
    app: FastAPI, client: TestClient, world: World, seed: int, plan: str, region: str | None
) -> None:
    submit_profile(app, world.student_a, make_profile(seed=seed, plan=plan, region=region))
    coach = world.headers("coach")
    saved = client.put(
        f"/students/{world.student_a}/plan", json={"next_steps": ["visit"]}, headers=coach
    )
    assert saved.status_code == 200, saved.text
    for language in ("en", "es"):
        printed = client.get(
            f"/coach/students/{world.student_a}/plan/print?lang={language}", headers=coach
        )
        assert printed.status_code == 200 and f'<html lang="{language}">' in printed.text
        said = [_text(block) for block in REASONS.findall(printed.text)]
        assert said, "the printed plan shows no pathway reasons"
        main = re.search(r"<main.*?</main>", printed.text, re.S)
        assert main is not None
        # everything printed (the screen-only links above it aside): reasons, training steps,
        # routes, legends
        on_paper = _text(re.sub(r'<p class="no-print">.*?</p>', "", main.group(0), flags=re.S))
        for block in [*said, *re.split(r"(?<=[.;])\s+", on_paper)]:
            found = SECOND_PERSON.findall(block)
            assert not found, f"{language}: second person {found} in {' '.join(block.split())!r}"
        # the student's sentences are said of the student: a pathway reason names them
        everything = " ".join(said)
        if any(word in everything for word in ("likes", "gustan", "gusta", "plan", "score")):
            assert "Ada" in everything
