"""The engine: one call from profile to ranked pathways, what-if overrides, the shipped model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.engine import Recommender
from recommender.errors import UnknownCodeError
from recommender.model import DEFAULT_MODELS_DIR
from tests.model.synthetic import make_profile, sklearn_scorer, tiny_trained


@pytest.fixture(scope="module")
def engine() -> Recommender:
    catalogue, _, pipe = tiny_trained()
    return Recommender.build(catalogue, sklearn_scorer(pipe), "tiny")


def profile(region: str | None = "2800005", plan: str = "community_college"):
    p = make_profile(3, plan=plan)
    p.region_code = region
    return p


def test_recommend_returns_k_pathways_best_first_with_reasons(engine: Recommender) -> None:
    result = engine.recommend(profile(), k=5)
    assert len(result.pathways) == 5
    scores = [p.score for p in result.pathways]
    assert scores == sorted(scores, reverse=True)
    for pathway in result.pathways:
        assert 1 <= len(pathway.occupations) <= 3
        best = [o.score for o in pathway.occupations]
        assert pathway.score == pytest.approx(np.mean(best), abs=1e-6)
        for occ in pathway.occupations:
            assert {r.factor for r in occ.reasons} >= {"interests", "demand", "wage"}
    assert len(result.occupations) == 5
    assert result.model_version == "tiny"
    assert result.catalogue_version == engine.catalogue.version
    json.dumps(result.to_dict())


def test_region_what_if_moves_demand_not_fit(engine: Recommender) -> None:
    a = engine.recommend(profile(), k=3)
    b = engine.recommend(profile(), region="0025060", k=3)
    assert (a.region, b.region) == ("2800005", "0025060")
    fit_a = {o.code: o.fit for p in a.pathways for o in p.occupations}
    fit_b = {o.code: o.fit for p in b.pathways for o in p.occupations}
    for code in fit_a.keys() & fit_b.keys():
        assert fit_a[code] == pytest.approx(fit_b[code])


def test_plan_what_if_leaves_the_profile_unchanged(engine: Recommender) -> None:
    p = profile(plan="work")
    result = engine.recommend(p, plan="four_year_college", k=3)
    assert result.plan == "four_year_college"
    assert p.plan == "work"


def test_missing_region_uses_statewide_and_unknown_region_is_an_error(engine: Recommender) -> None:
    assert engine.recommend(profile(region=None), k=2).region == "2800000"
    with pytest.raises(UnknownCodeError, match="region"):
        engine.recommend(profile(), region="9999999")


def test_shipped_model_loads_and_recommends() -> None:
    assert (DEFAULT_MODELS_DIR / "registry.json").is_file(), "the shipped registry is missing"
    rec = Recommender.load()
    result = rec.recommend(profile(), k=5)
    assert len(result.pathways) == 5
    assert (
        result.model_version
        == json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    )
