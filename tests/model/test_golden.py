"""Golden file: a fixed assessment gives the expected top 5 pathways and reasons.

The input, ``golden/answers.json``, is a set of stored answers the real scorer reads: the interest
ratings are a real 16-year-old's (respondent 2154 of the Open-Source Psychometrics Project's RIASEC
sample, field engineering, PROVENANCE section 19), their eight answers per area put on the
instrument's first eight items of that area (the ninth left unanswered, as a student may); that
respondent gave no work values, so every value item is at the middle rating; the school records
(ACT 24 math, 21 English, 22 reading, GPA 3.3), plan (community college) and county (Harrison,
Gulfport-Biloxi) are a coach's plausible entries; no aptitude subtest was taken.

The expected result lives in ``tests/model/golden/top5.json``. It changes only when someone
regenerates it on purpose, after checking that the new ranking is wanted:

    PATHWAYS_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/model/test_golden.py

A mismatch fails with a unified diff of the expected and the actual result.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from recommender.assessment import score_assessment
from recommender.catalogue import load_catalogue
from recommender.engine import Recommender
from recommender.instrument import load_instrument
from service.reasons import reason_text

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = GOLDEN / "top5.json"
REGENERATE = "PATHWAYS_REGENERATE_GOLDEN"


def summarise(result: Any) -> dict[str, Any]:
    """What the golden file pins: versions, pathway order, their occupations and reasons (each
    reason's sentence as the service renders it from its message id, in English and Spanish)."""
    return {
        "model_version": result.model_version,
        "catalogue_version": result.catalogue_version,
        "region": result.region,
        "plan": result.plan,
        "pathways": [
            {
                "code": p.code,
                "occupations": [o.code for o in p.occupations],
                "reasons": [
                    {
                        "factor": r.factor,
                        "text": reason_text(r.to_dict(), "en"),
                        "es": reason_text(r.to_dict(), "es"),
                    }
                    for r in p.occupations[0].reasons
                ],
            }
            for p in result.pathways
        ],
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_fixed_assessment_gives_the_golden_top5_pathways_and_reasons() -> None:
    answers = json.loads((GOLDEN / "answers.json").read_text(encoding="utf-8"))
    profile = score_assessment(
        answers, load_instrument(), county_region=load_catalogue().county_region
    )
    actual = render(summarise(Recommender.load().recommend(profile, k=5)))
    if os.environ.get(REGENERATE) == "1":
        tmp = EXPECTED.with_suffix(".json.tmp")
        tmp.write_text(actual, encoding="utf-8")
        tmp.replace(EXPECTED)
        pytest.skip(f"regenerated {EXPECTED.name}")
    if not EXPECTED.is_file():
        pytest.fail(f"{EXPECTED} is missing; create it with {REGENERATE}=1")
    expected = EXPECTED.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile="golden/top5.json (expected)",
                tofile="actual",
            )
        )
        pytest.fail(
            "the fixed assessment's top 5 changed; if the change is intended, regenerate with "
            f"{REGENERATE}=1 and review the diff in git\n{diff}",
            pytrace=False,
        )
