"""Model changes are visible: the confirm page previews changed top fives, the card renders
properly, the models page shows a changelog and who made each event."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.db import session_scope
from service.seed import _completed_assessment
from service.settings import Settings
from service.tables import Recommendation, Student
from tests.service.conftest import World, build_world
from tests.service.test_models_api import (
    SHIPPED,
    add_version,
    app_on_models,
    make_models_dir,
    rewrite_manifest,
)
from training.registry import largest_subgroup_gap

STUDENTS = ("Ada", "Bea", "Cy", "Dee", "Eli", "Fay")


@pytest.fixture
def changes_app(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    folder = make_models_dir(tmp_path)
    add_version(folder, "2026.8-same")  # the shipped model under another name: same lists
    policy = add_version(folder, "2026.9-demand")  # demand and wages weigh much more
    data = json.loads((policy / "policy.json").read_text())
    data["ranking"].update(demand_weight=2.0, wage_weight=2.0, high_value_boost=1.0)
    (policy / "policy.json").write_text(json.dumps(data))
    rewrite_manifest(policy)
    with app_on_models(settings, folder) as application:
        yield application


@pytest.fixture
def client(changes_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(changes_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def world(changes_app: FastAPI, client: TestClient) -> World:
    world = build_world(changes_app)
    with session_scope(changes_app.state.sessionmaker) as db:
        for k, name in enumerate(STUDENTS):
            student = Student(school_id=world.school_a, local_id=f"M{k}", first_name=name, grade=10)
            db.add(student)
            db.flush()
            db.add(_completed_assessment(student.id, "28047", 10, seed=100 + k))
    coach = world.headers("coach")
    with session_scope(changes_app.state.sessionmaker) as db:
        ids = [s.id for s in db.query(Student).filter(Student.local_id.like("M%"))]
    for student_id in ids:  # the coach opens each result once: it is stored
        assert (
            client.get(f"/students/{student_id}/recommendations", headers=coach).status_code == 200
        )
    return world


def _stored(app: FastAPI) -> dict[int, list[str]]:
    with session_scope(app.state.sessionmaker) as db:
        rows = db.query(Recommendation).order_by(Recommendation.id).all()
        return {r.student_id: [p["code"] for p in r.result["pathways"]] for r in rows}


def test_a_candidate_that_ranks_alike_changes_no_stored_top_five(
    changes_app: FastAPI, client: TestClient, world: World
) -> None:
    page = client.get("/staff/models/2026.8-same/promote", headers=world.headers("staff"))
    assert page.status_code == 200
    summary = re.search(r'id="preview-summary">(.*?)</p>', page.text, re.S)
    assert summary is not None
    assert "0 students' top five would change" in summary.group(1)
    assert f"of {len(STUDENTS)} students with stored results checked" in summary.group(1)
    assert 'id="preview-examples"' not in page.text


def test_a_candidate_that_reranks_shows_how_many_change_with_initials_only(
    changes_app: FastAPI, client: TestClient, world: World
) -> None:
    before = _stored(changes_app)
    page = client.get("/staff/models/2026.9-demand/promote", headers=world.headers("staff"))
    assert page.status_code == 200
    # the independent count: rank each stored profile with the candidate through the API's model
    from recommender.assessment import StudentProfile
    from service.recommending import load_model_version
    from service.tables import Assessment

    loaded = load_model_version(changes_app.state.models.models_dir, "2026.9-demand")
    changed = 0
    with session_scope(changes_app.state.sessionmaker) as db:
        for rec in db.query(Recommendation).all():
            profile = db.get(Assessment, rec.assessment_id).profile  # type: ignore[union-attr]
            after = loaded.recommender.recommend(StudentProfile.from_dict(profile), k=5)
            changed += {p.code for p in after.pathways} != set(before[rec.student_id])
    assert changed > 0, "the test's candidate must change some lists"
    summary = re.search(r'id="preview-summary">(.*?)</p>', page.text, re.S)
    assert summary is not None
    noun = "student's" if changed == 1 else "students'"
    assert f"{changed} {noun} top five would change" in summary.group(1)
    examples = re.search(r'id="preview-examples".*?</table>', page.text, re.S)
    assert examples is not None
    for name in STUDENTS:
        assert name not in examples.group(0), "examples show the first initial only"
    assert re.search(r"<th scope=\"row\">[A-F]\.</th>", examples.group(0))
    assert _stored(changes_app) == before, "a preview stores nothing"


def test_the_card_renders_markdown_and_states_both_catalogues(
    changes_app: FastAPI, client: TestClient, world: World
) -> None:
    page = client.get(f"/staff/models/{SHIPPED}", headers=world.headers("staff"))
    assert page.status_code == 200
    text = page.text
    assert not re.search(r"\*\*[A-Za-z][^*\n]*\*\*", text), "no literal **bold**"
    assert "| ---" not in text and "|---|" not in text
    assert "{'git_commit'" not in text and '{"calibration_students"' not in text
    assert "<table>" in text and "<strong>" in text
    assert f'src="/staff/models/{SHIPPED}/files/reliability.svg"' in text
    assert 'id="catalogue-note"' in text and "Catalogue served now" in text
    image = client.get(
        f"/staff/models/{SHIPPED}/files/reliability.svg", headers=world.headers("staff")
    )
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg")
    hidden = client.get(
        f"/staff/models/{SHIPPED}/files/metrics.json", headers=world.headers("staff")
    )
    assert hidden.status_code == 404


@pytest.mark.parametrize("version", sorted(p.name for p in Path("models").iterdir() if p.is_dir()))
def test_the_subgroup_gap_on_the_page_is_the_cards_figure(version: str) -> None:
    from service.pages.staff import subgroup_gaps

    metrics = json.loads((Path("models") / version / "metrics.json").read_text())
    group, gap = largest_subgroup_gap(metrics)
    spread = subgroup_gaps(metrics)["spread"]
    assert spread["group"] == group.replace("_", " ")
    assert f"{spread['gap']:.3f}" == f"{gap:.3f}"
    card = (Path("models") / version / "card.md").read_text()
    assert f"Largest subgroup gap in NDCG@10: {gap:.3f}" in card


def test_the_models_page_shows_a_changelog_and_who_switched(
    changes_app: FastAPI, client: TestClient, world: World
) -> None:
    staff = world.headers("staff")
    page = client.get("/staff", params={"old": SHIPPED, "new": "2026.9-demand"}, headers=staff)
    assert page.status_code == 200
    assert 'id="changelog-metrics"' in page.text and "Difference" in page.text
    assert 'id="changelog-provenance"' in page.text
    assert "the first start" in page.text  # the initialise event has no account


def test_the_models_page_lists_a_version_whose_metrics_are_not_utf8(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    (tmp_path / "models" / "2026.8-same" / "metrics.json").write_bytes(b"\xff\xfe{")
    page = client.get("/staff", headers=world.headers("staff"))
    assert page.status_code == 200
    assert "2026.8-same" in page.text


def test_the_coach_sees_which_model_version_made_a_result(
    changes_app: FastAPI, client: TestClient, world: World
) -> None:
    with session_scope(changes_app.state.sessionmaker) as db:
        student = db.query(Student).filter(Student.local_id == "M0").one()
        stored = db.query(Recommendation).filter(Recommendation.student_id == student.id).one()
        version, student_id = stored.model_version, student.id
    page = client.get(f"/coach/students/{student_id}", headers=world.headers("coach"))
    assert page.status_code == 200
    line = re.search(r'id="result-version">(.*?)</p>', page.text, re.S)
    assert line is not None and f"Ranked by model {version} on " in line.group(1)
    api = client.get(f"/students/{student_id}/recommendations", headers=world.headers("coach"))
    assert api.json()["model_version"] == version


def test_a_preview_says_when_it_checked_only_the_most_recent_results(
    changes_app: FastAPI, world: World
) -> None:
    from service.model_changes import preview_promotion
    from service.recommending import load_model_version

    loaded = load_model_version(changes_app.state.models.models_dir, "2026.9-demand")
    with session_scope(changes_app.state.sessionmaker) as db:
        preview = preview_promotion(db, loaded, limit=2)
    assert (preview.checked, preview.total_stored, preview.limited) == (2, len(STUDENTS), True)
    assert preview.changed + preview.order_only <= 2


def test_markdown_keeps_onet_as_written_and_renders_tables_bold_and_images() -> None:
    from service.pages._markdown import render_markdown

    html = str(
        render_markdown(
            "O*NET and O*NET's data, `a*b`, **bold**\n\n| a | b |\n|--:|---|\n| 1 | 2 |\n\n"
            "![Reliability](reliability.svg) ![bad](../../etc/passwd.svg)\n\n<b>raw</b>",
            image_base="/staff/models/v/files",
        )
    )
    assert html.count("O*NET") == 2 and "<em>" not in html
    assert "<code>a*b</code>" in html and "<strong>bold</strong>" in html
    assert '<th scope="col" class="align-right">a</th>' in html and "style=" not in html
    assert '<img src="/staff/models/v/files/reliability.svg" alt="Reliability"' in html
    assert "passwd" not in html and "<b>" not in html and "&lt;b&gt;raw" in html
