"""The engine: one call from profile to ranked pathways, what-if overrides, the shipped model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.errors import ModelArtifactError, UnknownCodeError
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


def test_loading_refuses_a_version_whose_files_differ_from_its_manifest(tmp_path: Path) -> None:
    """The command line and training load through Recommender.load too: an edited policy
    (weights x100) or a deleted one is refused by name, never served or replaced by defaults."""
    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    folder = tmp_path / active
    shutil.copytree(DEFAULT_MODELS_DIR / active, folder)
    assert Recommender.load(tmp_path, active).model_version == active
    policy = folder / "policy.json"
    doc = json.loads(policy.read_text())
    doc["ranking"] = {k: v * 100 for k, v in doc["ranking"].items()}
    policy.write_text(json.dumps(doc, indent=2))
    with pytest.raises(ModelArtifactError, match=r"policy\.json"):
        Recommender.load(tmp_path, active)
    policy.unlink()
    with pytest.raises(ModelArtifactError, match=r"policy\.json"):
        Recommender.load(tmp_path, active)


# --- detail occupations and their SOC group's figures -----------------------------------------


def _catalogue(engine: Recommender) -> Catalogue:
    """The engine's catalogue as the loader's type (the fixture builds on the real one)."""
    assert isinstance(engine.catalogue, Catalogue)
    return engine.catalogue


def _series_members(engine: Recommender) -> dict[str, list[int]]:
    """OEWS series code -> catalogue rows that carry it, counted here from the codes alone."""
    members: dict[str, list[int]] = {}
    for j, code in enumerate(engine.catalogue.oews_codes):
        if code:
            members.setdefault(code, []).append(j)
    return members


def test_the_demand_input_of_every_shared_series_is_an_even_split(engine: Recommender) -> None:
    catalogue = _catalogue(engine)
    employment = np.asarray(catalogue.employment, dtype=np.float64)
    basis = engine.demand_employment
    assert basis is not None and basis.shape == employment.shape
    members = _series_members(engine)
    shared = {code: rows for code, rows in members.items() if len(rows) > 1}
    assert shared, "the catalogue has O*NET detail occupations sharing an OEWS series"
    for code, rows in members.items():
        for j in rows:
            expected = employment[:, j] / len(rows)
            np.testing.assert_allclose(basis[:, j], expected, rtol=1e-6, err_msg=code)
        # the members share one split figure and one demand percentile in every region
        for j in rows[1:]:
            np.testing.assert_array_equal(basis[:, j], basis[:, rows[0]], err_msg=code)
            np.testing.assert_array_equal(engine.demand[:, j], engine.demand[:, rows[0]])
        # the group's jobs are counted once: the members' shares add up to the series total
        total = basis[:, rows].astype(np.float64).sum(axis=1)
        published = employment[:, rows[0]]
        ok = np.isfinite(published)
        np.testing.assert_allclose(total[ok], published[ok], rtol=1e-5, err_msg=code)
    unmatched = [j for j, c in enumerate(catalogue.oews_codes) if not c]
    assert all(np.isnan(basis[:, j]).all() for j in unmatched)


def _percentile_of(values: np.ndarray, j: int) -> float:
    """Mean-rank percentile of values[j] among the finite values (0.5 when unknown)."""
    finite = values[np.isfinite(values)]
    if not np.isfinite(values[j]) or finite.size < 2:
        return 0.5
    below = float((finite < values[j]).sum())
    ties = float((finite == values[j]).sum()) - 1.0
    return float((below + ties / 2.0) / (finite.size - 1))


def test_no_detail_title_has_more_demand_than_its_split_share_gives(engine: Recommender) -> None:
    catalogue = _catalogue(engine)
    employment = np.asarray(catalogue.employment, dtype=np.float64)
    members = _series_members(engine)
    shared = [j for rows in members.values() if len(rows) > 1 for j in rows]
    for r in range(len(catalogue.regions)):
        split = employment[r].copy()
        for rows in members.values():
            split[rows] = employment[r, rows] / len(rows)
        sole = np.asarray([len(members.get(c, ())) == 1 for c in catalogue.oews_codes])
        for j in shared:
            own = _percentile_of(split, j)
            assert engine.demand[r, j] == pytest.approx(own, abs=1e-6), catalogue.codes[j]
            # no sole-series occupation with more jobs than this title's share ranks below it
            more = sole & (employment[r] > split[j])
            assert np.all(engine.demand[r, more] > engine.demand[r, j]), catalogue.codes[j]
        # demand stays in the order of the figures it ranks
        order = np.argsort(split[np.isfinite(split)], kind="stable")
        ranked = engine.demand[r][np.isfinite(split)][order]
        assert np.all(np.diff(ranked) >= -1e-7)


def test_every_result_says_whose_figures_it_shows(engine: Recommender) -> None:
    catalogue = _catalogue(engine)
    members = _series_members(engine)
    broad = {
        c for c, m in zip(catalogue.oews_codes, catalogue.oews_match, strict=True) if m == "broad"
    }
    n = len(catalogue.codes)
    for region in ("2800000", "0025060"):
        result = engine.recommend(profile(region=region), k=n)
        assert len(result.occupations) == n, "k = catalogue size lists every occupation"
        r = catalogue.region_index(region)
        for occupation in result.occupations:
            j = catalogue.index_of(occupation.code)
            series = catalogue.oews_codes[j]
            group = bool(series) and (len(members[series]) > 1 or series in broad)
            expected = "group" if group else ("occupation" if series else "none")
            assert occupation.figures_scope == expected, occupation.code
            published = float(catalogue.employment[r, j])
            # the shown figure stays the published series figure
            assert occupation.employment == (published if np.isfinite(published) else None)
            if group:
                assert occupation.figures_group_code == series
                assert occupation.figures_group_size == len(members[series])
                titles = dict(zip(catalogue.codes, catalogue.titles, strict=True))
                assert occupation.figures_group_title == titles.get(series + ".00", "")
            else:
                assert occupation.figures_group_code is None
                assert occupation.figures_group_size is None
                assert occupation.figures_group_title is None
            data = occupation.to_dict()
            assert data["figures_scope"] == expected
            assert data["figures_group_size"] == occupation.figures_group_size
    nurses = engine.recommend(profile(), k=n)
    by_code = {o.code: o for o in nurses.occupations}
    rn = by_code["29-1141.01"]
    assert (rn.figures_scope, rn.figures_group_title) == ("group", "Registered Nurses")
