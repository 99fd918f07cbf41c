"""Scoring stored answers into a StudentProfile: validation, invariances, sources, round trips."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.aptitude_items import compute_item_parameters
from recommender.assessment import (
    StudentProfile,
    load_instrument,
    score_assessment,
    score_assessments,
)
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.errors import (
    AnswerError,
    OutOfRangeAnswerError,
    TooFewAnswersError,
    UnissuedItemError,
    UnknownCodeError,
    UnknownItemError,
)
from recommender.instrument import Instrument
from tests.strategies import stored_answers

INSTRUMENT = load_instrument()
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _minimal(instrument: Instrument = INSTRUMENT, rating: int = 3) -> dict[str, Any]:
    return {
        "instrument_version": instrument.version,
        "interests": {i.id: rating for i in instrument.interests.items},
        "values": {i.id: rating for i in instrument.values.items},
    }


def _keys(subtest: str, seed: int, n: int) -> list[int]:
    return [int(k) for k in compute_item_parameters(subtest, seed, np.arange(n)).key]


def _shuffled(answers: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    def shuffle(d: dict[str, Any]) -> dict[str, Any]:
        items = list(d.items())
        rng.shuffle(items)
        return dict(items)

    out = copy.deepcopy(answers)
    out["interests"] = shuffle(out["interests"])
    out["values"] = shuffle(out["values"])
    out["records"] = shuffle(out["records"])
    out["aptitude"] = {
        k: {**v, "responses": shuffle(v["responses"])} for k, v in shuffle(out["aptitude"]).items()
    }
    return shuffle(out)


# --------------------------------------------------------------------------- properties


@SLOW
@given(answers=stored_answers(INSTRUMENT), shuffle_seed=st.integers(0, 1000))
def test_scores_do_not_depend_on_item_order(answers: dict[str, Any], shuffle_seed: int) -> None:
    a = score_assessment(answers, INSTRUMENT).to_dict()
    b = score_assessment(_shuffled(answers, random.Random(shuffle_seed)), INSTRUMENT).to_dict()
    assert a == b


@SLOW
@given(answers=stored_answers(INSTRUMENT), data=st.data())
def test_raising_one_rating_never_lowers_its_own_scale(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    section_name = data.draw(st.sampled_from(["interests", "values"]))
    section = INSTRUMENT.interests if section_name == "interests" else INSTRUMENT.values
    item_id = data.draw(st.sampled_from(sorted(answers[section_name])))
    old = answers[section_name][item_id]
    new = data.draw(st.integers(old, section.scale_max))
    raised = copy.deepcopy(answers)
    raised[section_name][item_id] = new
    scale = next(i.scale for i in section.items if i.id == item_id)
    attr = "interests" if section_name == "interests" else "work_values"
    order = RIASEC if section_name == "interests" else WORK_VALUES
    before = getattr(score_assessment(answers, INSTRUMENT), attr)[order.index(scale)]
    after = getattr(score_assessment(raised, INSTRUMENT), attr)[order.index(scale)]
    assert after >= before
    if new > old:
        assert after > before


@SLOW
@given(answers=stored_answers(INSTRUMENT), data=st.data())
def test_a_right_answer_never_lowers_its_aptitude(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    subtest = data.draw(st.sampled_from([s.id for s in INSTRUMENT.subtests]))
    spec = INSTRUMENT.subtest(subtest)
    block = answers["aptitude"].get(subtest) or {
        "seed": data.draw(st.integers(0, 2**63 - 1)),
        "issued": spec.items,
        "responses": {"0": 0, "1": 0, "2": 0},
    }
    answers = {**answers, "aptitude": {**answers["aptitude"], subtest: block}}
    index = int(data.draw(st.sampled_from(sorted(block["responses"]))))
    key = _keys(subtest, block["seed"], index + 1)[index]
    right = copy.deepcopy(answers)
    right["aptitude"][subtest]["responses"][str(index)] = key
    d = APTITUDES.index(spec.dimension)
    before = score_assessment(answers, INSTRUMENT).aptitudes[d]
    after = score_assessment(right, INSTRUMENT).aptitudes[d]
    assert after >= before - 1e-6


@SLOW
@given(answers=stored_answers(INSTRUMENT))
def test_profiles_are_json_safe_and_round_trip(answers: dict[str, Any]) -> None:
    profile = score_assessment(answers, INSTRUMENT)
    d = profile.to_dict()
    text = json.dumps(d, allow_nan=False)
    again = StudentProfile.from_dict(json.loads(text))
    assert again.to_dict() == d
    assert profile.interests.min() >= 0.0 and profile.interests.max() <= 1.0
    assert profile.interests.dtype == np.float32 and profile.aptitudes.shape == (5,)


def test_batch_scoring_matches_one_at_a_time() -> None:
    rng = random.Random(3)
    answers = []
    for n in range(30):
        a = _minimal(rating=1 + n % 5)
        for item in INSTRUMENT.interests.items:
            a["interests"][item.id] = rng.randint(1, 5)
        a["aptitude"] = {
            "spatial": {
                "seed": n,
                "issued": 12,
                "responses": {str(i): rng.randint(0, 3) for i in range(12)},
            }
        }
        a["records"] = {"act_math": 5 + n} if n % 2 else {}
        answers.append(a)
    batch = score_assessments(answers, INSTRUMENT)
    single = [score_assessment(a, INSTRUMENT) for a in answers]
    assert [p.to_dict() for p in batch] == [p.to_dict() for p in single]


# --------------------------------------------------------------------------- scales


def test_extreme_ratings_map_to_the_ends_of_the_common_scale() -> None:
    low = score_assessment(_minimal(rating=1), INSTRUMENT)
    high = score_assessment(_minimal(rating=5), INSTRUMENT)
    mid = score_assessment(_minimal(rating=3), INSTRUMENT)
    assert np.all(low.interests == 0.0) and np.all(high.interests == 1.0)
    assert np.allclose(mid.work_values, 0.5)
    assert np.all(high.interests_se > 0)


def test_fewer_answers_give_a_larger_standard_error() -> None:
    full = _minimal()
    partial = copy.deepcopy(full)
    for item_id in INSTRUMENT.interests.item_ids("A")[
        INSTRUMENT.interests.min_answered_per_scale :
    ]:
        del partial["interests"][item_id]
    a = RIASEC.index("A")
    assert (
        score_assessment(partial, INSTRUMENT).interests_se[a]
        > score_assessment(full, INSTRUMENT).interests_se[a]
    )


def test_partial_progress_scores_once_each_scale_has_its_minimum() -> None:
    answers = {"instrument_version": INSTRUMENT.version, "interests": {}, "values": {}}
    for section, name in ((INSTRUMENT.interests, "interests"), (INSTRUMENT.values, "values")):
        for scale in section.scales:
            for item_id in section.item_ids(scale)[: section.min_answered_per_scale]:
                answers[name][item_id] = 4
    profile = score_assessment(answers, INSTRUMENT)
    assert np.allclose(profile.interests, 0.75)
    assert np.all(np.isnan(profile.aptitudes)) and np.all(np.isnan(profile.aptitudes_se))
    assert all(s == () for s in profile.aptitude_sources.values())
    assert profile.plan == "undecided" and profile.county_fips is None
    assert profile.will_commute is False


def test_all_right_scores_above_all_wrong_on_a_measured_subtest() -> None:
    keys = _keys("mechanical", 99, 12)
    n_opt = compute_item_parameters("mechanical", 99, np.arange(12)).n_options
    right = _minimal()
    right["aptitude"] = {
        "mechanical": {
            "seed": 99,
            "issued": 12,
            "responses": {str(i): k for i, k in enumerate(keys)},
        }
    }
    wrong = copy.deepcopy(right)
    wrong["aptitude"]["mechanical"]["responses"] = {
        str(i): (k + 1) % int(n_opt[i]) for i, k in enumerate(keys)
    }
    d = APTITUDES.index("mechanical")
    hi = score_assessment(right, INSTRUMENT)
    lo = score_assessment(wrong, INSTRUMENT)
    assert hi.aptitudes[d] > 1.0 > 0 > -1.0 > lo.aptitudes[d]
    assert hi.aptitude_sources["mechanical"] == ("measured",)
    assert 0 < hi.aptitudes_se[d] < 1.0


def test_unreached_items_of_a_power_subtest_do_not_count() -> None:
    keys = _keys("spatial", 5, 12)
    base = _minimal()
    base["aptitude"] = {
        "spatial": {"seed": 5, "issued": 12, "responses": {str(i): keys[i] for i in range(4)}}
    }
    d = APTITUDES.index("spatial")
    four_right = score_assessment(base, INSTRUMENT).aptitudes[d]
    skipped = copy.deepcopy(base)
    skipped["aptitude"]["spatial"]["responses"]["11"] = keys[11]
    # answering item 11 makes items 4..10 skipped (wrong) rather than not reached
    assert score_assessment(skipped, INSTRUMENT).aptitudes[d] < four_right


def test_records_are_combined_with_measured_scores_and_listed_as_sources() -> None:
    answers = _minimal()
    answers["records"] = {"act_math": 30, "act_composite": 24, "workkeys_applied_math": 6}
    keys = _keys("quantitative", 8, 12)
    answers["aptitude"] = {
        "quantitative": {"seed": 8, "issued": 12, "responses": {str(i): keys[i] for i in range(12)}}
    }
    p = score_assessment(answers, INSTRUMENT)
    assert p.aptitude_sources["quantitative"] == ("measured", "act_math", "workkeys_applied_math")
    assert p.aptitude_sources["verbal"] == ("act_composite",)
    assert np.isnan(p.aptitudes[APTITUDES.index("perceptual_speed")])
    only_measured = copy.deepcopy(answers)
    only_measured["records"] = {}
    q = APTITUDES.index("quantitative")
    assert p.aptitudes_se[q] < score_assessment(only_measured, INSTRUMENT).aptitudes_se[q]


def test_a_higher_record_never_lowers_its_dimensions() -> None:
    for field in INSTRUMENT.records:
        lo_answers, hi_answers = _minimal(), _minimal()
        lo_answers["records"] = {
            field.id: field.minimum if not field.integer else int(field.minimum)
        }
        hi_answers["records"] = {
            field.id: field.maximum if not field.integer else int(field.maximum)
        }
        lo = score_assessment(lo_answers, INSTRUMENT)
        hi = score_assessment(hi_answers, INSTRUMENT)
        for dim in field.loadings:
            d = APTITUDES.index(dim)
            assert hi.aptitudes[d] > lo.aptitudes[d], (field.id, dim)


def test_weighted_gpa_is_ignored_when_the_unweighted_one_is_given() -> None:
    answers = _minimal()
    answers["records"] = {"gpa_unweighted": 3.5, "gpa_weighted": 4.6}
    p = score_assessment(answers, INSTRUMENT)
    assert p.aptitude_sources["verbal"] == ("gpa_unweighted",)


def test_county_maps_to_region_through_the_given_table() -> None:
    answers = {**_minimal(), "county_fips": "28047", "will_relocate": True, "plan": "military"}
    p = score_assessment(answers, INSTRUMENT, county_region={"28047": "gulfport"})
    assert (p.county_fips, p.region_code, p.will_relocate, p.plan) == (
        "28047",
        "gulfport",
        True,
        "military",
    )
    assert score_assessment(answers, INSTRUMENT).region_code is None
    with pytest.raises(UnknownCodeError, match="28047"):
        score_assessment(answers, INSTRUMENT, county_region={"28001": "x"})


def test_issued_counts_from_the_server_override_the_stored_ones() -> None:
    answers = _minimal()
    answers["aptitude"] = {"spatial": {"seed": 1, "responses": {"0": 1, "1": 1, "5": 0}}}
    with pytest.raises(UnissuedItemError, match="issued"):
        score_assessment(answers, INSTRUMENT)
    assert score_assessment(answers, INSTRUMENT, issued={"spatial": 12}).aptitude_sources[
        "spatial"
    ] == ("measured",)
    with pytest.raises(UnissuedItemError, match=r"aptitude.spatial\[5\]"):
        score_assessment(answers, INSTRUMENT, issued={"spatial": 4})


# --------------------------------------------------------------------------- errors


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the minimal answers: one top-level entry replaced."""
    return lambda answers: answers.update({key: value})


