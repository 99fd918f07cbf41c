"""Golden file: a fixed assessment gives the expected top 5 pathways and reasons.

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

from recommender.assessment import StudentProfile
from recommender.engine import Recommender

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = GOLDEN / "top5.json"
REGENERATE = "PATHWAYS_REGENERATE_GOLDEN"


def summarise(result: Any) -> dict[str, Any]:
    """What the golden file pins: versions, pathway order, their occupations and reasons."""
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
                    {"factor": r.factor, "text": r.text, "es": r.text_es}
                    for r in p.occupations[0].reasons
                ],
            }
            for p in result.pathways
        ],
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_fixed_assessment_gives_the_golden_top5_pathways_and_reasons() -> None:
    profile = StudentProfile.from_dict(
        json.loads((GOLDEN / "assessment.json").read_text(encoding="utf-8"))
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
