"""The item bank in data/instrument: counts, balance, languages, readability, PPRA, wording."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from recommender.assessment import INSTRUMENT_DIR, load_instrument
from recommender.dimensions import PLANS, RIASEC, WORK_VALUES
from recommender.errors import InstrumentError
from recommender.instrument import LANGUAGES, current_version, list_versions
from training.content_lint import PPRA_TOPICS, find_gendered_terms, find_ppra_terms
from training.readability import (
    count_syllables_en,
    count_syllables_es,
    fernandez_huerta,
    flesch_kincaid_grade,
)

#: Per-item limits: no item above US grade 8 (English) or below "fairly difficult" (Spanish).
MAX_ITEM_GRADE_EN = 8.0
MIN_ITEM_EASE_ES = 50.0
#: Whole-bank limits: grade 6 or below, "fairly easy" or easier.
MAX_BANK_GRADE_EN = 6.0
MIN_BANK_EASE_ES = 65.0

SHARED_RAW = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw"


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _all_item_texts(language: str) -> dict[str, str]:
    inst = load_instrument(language=language)
    return {i.id: i.text for i in (*inst.interests.items, *inst.values.items)}


def test_interest_items_are_48_to_60_and_balanced_across_riasec(language: str) -> None:
    inst = load_instrument(language=language)
    counts = Counter(i.scale for i in inst.interests.items)
    assert 48 <= len(inst.interests.items) <= 60
    assert set(counts) == set(RIASEC) and len(set(counts.values())) == 1


def test_every_work_value_has_items(language: str) -> None:
    inst = load_instrument(language=language)
    counts = Counter(i.scale for i in inst.values.items)
    assert set(counts) == set(WORK_VALUES)
    assert min(counts.values()) >= inst.values.min_answered_per_scale + 1


def test_both_languages_have_the_same_items_and_different_text() -> None:
    en = load_instrument(language="en")
    es = load_instrument(language="es")
    assert [(i.id, i.scale) for i in en.interests.items] == [
        (i.id, i.scale) for i in es.interests.items
    ]
    assert [(i.id, i.scale) for i in en.values.items] == [(i.id, i.scale) for i in es.values.items]
    same = [
        i.id
        for i, j in zip(en.interests.items, es.interests.items, strict=True)
        if i.text == j.text
    ]
    assert not same
    assert set(en.plans) == set(es.plans) == set(PLANS)


def test_every_item_carries_an_empty_ppra_tag_list(language: str) -> None:
    inst = load_instrument(language=language)
    for item in (*inst.interests.items, *inst.values.items):
        assert item.ppra == (), item.id


def test_no_item_touches_a_ppra_topic(language: str) -> None:
    hits = {k: find_ppra_terms(t, language) for k, t in _all_item_texts(language).items()}
    assert {k: v for k, v in hits.items() if v} == {}


def test_no_item_uses_gendered_words_or_job_titles(language: str) -> None:
    hits = {k: find_gendered_terms(t, language) for k, t in _all_item_texts(language).items()}
    assert {k: v for k, v in hits.items() if v} == {}


def test_other_student_facing_text_passes_the_lints(language: str) -> None:
    inst = load_instrument(language=language)
    texts = [
        inst.title,
        inst.interests.prompt,
        inst.values.prompt,
        *inst.interests.labels,
        *inst.values.labels,
    ]
    texts += list(inst.plans.values()) + list(inst.section_titles.values())
    texts += [str(inst.text[k]) for k in ("county_prompt", "commute_prompt", "relocate_prompt")]
    for t in texts:
        assert find_ppra_terms(t, language) == (), t
        assert find_gendered_terms(t, language) == (), t


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("Tell us how much money your parents make", "en", "critical_appraisal_of_family"),
        ("Say which political party you like", "en", "political_affiliation"),
        ("Go to church on Sundays", "en", "religious_practices_or_beliefs"),
        ("Times you felt depressed", "en", "mental_or_psychological_problems"),
        ("Have you ever tried drugs", "en", "illegal_antisocial_or_self_incriminating_behavior"),
        ("What is your household income", "en", "income"),
        ("Talk with your lawyer", "en", "privileged_relationships"),
        ("Ir a la iglesia los domingos", "es", "religious_practices_or_beliefs"),
        ("¿Cuál es el ingreso de tu familia?", "es", "income"),
        ("Votar en las elecciones", "es", "political_affiliation"),
    ],
)
def test_ppra_lint_catches_protected_topics(text: str, language: str, topic: str) -> None:
    assert topic in {t for t, _ in find_ppra_terms(text, language)}
    assert topic in PPRA_TOPICS


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Help the fireman put out a fire", "en"),
        ("Work as a waitress at a diner", "en"),
        ("She fixes cars", "en"),
        ("Trabajar de enfermera en un hospital", "es"),
        ("Él arregla carros", "es"),
        ("Ayudar a un compañero", "es"),
    ],
)
def test_gender_lint_catches_gendered_wording(text: str, language: str) -> None:
    assert find_gendered_terms(text, language)


def test_each_riasec_area_spans_several_settings() -> None:
    inst = load_instrument()
    for scale in RIASEC:
        settings = {i.setting for i in inst.interests.items if i.scale == scale}
        assert len(settings) >= 4, (scale, settings)


def test_every_item_reads_at_or_below_the_limit(language: str) -> None:
    for item_id, text in _all_item_texts(language).items():
        if language == "en":
            assert flesch_kincaid_grade(text) <= MAX_ITEM_GRADE_EN, (item_id, text)
        else:
            assert fernandez_huerta(text) >= MIN_ITEM_EASE_ES, (item_id, text)


def test_the_whole_bank_reads_easily(language: str) -> None:
    bank = " ".join(t.rstrip(".") + "." for t in _all_item_texts(language).values())
    if language == "en":
        assert flesch_kincaid_grade(bank) <= MAX_BANK_GRADE_EN
    else:
        assert fernandez_huerta(bank) >= MIN_BANK_EASE_ES


def test_readability_formulas_on_worked_examples() -> None:
    # 6 words, 6 syllables, 1 sentence: 0.39*6 + 11.8*1 - 15.59
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(-1.45)
    # mi ca-sa es bo-ni-ta siem-pre: 5 words, 9 syllables, 1 sentence
    assert fernandez_huerta("Mi casa es bonita siempre.") == pytest.approx(
        206.84 - 0.6 * 180 - 1.02 * 5
    )
    assert (
        flesch_kincaid_grade(
            "A long sentence with several complicated, multisyllabic vocabulary words."
        )
        > 10
    )


@pytest.mark.parametrize(
    ("word", "n"),
    [
        ("agua", 2),
        ("poeta", 3),
        ("país", 2),
        ("ciudad", 2),
        ("guitarra", 3),
        ("queso", 2),
        ("computadora", 5),
        ("murciélago", 4),
        ("día", 2),
        ("tractor", 2),
    ],
)
def test_spanish_syllables(word: str, n: int) -> None:
    assert count_syllables_es(word) == n


@pytest.mark.parametrize(
    ("word", "n"),
    [
        ("table", 2),
        ("computer", 3),
        ("tractor", 2),
        ("the", 1),
        ("engine", 2),
        ("planted", 2),
        ("helped", 1),
        ("boxes", 2),
        ("make", 1),
        ("cattle", 2),
    ],
)
def test_english_syllables(word: str, n: int) -> None:
    assert count_syllables_en(word) == n


def test_the_assessment_fits_a_45_minute_class_period() -> None:
    inst = load_instrument()
    assert inst.total_minutes <= 45
    working = sum(s.time_limit_s for s in inst.subtests) / 60
    assert inst.section_minutes["aptitude"] >= working
    interests_min = len(inst.interests.items) * 8 / 60  # about 8 seconds per rating
    assert inst.section_minutes["interests"] >= interests_min


def test_versions_and_languages_load_and_unknown_ones_are_refused() -> None:
    assert current_version() in list_versions()
    assert load_instrument(current_version(), "es").version == current_version()
    with pytest.raises(InstrumentError, match="1999"):
        load_instrument("1999.1")
    with pytest.raises(InstrumentError, match="fr"):
        load_instrument(language="fr")


def test_a_malformed_instrument_file_names_the_file(tmp_path: Path) -> None:
    root = tmp_path / "instrument"
    shutil.copytree(INSTRUMENT_DIR, root)
    version = current_version(root)
    path = root / version / "instrument.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["interests"]["items"][0]["scale"] = "Q"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"instrument\.json"):
        load_instrument(version, root=root)


def test_the_82_counties_are_listed_with_5_digit_fips() -> None:
    inst = load_instrument()
    assert len(inst.counties) == 82
    assert all(len(f) == 5 and f.startswith("28") for f in inst.counties)
    assert inst.counties["28049"] == "Hinds County"


@pytest.mark.shared
@pytest.mark.shared
def test_counties_match_the_public_county_table() -> None:
    path = SHARED_RAW / "ms_oews_area_counties" / "ms_county_oews_area_may2025.csv"
    with path.open(encoding="utf-8", newline="") as f:
        source = {r["county_fips"]: r["county_name"] for r in csv.DictReader(f)}
    assert dict(load_instrument().counties) == source


DOCS = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"


def test_the_documentation_states_the_instrument_minutes_and_subtests() -> None:
    text = DOCS.read_text(encoding="utf-8")
    inst = load_instrument()
    for section, minutes in inst.section_minutes.items():
        assert re.search(rf"^\| {section} \|.*\| {minutes} \|$", text, re.M), section
    assert f"**{inst.total_minutes}**" in text
    for s in inst.subtests:
        row = rf"^\| `{s.id}` \| {s.items} \| {s.time_limit_s // 60} min \|"
        assert re.search(row, text, re.M), s.id
    for field in inst.records:
        assert f"`{field.id}`" in text, field.id
