"""Promotion, rollback and model events on the database (SQLite, or PostgreSQL by URL).

``service.model_ops`` is what the API, the staff pages and the command line call; these tests
call it directly on the test database with a private models folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from recommender.errors import PromotionRefusedError, UnknownModelVersionError
from service.db import make_engine, make_sessionmaker, session_scope
from service.model_ops import (
    active_model_version,
    promote_model,
    recent_model_events,
    rollback_model,
    rollback_target,
)
from service.recommending import LoadedModel
from service.settings import Settings
from service.state import get_active_model_version
from service.tables import ModelEvent, User
from tests.service.test_models_api import (
    SHIPPED,
    add_version,
    candidate_models_dir,
)

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return candidate_models_dir(tmp_path)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url())
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


class Loads:
    """A stand-in loader that records what it was asked to load (real loads are tested apart)."""

    def __init__(self) -> None:
        self.versions: list[str] = []

    def __call__(self, version: str) -> LoadedModel:
        self.versions.append(version)
        return cast(LoadedModel, f"loaded {version}")


def promote(factory: sessionmaker[Session], models: Path, version: str, **options: Any) -> Any:
    options = {"force": False, "reason": None, "by_user": None, "now": NOW, **options}
    options.setdefault("load", Loads())
    with session_scope(factory) as db:
        switch = promote_model(db, models, version, **options)
        return switch.event.id, switch.event.replaced, switch.loaded


def rollback(factory: sessionmaker[Session], models: Path, **options: Any) -> Any:
    options = {"to": None, "by_user": None, "now": NOW, "load": Loads(), **options}
    with session_scope(factory) as db:
        switch = rollback_model(db, models, **options)
        return switch.event.version, switch.event.replaced


def pointer(factory: sessionmaker[Session]) -> str | None:
    with session_scope(factory) as db:
        return get_active_model_version(db)


def events(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with session_scope(factory) as db:
        rows = db.execute(select(ModelEvent).order_by(ModelEvent.id)).scalars()
        return [(e.action, e.version, e.replaced, e.forced, e.reason, e.by_user) for e in rows]


def test_the_first_promotion_on_a_new_database_seeds_the_pointer_from_the_registry(
    factory: sessionmaker[Session], models: Path
) -> None:
    assert pointer(factory) is None
    loads = Loads()
    _, replaced, loaded = promote(factory, models, "2026.2-better", load=loads)
    assert replaced == SHIPPED
    assert loads.versions == ["2026.2-better"] and loaded == "loaded 2026.2-better"
    assert pointer(factory) == "2026.2-better"
    assert [e[:3] for e in events(factory)] == [
        ("initialise", SHIPPED, None),
        ("promote", "2026.2-better", SHIPPED),
    ]


def test_a_refused_promotion_writes_nothing_not_even_the_seed(
    factory: sessionmaker[Session], models: Path
) -> None:
    registry = (models / "registry.json").read_bytes()
    loads = Loads()
    for version, expected in [("2026.3-worse", "below the active"), ("2026.4-noparity", "parity")]:
        with pytest.raises(PromotionRefusedError, match=expected):
            promote(factory, models, version, load=loads)
    with pytest.raises(PromotionRefusedError, match="already the active version"):
        promote(factory, models, SHIPPED, load=loads)
    with pytest.raises(UnknownModelVersionError):
        promote(factory, models, "2099.1-none", load=loads)
    assert loads.versions == []  # refused before anything was loaded
    assert pointer(factory) is None and events(factory) == []
    assert (models / "registry.json").read_bytes() == registry  # never written


def test_forcing_needs_a_reason_and_records_the_failed_checks_and_who(
    factory: sessionmaker[Session], models: Path
) -> None:
    with session_scope(factory) as db:
        staff = User(username="staffer", display_name="S", role="staff", password_hash="x")
        db.add(staff)
        db.flush()
        staff_id = staff.id
    with pytest.raises(PromotionRefusedError, match="needs a reason"):
        promote(factory, models, "2026.3-worse", force=True, reason="  ")
    promote(factory, models, "2026.3-worse", force=True, reason=" new year ", by_user=staff_id)
    assert pointer(factory) == "2026.3-worse"
    assert events(factory)[-1] == ("promote", "2026.3-worse", SHIPPED, True, "new year", staff_id)
    with session_scope(factory) as db:
        failed = recent_model_events(db, 1)[0].failed_checks
    assert any("below the active" in f for f in failed)
    # forcing a version that passes records it as not forced, with no failed checks
    promote(factory, models, "2026.2-better", force=True, reason="anyway")
    assert events(factory)[-1][3] is False


def test_rollback_returns_to_the_replaced_version_and_needs_a_reason(
    factory: sessionmaker[Session], models: Path
) -> None:
    with pytest.raises(PromotionRefusedError, match="no earlier version"):
        rollback(factory, models, reason="nothing yet")
    assert events(factory) == []  # the seed of the refused rollback was not kept
    promote(factory, models, "2026.2-better")
    with session_scope(factory) as db:
        assert rollback_target(db, "2026.2-better") == SHIPPED
        assert rollback_target(db, SHIPPED) is None
        assert rollback_target(db, None) is None
    with pytest.raises(PromotionRefusedError, match="needs a reason"):
        rollback(factory, models, reason=" ")
    with pytest.raises(PromotionRefusedError, match="already the active"):
        rollback(factory, models, reason="x", to="2026.2-better")
    assert rollback(factory, models, reason="odd results") == (SHIPPED, "2026.2-better")
    assert pointer(factory) == SHIPPED
    with session_scope(factory) as db:
        listed = [(e.action, e.version) for e in recent_model_events(db)]
    assert listed == [
        ("rollback", SHIPPED),
        ("promote", "2026.2-better"),
        ("initialise", SHIPPED),
    ]
    # a rollback may name any version, guard or not: it is the way back to a known state
    assert rollback(factory, models, reason="back", to="2026.3-worse") == ("2026.3-worse", SHIPPED)


def test_the_real_loader_refuses_a_corrupt_model_even_when_forced(
    factory: sessionmaker[Session], models: Path
) -> None:
    broken = add_version(models, "2026.5-broken", ndcg_delta=0.03)
    (broken / "model.onnx").write_bytes(b"not an onnx model")
    refused = pytest.raises(PromotionRefusedError, match="cannot be loaded")
    with refused, session_scope(factory) as db:
        promote_model(db, models, "2026.5-broken", force=True, reason="try", by_user=None, now=NOW)
    assert pointer(factory) is None
    with session_scope(factory) as db:
        switch = promote_model(
            db, models, "2026.2-better", force=False, reason=None, by_user=None, now=NOW
        )
        assert switch.loaded.version == switch.loaded.recommender.model_version == "2026.2-better"


def test_active_model_version_seeds_once_and_keeps_a_set_pointer(
    factory: sessionmaker[Session], models: Path
) -> None:
    with session_scope(factory) as db:
        assert active_model_version(db, models, now=NOW) == SHIPPED
        assert active_model_version(db, models, now=NOW) == SHIPPED
    (models / "registry.json").write_text(json.dumps({"active": "2026.2-better"}))
    with session_scope(factory) as db:
        assert active_model_version(db, models, now=NOW) == SHIPPED  # the database decides
    assert [e[0] for e in events(factory)] == ["initialise"]
    (models / "registry.json").unlink()
    with session_scope(factory) as db:
        assert active_model_version(db, models / "none", now=NOW) == SHIPPED