def _spatial(responses: dict[str, int]) -> Callable[[dict[str, Any]], None]:
    """A change to the minimal answers: a spatial subtest of 12 issued items (seed 4)."""
    return _set("aptitude", {"spatial": {"seed": 4, "issued": 12, "responses": responses}})


@pytest.mark.parametrize(
    ("change", "error", "where"),
    [
        (lambda a: a["interests"].update({"X99": 3}), UnknownItemError, "interests.X99"),
        (lambda a: a["values"].update({"V01": 6}), OutOfRangeAnswerError, "values.V01"),
        (lambda a: a["interests"].update({"R01": True}), OutOfRangeAnswerError, "interests.R01"),
        (lambda a: a["interests"].update({"R01": 2.5}), OutOfRangeAnswerError, "interests.R01"),
        (
            lambda a: [a["interests"].pop(i) for i in ("S01", "S02", "S03", "S04")],
            TooFewAnswersError,
            "interests.S",
        ),
        (
            lambda a: a["values"].update({"V16": None, "V17": None}),
            TooFewAnswersError,
            "values.independence",
        ),
        *(
            (_set("records", {record: value}), OutOfRangeAnswerError, f"records.{record}")
            for record, value in (
                ("act_math", 40),
                ("act_math", 20.5),
                ("workkeys_applied_math", 2),
                ("gpa_unweighted", 4.3),
            )
        ),
        (_set("records", {"sat_math": 600}), UnknownItemError, "records.sat_math"),
        (_set("aptitude", {"verbal": {}}), UnknownItemError, "aptitude.verbal"),
        (
            _set("aptitude", {"spatial": {"issued": 12, "responses": {"0": 1}}}),
            UnissuedItemError,
            "aptitude.spatial",
        ),
        (_spatial({"0": 1, "1": 1, "12": 0}), UnissuedItemError, "aptitude.spatial[12]"),
        (_spatial({"0": 1, "1": 1, "x": 0}), UnissuedItemError, "aptitude.spatial"),
        (_spatial({"0": 1, "1": 1, "2": 4}), OutOfRangeAnswerError, "aptitude.spatial[2]"),
        (_spatial({"0": 1}), TooFewAnswersError, "aptitude.spatial"),
        (_set("plan", "gap_year"), OutOfRangeAnswerError, "plan"),
        (_set("county_fips", "01001"), UnknownItemError, "county_fips"),
        (_set("will_commute", "yes"), OutOfRangeAnswerError, "will_commute"),
        (_set("gender", "x"), UnknownItemError, "answers.gender"),
        (_set("instrument_version", "1999.1"), AnswerError, "instrument_version"),
    ],
)
def test_bad_answers_raise_typed_errors_naming_the_place(
    change: Any, error: type[Exception], where: str
) -> None:
    answers = _minimal()
    change(answers)
    with pytest.raises(error) as exc:
        score_assessment(answers, INSTRUMENT)
    assert isinstance(exc.value, AnswerError | UnknownCodeError)
    assert str(exc.value).startswith(where)


