"""Lay-title search over the whole catalogue (recommender/search.py)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recommender.catalogue import Catalogue, get_catalogue
from recommender.search import (
    SearchIndex,
    build_search_index,
    normalise_text,
    search_catalogue,
    stem_word,
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return get_catalogue()


@pytest.fixture(scope="module")
def index(catalogue: Catalogue) -> SearchIndex:
    return build_search_index(catalogue)


def _codes(index: SearchIndex, query: str, **kw: object) -> list[str]:
    return [h.code for h in search_catalogue(index, query, limit=None, **kw)]  # type: ignore[arg-type]


def test_every_occupation_is_found_by_its_own_title_in_both_languages(
    catalogue: Catalogue, index: SearchIndex
) -> None:
    missing = []
    for code, title, title_es in zip(
        catalogue.codes, catalogue.titles, catalogue.titles_es, strict=True
    ):
        for query in (title, title_es, title.upper(), normalise_text(title_es)):
            hits = search_catalogue(index, query, kinds=("occupation",), limit=None)
            if code not in [h.code for h in hits]:
                missing.append((code, query))
            elif query == title:
                # an exact title is a title match, not only another name
                hit = next(h for h in hits if h.code == code)
                assert hit.tier <= 1 and hit.via in ("title", "title_es"), (code, hit)
    assert missing == []


def test_every_pathway_is_found_by_its_own_title_in_both_languages(
    catalogue: Catalogue, index: SearchIndex
) -> None:
    for p in catalogue.pathways:
        for query in (p.title, p.title_es):
            assert p.code in _codes(index, query, kinds=("pathway",)), (p.code, query)


def test_a_whole_title_comes_before_partial_matches(
    catalogue: Catalogue, index: SearchIndex
) -> None:
    for code, title in zip(catalogue.codes[::7], catalogue.titles[::7], strict=True):
        hits = search_catalogue(index, title, limit=None)
        tiers = [h.tier for h in hits]
        assert tiers == sorted(tiers), title
        mine = next(h for h in hits if h.code == code)
        assert mine.tier == 0 or hits[0].tier == 0, title


def test_ranking_is_by_tier_then_employment(catalogue: Catalogue, index: SearchIndex) -> None:
    state = next(i for i, r in enumerate(catalogue.regions) if r.kind == "state")
    jobs = {
        c: (0.0 if math.isnan(float(v)) else float(v))
        for c, v in zip(catalogue.codes, catalogue.employment[state], strict=True)
    }
    for query in ("nurse", "driver", "teacher", "mechanic", "manager", "operador"):
        hits = [h for h in search_catalogue(index, query, kinds=("occupation",), limit=None)]
        assert hits, query
        for a, b in itertools.pairwise(hits):
            assert a.tier <= b.tier, query
        # within the first tier with whole-word title matches, more jobs come first
        first = [h for h in hits if h.tier == hits[0].tier]
        counts = [jobs[h.code] for h in first]
        assert counts[0] == max(counts), query


@pytest.mark.parametrize(
    ("query", "expected_code"),
    [
        ("nurse", "29-1141.00"),  # Registered Nurses
        ("Nurses", "29-1141.00"),
        ("enfermera", None),  # checked below: a nursing job first
        ("welding", "51-4121.00"),  # Welders, Cutters, Solderers, and Brazers
        ("soldadura", "51-4121.00"),
        ("soldador", "51-4121.00"),
        ("truck", "53-3032.00"),  # Heavy and Tractor-Trailer Truck Drivers
        ("camión", "53-3032.00"),
        ("electrician", "47-2111.00"),
        ("ELECTRICISTA", "47-2111.00"),
        ("cajero", "41-2011.00"),
    ],
)
def test_named_examples_find_the_job_people_mean(
    index: SearchIndex, catalogue: Catalogue, query: str, expected_code: str | None
) -> None:
    hits = search_catalogue(index, query, kinds=("occupation",), limit=5)
    assert hits, query
    if expected_code is None:
        assert "29-11" in hits[0].code or "enfermer" in normalise_text(hits[0].title_es)
    else:
        assert hits[0].code == expected_code, [h.title for h in hits]


def test_computer_finds_computer_jobs_and_the_it_pathways(index: SearchIndex) -> None:
    hits = search_catalogue(index, "computer", limit=20)
    jobs = [h for h in hits if h.kind == "occupation"]
    assert jobs and all(
        h.code.startswith(("15-", "11-3021", "17-2061", "49-2011", "51-9161", "51-9162", "25-1021"))
        for h in jobs[:8]
    )
    assert any(h.kind == "pathway" for h in search_catalogue(index, "computadoras", limit=None))


def test_accents_and_case_do_not_matter(index: SearchIndex) -> None:
    for a, b in (("mecánico", "MECANICO"), ("enfermería", "Enfermeria"), ("técnico", "tecnico")):
        assert _codes(index, a) == _codes(index, b)


def test_a_stem_finds_other_forms_of_the_word() -> None:
    assert stem_word("welding") == stem_word("welders") == stem_word("welder")
    assert stem_word("soldadura") == stem_word("soldador") == stem_word("soldar")
    assert stem_word("enfermera") == stem_word("enfermero") == stem_word("enfermeria")
    assert stem_word("nurse") == stem_word("nurses") == stem_word("nursing")
    assert stem_word("bus") == "bus"  # never shorter than three letters


def test_alternate_titles_find_an_occupation(catalogue: Catalogue, index: SearchIndex) -> None:
    occupation = catalogue.occupation("31-1131.00")  # Nursing Assistants
    lay = next(t for t in occupation.lay_titles if "CNA" in t.split() or "Aide" in t)
    hits = search_catalogue(index, lay, kinds=("occupation",), limit=None)
    assert "31-1131.00" in [h.code for h in hits]


def test_filler_words_and_empty_text_find_nothing(index: SearchIndex) -> None:
    for query in ("", "   ", "de la", "?!", "job", "trabajo de", "job of a"):
        assert search_catalogue(index, query) == ()


def test_a_filler_word_alone_is_read_as_the_start_of_a_word(index: SearchIndex) -> None:
    """Typing "con" on the way to "control" finds controllers; "the" finds therapists. Each
    hit has a word that starts with what was typed or shares its stem, as for any word."""
    for typed in ("con", "the", "para"):
        hits = search_catalogue(index, typed, kinds=("occupation",), limit=None)
        assert hits, typed
        for hit in hits:
            words = normalise_text(hit.matched).split()
            assert any(w.startswith(typed) or stem_word(w) == stem_word(typed) for w in words), (
                typed,
                hit.matched,
            )


def test_limit_and_kinds_are_kept(index: SearchIndex) -> None:
    assert len(search_catalogue(index, "a" * 1 + "ssistant", limit=3)) == 3
    assert all(h.kind == "pathway" for h in search_catalogue(index, "services", kinds=("pathway",)))
    assert search_catalogue(index, "nurse", limit=0) == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_a_deterministic_list_without_crashing(text: str) -> None:
    index = _shared_index()
    first = search_catalogue(index, text, limit=None)
    assert first == search_catalogue(index, text, limit=None)
    assert len({(h.kind, h.code) for h in first}) == len(first)
    assert [h.tier for h in first] == sorted(h.tier for h in first)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(range(923)), st.integers(min_value=1, max_value=6))
def test_a_typed_beginning_of_a_title_word_finds_the_occupation(row: int, cut: int) -> None:
    """Typing the first letters (at least three) of a title's longest word finds it, unless
    those letters are on their own a word the search reads as filler ("work" of "Workers": a
    query of only "work" or "jobs" finds nothing, as `test_generic_words_alone_find_nothing`
    checks)."""
    index = _shared_index()
    catalogue = get_catalogue()
    words = normalise_text(catalogue.titles[row]).split()
    word = max(words, key=len)
    prefix = word[: max(3, len(word) - cut)]
    assume(prefix not in _FILLER)
    assert catalogue.codes[row] in _codes(index, prefix, kinds=("occupation",))


#: Words the search ignores as filler (recommender.search), restated here.
_FILLER = frozenset(["job", "jobs", "work", "career", "careers", "trabajo", "trabajos", "carrera"])


@pytest.mark.parametrize("query", sorted(_FILLER))
def test_generic_words_alone_find_nothing(query: str) -> None:
    assert _codes(_shared_index(), query) == []
    assert _codes(_shared_index(), f"nurse {query}") == _codes(_shared_index(), "nurse")


_INDEX: list[SearchIndex] = []


def _shared_index() -> SearchIndex:
    if not _INDEX:
        _INDEX.append(build_search_index(get_catalogue()))
    return _INDEX[0]
