"""The demo district: aptitude subtests issued and answered like real sittings, scored for real."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from recommender.aptitude_items import issue_items, verify_answer
from recommender.catalogue import get_catalogue
from recommender.dimensions import APTITUDES
from recommender.instrument import load_instrument
from service.assessing import check_records, score_stored
from service.auth import make_password_hasher
from service.db import session_scope
from service.seed import seed_demo_district
from service.tables import Assessment, Student
from tests.service.conftest import clear_tables


def _seeded(app: FastAPI) -> list[tuple[Assessment, Student]]:
    with session_scope(app.state.sessionmaker) as db:
        assert seed_demo_district(db, make_password_hasher(app.state.settings))
    with session_scope(app.state.sessionmaker) as db:
        rows = db.execute(
            select(Assessment, Student)
            .join(Student, Student.id == Assessment.student_id)
            .where(Assessment.status == "submitted")
            .order_by(Student.id)
        ).all()
        return [(a, s) for a, s in rows]


@pytest.fixture
def seeded(app: FastAPI) -> list[tuple[Assessment, Student]]:
    return _seeded(app)


def test_every_subtest_is_issued_answered_and_finished(
    seeded: list[tuple[Assessment, Student]],
) -> None:
    instrument = load_instrument()
    assert len(seeded) == 8
    for assessment, _ in seeded:
        for spec in instrument.subtests:
            block = assessment.aptitude_seeds[spec.id]
            assert block["issued"] == spec.items
            assert block["started_at"] and block["finished"] is True
            responses = assessment.answers["aptitude"][spec.id]
            assert spec.min_answered <= len(responses) <= spec.items
            indexes = sorted(int(k) for k in responses)
            assert indexes == list(range(len(indexes)))  # answered in order, none skipped
            items = issue_items(spec.id, int(block["seed"]), spec.items)
            for key, choice in responses.items():
                assert 0 <= choice < len(items[int(key)].options)


def test_answers_are_neither_guesses_nor_perfect_and_differ_between_students(
    seeded: list[tuple[Assessment, Student]],
) -> None:
    instrument = load_instrument()
    shares: list[float] = []
    for assessment, _ in seeded:
        right = total = 0
        for spec in instrument.subtests:
            seed = int(assessment.aptitude_seeds[spec.id]["seed"])
            for key, choice in assessment.answers["aptitude"][spec.id].items():
                right += verify_answer(spec.id, seed, int(key), choice)
                total += 1
        shares.append(right / total)
    assert all(0.35 < s < 0.98 for s in shares), shares
    assert max(shares) - min(shares) > 0.1, shares


def test_the_stored_profile_is_what_a_real_submit_scores_and_aptitudes_are_measured(
    seeded: list[tuple[Assessment, Student]],
) -> None:
    instrument = load_instrument()
    region_of = get_catalogue().county_region
    for assessment, _ in seeded:
        again = score_stored(assessment.answers, assessment.aptitude_seeds, instrument, region_of)
        assert again == assessment.profile
        profile: dict[str, Any] = assessment.profile or {}
        sources = profile["aptitude_sources"]
        for spec in instrument.subtests:
            assert "measured" in sources[spec.dimension]
            value = profile["aptitudes"][APTITUDES.index(spec.dimension)]
            assert value is not None and -4 < value < 4


def test_school_records_are_in_range_and_only_for_older_students(
    seeded: list[tuple[Assessment, Student]],
) -> None:
    with_records = 0
    for assessment, student in seeded:
        records = assessment.answers.get("records") or {}
        check_records(assessment, records)  # raises on any value out of range
        if student.grade == 9:
            assert records == {}
        else:
            assert "gpa_unweighted" in records
        if student.grade >= 11:
            assert 1 <= records["act_composite"] <= 36
        with_records += bool(records)
    assert 0 < with_records < len(seeded)


def test_seeding_twice_gives_the_same_answers_and_profiles(app: FastAPI) -> None:
    first = [(a.answers, a.aptitude_seeds, a.profile) for a, _ in _seeded(app)]
    clear_tables(app.state.settings.resolved_database_url())
    second = [(a.answers, a.aptitude_seeds, a.profile) for a, _ in _seeded(app)]

    def strip(seeds: dict[str, Any]) -> dict[str, Any]:
        return {k: {f: v for f, v in b.items() if f != "started_at"} for k, b in seeds.items()}

    assert [(a, strip(s), p) for a, s, p in first] == [(a, strip(s), p) for a, s, p in second]


# --- the demo password's stored hash ---------------------------------------------------------


def test_the_demo_password_hash_constant_is_the_demo_password_at_the_default_cost() -> None:
    from service.seed import DEMO_PASSWORD, DEMO_PASSWORD_HASH
    from service.settings import Settings

    default = make_password_hasher(Settings())
    assert default.verify(DEMO_PASSWORD_HASH, DEMO_PASSWORD)  # raises on a mismatch
    assert not default.check_needs_rehash(DEMO_PASSWORD_HASH)  # so seeding stores it as is


def test_seeding_stores_the_constant_at_the_default_cost_and_hashes_afresh_otherwise(
    app: FastAPI,
) -> None:
    from service.seed import DEMO_PASSWORD, DEMO_PASSWORD_HASH
    from service.settings import Settings
    from service.tables import User

    cheap = make_password_hasher(app.state.settings)  # the tests' cheap argon2 cost
    with session_scope(app.state.sessionmaker) as db:
        assert seed_demo_district(db, cheap)
    with session_scope(app.state.sessionmaker) as db:
        hashes = set(db.execute(select(User.password_hash)).scalars())
    assert len(hashes) == 1 and hashes != {DEMO_PASSWORD_HASH}
    assert cheap.verify(hashes.pop(), DEMO_PASSWORD)
    clear_tables(app.state.settings.resolved_database_url())
    with session_scope(app.state.sessionmaker) as db:
        assert seed_demo_district(db, make_password_hasher(Settings()))
    with session_scope(app.state.sessionmaker) as db:
        assert set(db.execute(select(User.password_hash)).scalars()) == {DEMO_PASSWORD_HASH}


# --- when the demo district is seeded (issue 12 item 22) ------------------------------------


def _count_users(url: str) -> int:
    from sqlalchemy import func

    from service.db import make_engine
    from service.tables import User

    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(User)).scalar_one())
    engine.dispose()
    return n


def _serve_settings(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> Any:
    """The settings ``pathways serve ARGV`` would run with (options exported as variables)."""
    from service.cli import build_parser
    from service.commands import _overrides
    from service.settings import get_settings

    for name in ("PATHWAYS_SEED_DEMO", "PATHWAYS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in _overrides(build_parser().parse_args(["serve", *argv])).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATHWAYS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("PATHWAYS_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("PATHWAYS_ARGON2_PARALLELISM", "1")
    get_settings.cache_clear()
    try:
        return get_settings()
    finally:
        get_settings.cache_clear()


def test_an_empty_configured_database_is_never_seeded_without_demo(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.commands import prepare_database

    url = settings.resolved_database_url()  # PostgreSQL when the tests run on it
    chosen = _serve_settings(monkeypatch, ["--database-url", url])
    assert chosen.seed_demo is None and not chosen.seeds_demo()
    assert prepare_database(chosen) is None
    assert _count_users(url) == 0


def test_demo_seeds_a_configured_database_when_asked(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.commands import prepare_database

    url = settings.resolved_database_url()
    chosen = _serve_settings(monkeypatch, ["--demo", "--database-url", url])
    logins = prepare_database(chosen)
    assert logins is not None and {login.role for login in logins} == {"admin", "staff", "coach"}
    assert _count_users(url) == len(logins)
    assert prepare_database(chosen) is None  # an existing district is left alone


def test_the_embedded_default_seeds_unless_told_not_to(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.commands import prepare_database

    monkeypatch.setenv("PATHWAYS_VAR_DIR", str(tmp_path / "plain"))
    plain = _serve_settings(monkeypatch, [])  # the README's first command: no URL at all
    assert plain.database_url is None and plain.seeds_demo()
    assert prepare_database(plain)
    monkeypatch.setenv("PATHWAYS_VAR_DIR", str(tmp_path / "quiet"))
    quiet = _serve_settings(monkeypatch, ["--no-seed"])
    assert prepare_database(quiet) is None
    assert _count_users(quiet.resolved_database_url()) == 0


def test_demo_and_no_seed_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from service.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", "--demo", "--no-seed"])
    assert exc.value.code == 2
    assert "--demo" in capsys.readouterr().err


def test_create_admin_makes_the_first_account_of_an_empty_database(
    settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from service.cli import main
    from service.tables import User

    url = settings.resolved_database_url()
    for name, value in (("TIME_COST", "1"), ("MEMORY_KIB", "64"), ("PARALLELISM", "1")):
        monkeypatch.setenv(f"PATHWAYS_ARGON2_{name}", value)
    argv = ["create-admin", "--username", "district-it", "--database-url", url]
    monkeypatch.setattr("sys.stdin", io.StringIO("password12\n"))
    assert main(argv) == 2
    assert "password refused" in capsys.readouterr().err
    assert _count_users(url) == 0  # nothing half-written
    monkeypatch.setattr("sys.stdin", io.StringIO("lantern orchard 42 river\n"))
    assert main(argv) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("lantern orchard 42 river\n"))
    assert main(argv) == 2  # the name is taken now
    assert "already taken" in capsys.readouterr().err
    from service.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(User.username, User.role, User.active)).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("district-it", "admin", True)]