def test_errors_carry_the_rule_broken() -> None:
    answers = _minimal()
    del (
        answers["interests"]["C01"],
        answers["interests"]["C02"],
        answers["interests"]["C03"],
        answers["interests"]["C04"],
    )
    with pytest.raises(TooFewAnswersError) as exc:
        score_assessment(answers, INSTRUMENT)
    assert exc.value.where == "interests.C"
    assert exc.value.rule == "too few answers"
    assert (exc.value.answered, exc.value.minimum) == (5, 6)


def test_profile_rejects_wrong_shapes_and_plans() -> None:
    d = score_assessment(_minimal(), INSTRUMENT).to_dict()
    with pytest.raises(ValueError, match="interests"):
        StudentProfile.from_dict({**d, "interests": [0.5] * 5})
    with pytest.raises(ValueError, match="plan"):
        StudentProfile.from_dict({**d, "plan": "travel"})
    profile = StudentProfile.from_dict(d)
    with pytest.raises(ValueError):
        profile.interests[0] = 1.0


_ITEM_IDS = {i.id for i in (*INSTRUMENT.interests.items, *INSTRUMENT.values.items)}


@SLOW
@given(
    answers=stored_answers(INSTRUMENT),
    section=st.sampled_from(["interests", "values"]),
    bogus=st.text(min_size=1, max_size=8).filter(lambda s: s not in _ITEM_IDS),
)
def test_any_unknown_item_is_refused_by_name(
    answers: dict[str, Any], section: str, bogus: str
) -> None:
    answers[section][bogus] = 3
    with pytest.raises(UnknownItemError) as exc:
        score_assessment(answers, INSTRUMENT)
    assert exc.value.where == f"{section}.{bogus}"
