"""Generated aptitude items: keys verify, distractors are wrong, ids and pages carry no key."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.aptitude_items import (
    SUBTESTS,
    IssuedItem,
    compute_item_parameters,
    issue_items,
    item_difficulties,
    mirror_cells,
    rotate_cells,
    verify_answer,
)
from recommender.errors import InstrumentError, UnknownItemError
from tests.strategies import item_indexes, seeds, subtests


@settings(max_examples=200, deadline=None)
@given(subtest=subtests, seed=seeds, index=item_indexes)
def test_key_verifies_and_every_other_option_is_rejected(
    subtest: str, seed: int, index: int
) -> None:
    item = issue_items(subtest, seed, index + 1)[index]
    params = compute_item_parameters(subtest, seed, index)
    key = int(params.key[0])
    assert len(item.options) == int(params.n_options[0])
    assert verify_answer(subtest, seed, index, key)
    for option in range(len(item.options)):
        if option != key:
            assert not verify_answer(subtest, seed, index, option)


@settings(max_examples=60, deadline=None)
@given(subtest=subtests, seed=seeds, index=item_indexes)
def test_answers_that_are_not_option_positions_raise(subtest: str, seed: int, index: int) -> None:
    n_options = int(compute_item_parameters(subtest, seed, index).n_options[0])
    for bad in (-1, n_options, True):
        with pytest.raises(ValueError, match="option position"):
            verify_answer(subtest, seed, index, bad)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(subtest=subtests, seed=seeds, n=st.integers(1, 15))
def test_options_within_an_item_are_distinct(subtest: str, seed: int, n: int) -> None:
    for item in issue_items(subtest, seed, n):
        rendered = [json.dumps(o) for o in item.options]
        assert len(set(rendered)) == len(rendered), item


def _number(option: str) -> int:
    return int(re.sub(r"[^0-9]", "", option))


def _keyed_item(subtest: str, seed: int, index: int) -> tuple[IssuedItem, int]:
    """Item ``index`` of a form issued under ``seed``, and the position of its key."""
    item = issue_items(subtest, seed, index + 1)[index]
    return item, int(compute_item_parameters(subtest, seed, index).key[0])


@settings(max_examples=150, deadline=None)
@given(seed=seeds, index=item_indexes)
def test_quantitative_key_is_the_computed_answer(seed: int, index: int) -> None:
    item, key = _keyed_item("quantitative", seed, index)
    text = item.prompt["text"]
    nums = [int(v) for v in re.findall(r"\d+", text)]
    expected: int
    if text.startswith("A jacket"):
        price, pct = nums
        expected = price * (100 - pct) // 100
    elif text.startswith("A truck"):
        speed, hours = nums
        expected = speed * hours + (speed // 2 if "half" in text else 0)
    elif text.startswith("A recipe"):
        amount, pans, asked = nums
        expected = amount * asked // pans
    elif text.startswith("What number"):
        a, b, c, d = nums
        if b - a == c - b == d - c:
            expected = d + (d - c)
        elif b == 2 * a and c == 2 * b and d == 2 * c:
            expected = 2 * d
        else:
            expected = d + (d - c) + (b - a)
    else:
        boxes, per_box, sold = nums
        expected = boxes * per_box - sold
    assert _number(item.options[key]) == expected


@settings(max_examples=150, deadline=None)
@given(seed=seeds, index=item_indexes)
def test_mechanical_key_follows_the_physics_in_the_prompt(seed: int, index: int) -> None:
    item, key = _keyed_item("mechanical", seed, index)
    figure = item.prompt["figure"]
    if figure["type"] == "gear_chain":
        same_as_first = len(figure["teeth"]) % 2 == 1
        first_cw = figure["first"] == "clockwise"
        assert item.options[key] == (
            "Clockwise" if same_as_first == first_cw else "Counterclockwise"
        )
        return
    if figure["type"] == "gear_pair":
        a, b = figure["teeth"]
        turns_a = int(re.search(r"turns (\d+) times?", item.prompt["text"]).group(1))  # type: ignore[union-attr]
        expected = turns_a * a / b
    elif figure["type"] == "lever":
        expected = figure["load"] * figure["load_arm"] / figure["effort_arm"]
    else:
        expected = figure["load"] / figure["ropes"]
    assert _number(item.options[key]) == expected


@settings(max_examples=150, deadline=None)
@given(seed=seeds, index=item_indexes)
def test_spatial_key_is_the_only_turned_copy(seed: int, index: int) -> None:
    item, key = _keyed_item("spatial", seed, index)
    shape = [tuple(c) for c in item.prompt["shape"]]
    turned = {rotate_cells(shape, a) for a in (0, 90, 180, 270)}
    flipped = {rotate_cells(mirror_cells(shape), a) for a in (0, 90, 180, 270)}
    assert not turned & flipped, "the shape must not look the same when flipped"
    for position, option in enumerate(item.options):
        cells = tuple(tuple(c) for c in option)
        assert (cells in turned) == (position == key)
        assert (cells in flipped) == (position != key)


@settings(max_examples=150, deadline=None)
@given(seed=seeds, index=item_indexes)
def test_perceptual_key_says_whether_the_codes_match(seed: int, index: int) -> None:
    item, key = _keyed_item("perceptual_speed", seed, index)
    assert (item.prompt["left"] == item.prompt["right"]) == (key == 0)
    assert len(item.prompt["left"]) == len(item.prompt["right"])


@pytest.mark.parametrize("subtest", SUBTESTS)
def test_issued_items_are_reproducible_and_fresh_per_seed(subtest: str) -> None:
    first = issue_items(subtest, 11, 12)
    assert first == issue_items(subtest, 11, 12)
    other = issue_items(subtest, 12, 12)
    assert [i.to_dict() for i in first] != [i.to_dict() for i in other]


@pytest.mark.parametrize("subtest", SUBTESTS)
def test_page_data_carries_no_key_and_ids_do_not_depend_on_the_seed(subtest: str) -> None:
    a = issue_items(subtest, 1, 10)
    b = issue_items(subtest, 2, 10)
    assert [i.id for i in a] == [i.id for i in b]
    for item in a:
        page = json.dumps(item.to_dict())
        assert "key" not in item.to_dict() and '"seed"' not in page


@pytest.mark.parametrize("subtest", SUBTESTS)
def test_spanish_items_share_keys_and_structure_with_english(subtest: str) -> None:
    en = issue_items(subtest, 5, 10, "en")
    es = issue_items(subtest, 5, 10, "es")
    for a, b in zip(en, es, strict=True):
        assert a.id == b.id and len(a.options) == len(b.options)
        assert a.prompt.get("figure") == b.prompt.get("figure")
        assert a.prompt.get("shape") == b.prompt.get("shape")
    assert en[0].prompt["text"] != es[0].prompt["text"]


@pytest.mark.parametrize("subtest", SUBTESTS)
def test_difficulty_model_gives_a_spread_of_sensible_values(subtest: str) -> None:
    b = compute_item_parameters(subtest, np.arange(4000), np.arange(4000) % 40).difficulty
    assert np.all(b > -2.0) and np.all(b < 2.0)
    assert b.std() > 0.2
    assert np.array_equal(
        item_difficulties(subtest, 77, 6),
        compute_item_parameters(subtest, 77, np.arange(6)).difficulty,
    )


def test_spatial_difficulty_rises_with_cells_and_half_turns() -> None:
    from recommender import aptitude_items as ai

    w = ai._words("spatial", np.arange(5000, dtype=np.uint64), np.zeros(5000, dtype=np.uint64))
    p = ai._spatial_parameters(w)
    b = p["difficulty"]
    assert b[p["cells"] == 6].mean() > b[p["cells"] == 4].mean()
    assert b[p["angle"] == 180].mean() > b[p["angle"] == 90].mean()


def test_vectorised_keys_agree_with_single_item_checks() -> None:
    seeds_ = np.array([3, 3, 900, 2**62 + 5], dtype=np.uint64)
    idx = np.array([0, 7, 2, 39])
    for subtest in SUBTESTS:
        params = compute_item_parameters(subtest, seeds_, idx)
        for s, i, k in zip(seeds_.tolist(), idx.tolist(), params.key.tolist(), strict=True):
            assert verify_answer(subtest, int(s), int(i), int(k))


def test_bad_arguments_are_named() -> None:
    with pytest.raises(UnknownItemError, match=r"aptitude\.verbal"):
        issue_items("verbal", 1, 3)
    with pytest.raises(InstrumentError, match="fr"):
        issue_items("spatial", 1, 3, "fr")
    with pytest.raises(ValueError, match="seed"):
        issue_items("spatial", -1, 3)
    with pytest.raises(ValueError, match="seed"):
        verify_answer("spatial", 2**63, 0, 0)


@pytest.mark.parametrize("language", ["en", "es"])
def test_aptitude_wording_passes_the_content_lints(language: str) -> None:
    from recommender.aptitude_items import _TEXT
    from training.content_lint import find_gendered_terms, find_ppra_terms

    for key, text in _TEXT[language].items():
        assert find_ppra_terms(text, language) == (), key
        assert find_gendered_terms(text, language) == (), key


def test_fallback_shapes_have_no_mirror_or_turning_symmetry() -> None:
    from recommender.aptitude_items import _FALLBACK_SHAPES

    for n, shape in _FALLBACK_SHAPES.items():
        assert len(shape) == n
        turned = {rotate_cells(shape, a) for a in (0, 90, 180, 270)}
        flipped = {rotate_cells(mirror_cells(shape), a) for a in (0, 90, 180, 270)}
        assert len(turned) == 4 and not turned & flipped, n
