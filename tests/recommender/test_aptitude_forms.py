"""Whole generated forms: no item twice, words agree with their numbers, drawings match the text.

These run over thousands of seeded forms (a form is every item one student gets of a subtest),
in both languages, and check what a student reads against what the key and the physics say.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.aptitude_items import (
    CODE_ALPHABET,
    SUBTESTS,
    _signature,
    compute_item_parameters,
    issue_items,
    pulley_drawing,
    worked_example,
)
from recommender.instrument import load_instrument

_FORM_SIZE = {s.id: s.items for s in load_instrument().subtests}
#: Forms per subtest in the loops below (each language), spread over the seed range.
_FORMS = {"quantitative": 1000, "spatial": 250, "mechanical": 1000, "perceptual_speed": 400}


def _seeds(n: int) -> list[int]:
    return [(k * 0x9E3779B97F4A7C15 + 12345) % 2**63 for k in range(n)]


def _forms(subtest: str, language: str) -> list[tuple[int, list[dict[str, object]]]]:
    return [
        (seed, [i.to_dict() for i in issue_items(subtest, seed, _FORM_SIZE[subtest], language)])
        for seed in _seeds(_FORMS[subtest])
    ]


@pytest.fixture(scope="module", params=["en", "es"])
def forms(request: pytest.FixtureRequest) -> dict[str, list[tuple[int, list[dict[str, object]]]]]:
    return {subtest: _forms(subtest, request.param) for subtest in SUBTESTS}


def _shown(item: dict[str, object]) -> list[str]:
    """Every piece of text a student reads on an item (prompt, drawing label, options)."""
    prompt = item["prompt"]
    assert isinstance(prompt, dict)
    words = [str(prompt.get("text", "")), str(prompt.get("figure_label", ""))]
    return words + [o for o in item["options"] if isinstance(o, str)]  # type: ignore[attr-defined]


def test_no_item_appears_twice_on_a_form(forms: dict[str, list]) -> None:  # type: ignore[type-arg]
    for subtest, rows in forms.items():
        for seed, items in rows:
            seen = Counter(_signature(i["prompt"], i["options"]) for i in items)
            repeated = [s for s, n in seen.items() if n > 1]
            assert not repeated, (subtest, seed, repeated[:1])


def test_redrawn_items_keep_their_key_position_and_difficulty() -> None:
    """Dedup redraws only surface numbers: the key the scorer recomputes still marks the answer."""
    from recommender import aptitude_items as ai

    redrawn = 0
    for seed in _seeds(800):
        items = issue_items("mechanical", seed, 16)
        _, raw = ai._parameters(
            "mechanical", np.full(16, seed, dtype=np.uint64), np.arange(16, dtype=np.uint64)
        )
        keys = compute_item_parameters("mechanical", seed, list(range(16))).key
        for j, (item, key) in enumerate(zip(items, keys.tolist(), strict=True)):
            figure = item.prompt["figure"]
            if figure["type"] == "pulley":
                expected = figure["load"] // figure["ropes"]
                assert figure["ropes"] == int(raw["ropes"][j])  # the difficulty's input
                redrawn += figure["load"] != int(raw["pulley_load"][j])
            elif figure["type"] == "lever":
                expected = figure["load"] * figure["load_arm"] // figure["effort_arm"]
                assert (figure["load_arm"], figure["effort_arm"]) == (
                    int(raw["load_arm"][j]),
                    int(raw["effort_arm"][j]),
                )
                redrawn += figure["load"] != int(raw["load"][j])
            else:
                continue
            assert int(re.sub(r"\D", "", item.options[key])) == expected
    assert redrawn > 0, "no item was redrawn, so this test checked nothing"


@pytest.mark.parametrize("subtest", SUBTESTS)
def test_a_longer_form_starts_with_the_same_items(subtest: str) -> None:
    for seed in _seeds(50):
        full = issue_items(subtest, seed, _FORM_SIZE[subtest])
        assert issue_items(subtest, seed, 7) == full[:7]


def test_repeats_would_happen_without_the_check() -> None:
    """The no-repeat test can fail: raw draws do repeat pulley items on some forms."""
    from recommender import aptitude_items as ai

    repeats = 0
    for seed in _seeds(400):
        _, p = ai._parameters(
            "mechanical", np.full(16, seed, dtype=np.uint64), np.arange(16, dtype=np.uint64)
        )
        raw = Counter(
            (int(p["ropes"][j]), int(p["pulley_load"][j])) for j in range(16) if p["kind"][j] == 3
        )
        repeats += any(n > 1 for n in raw.values())
    assert repeats > 0


_EN_SINGULAR_WRONG = re.compile(
    r"(?<![\d.])1 (feet|ropes|turns|times|pounds|cups|cans|miles|hours|parts)\b"
)
_EN_PLURAL_WRONG = re.compile(
    r"\b(?:[02-9]|\d{2,}) (foot|rope|turn|time|pound|cup|can|mile|part)\b"
)
_ES_SINGULAR_WRONG = re.compile(
    r"(?<![\d.])1 (pies|cuerdas|vueltas|libras|tazas|latas|millas|horas|tramos)\b"
)
_ES_PLURAL_WRONG = re.compile(
    r"\b(?:[02-9]|\d{2,}) (pie|cuerda|vuelta|libra|taza|lata|milla|tramo)\b"
)


def test_counted_words_agree_with_their_number(forms: dict[str, list]) -> None:  # type: ignore[type-arg]
    singular = Counter[str]()
    for rows in forms.values():
        for _, items in rows:
            for item in items:
                for text in _shown(item):
                    for wrong in (_EN_SINGULAR_WRONG, _EN_PLURAL_WRONG):
                        assert not wrong.search(text), text
                    for wrong in (_ES_SINGULAR_WRONG, _ES_PLURAL_WRONG):
                        assert not wrong.search(text), text
                    for m in re.finditer(r"(?<![\d.])1 (\w+)", text):
                        singular[m.group(1)] += 1
    # the forms do contain counts of one, in each unit that can be one, so the check bites
    assert {"can", "lata"} & set(singular)
    assert {"foot", "pie"} & set(singular)
    assert {"turn", "vuelta"} & set(singular)
    assert {"part", "tramo"} & set(singular)


def test_codes_use_only_characters_that_cannot_be_mistaken(
    forms: dict[str, list],  # type: ignore[type-arg]
) -> None:
    look_alikes = ("O0", "Il1", "S5", "B8", "Z2", "G6")
    for group in look_alikes:
        assert sum(c in CODE_ALPHABET for c in group) <= 1, group
    for _, items in forms["perceptual_speed"]:
        for item in items:
            prompt = item["prompt"]
            assert isinstance(prompt, dict)
            for code in (prompt["left"], prompt["right"]):
                assert set(code) <= set(CODE_ALPHABET), code


def test_pulley_text_and_drawing_state_the_same_number_of_rope_parts(
    forms: dict[str, list],  # type: ignore[type-arg]
) -> None:
    found = 0
    for _, items in forms["mechanical"]:
        for item in items:
            prompt = item["prompt"]
            assert isinstance(prompt, dict)
            figure = prompt["figure"]
            if figure["type"] != "pulley":
                continue
            found += 1
            ropes = figure["ropes"]
            assert figure == {**figure, **pulley_drawing(ropes)}
            numbers = [int(v) for v in re.findall(r"\d+", prompt["text"])]
            assert numbers[:2] == [figure["load"], ropes]
    assert found > 1000


def _touches(x: float, y: float, wheel: dict[str, float]) -> bool:
    return abs(y - wheel["y"]) < 1e-9 and abs(abs(x - wheel["x"]) - wheel["r"]) < 1e-9


@settings(max_examples=30, deadline=None)
@given(ropes=st.integers(1, 6))
def test_pulley_drawing_is_one_rope_over_wheels_with_the_pull_arrow_on_its_end(
    ropes: int,
) -> None:
    d = pulley_drawing(ropes)
    segments, wheels = d["segments"], d["wheels"]
    load_x, load_y, load_w, _ = d["load_box"]
    ceiling_y = d["ceiling"][2]
    assert len(wheels) == ropes and len(segments) == ropes + 1
    assert sum(w["fixed"] for w in wheels) >= 1
    # every wheel has the rope on both of its sides
    for w in wheels:
        ends = [
            (x, y)
            for x1, y1, _, y2 in segments
            for x, y in ((x1, y1), (x1, y2))
            if _touches(x, y, w)
        ]
        assert len(ends) == 2, w
    # the parts that hold the load: their lower end is on a moving wheel or on the load
    holding = 0
    for x, top, _, bottom in segments[:-1]:
        on_moving = any(_touches(x, bottom, w) for w in wheels if not w["fixed"])
        on_load = bottom == load_y and load_x <= x <= load_x + load_w
        assert on_moving or on_load
        assert top == ceiling_y or any(_touches(x, top, w) for w in wheels if w["fixed"])
        holding += 1
    assert holding == ropes
    # moving wheels hang on the load, fixed ones on the ceiling
    for (x1, y1, x2, y2), w in zip(d["straps"], wheels, strict=True):
        assert x1 == x2 == w["x"]
        assert (y1, y2) == ((ceiling_y, w["y"]) if w["fixed"] else (w["y"], load_y))
    # the free end comes down from a fixed wheel, outside the load, and the arrow starts at it
    x, top, _, bottom = segments[-1]
    assert any(_touches(x, top, w) for w in wheels if w["fixed"])
    assert x > load_x + load_w
    arrow = d["arrow"]
    assert (arrow["x"], arrow["y"]) == (x, bottom) and arrow["tip"] > bottom
    assert d["width"] > x and d["height"] > load_y


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("subtest", SUBTESTS)
def test_worked_example_key_is_right_and_the_explanation_names_it(
    subtest: str, language: str
) -> None:
    ex = worked_example(subtest, language)
    key = ex["key"]
    assert str(key + 1) in ex["explain"].split(".")[0]
    prompt, options = ex["prompt"], ex["options"]
    if subtest == "quantitative":
        price, pct = (int(v) for v in re.findall(r"\d+", prompt["text"]))
        assert int(re.sub(r"\D", "", options[key])) == price * (100 - pct) // 100
    elif subtest == "mechanical":
        figure = prompt["figure"]
        assert int(re.sub(r"\D", "", options[key])) == figure["load"] // figure["ropes"]
    elif subtest == "perceptual_speed":
        assert (prompt["left"] == prompt["right"]) == (key == 0)
        assert set(prompt["left"] + prompt["right"]) <= set(CODE_ALPHABET)
    else:
        from recommender.aptitude_items import mirror_cells, rotate_cells

        shape = [tuple(c) for c in prompt["shape"]]
        turned = {rotate_cells(shape, a) for a in (90, 180, 270)}
        assert tuple(tuple(c) for c in options[key]) in turned
        flips = {rotate_cells(mirror_cells(shape), a) for a in (0, 90, 180, 270)}
        assert all(tuple(tuple(c) for c in o) in flips for k, o in enumerate(options) if k != key)
