"""Find occupations and pathways by the words a student or coach would type.

``build_search_index`` gathers, for every occupation, its official title, the project's Spanish
title and O*NET's alternate and reported job titles (``lay_titles.tsv``), and for every pathway
its title and cluster in both languages. ``search_catalogue`` matches a query against them
ignoring case, accents and punctuation; a query word matches a title word that starts with it
or shares its stem ("welding" finds Welders, "enfermera" finds Personal de enfermería).

Ranking, best first: a whole title equal to the query; then every query word in the official or
Spanish title (words matched whole or by stem before words matched only as a beginning); then
alternate titles (a pathway's cluster counts as one; more matching names first); ties go to
pathways before occupations, then to larger Mississippi employment (an occupation's OEWS series
as published; a pathway's members' jobs with a shared series split evenly), then to the shorter
matched name, the title and the code, so a query always gives the same list.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from recommender.catalogue import Catalogue

__all__ = [
    "MAX_QUERY_LENGTH",
    "SearchHit",
    "SearchIndex",
    "build_search_index",
    "normalise_text",
    "search_catalogue",
    "stem_word",
]

#: Longer queries are cut to this many characters (a search box, not a document).
MAX_QUERY_LENGTH: Final = 100

#: Words that name work in general: never a search on their own, not even as a word's start.
_GENERIC_WORDS: Final = frozenset(
    ["job", "jobs", "work", "career", "careers", "trabajo", "trabajos", "carrera"]
)

#: How a hit was found: its official title, its Spanish title, or another name for it.
VIA_TITLE: Final = "title"
VIA_TITLE_ES: Final = "title_es"
VIA_ALTERNATE: Final = "alternate"

# Words that carry no meaning in a job search, in English and Spanish (already unaccented).
_STOP_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "in",
        "on",
        "to",
        "or",
        "with",
        "job",
        "jobs",
        "work",
        "career",
        "careers",
        "de",
        "del",
        "la",
        "las",
        "el",
        "los",
        "y",
        "e",
        "o",
        "u",
        "en",
        "para",
        "con",
        "al",
        "un",
        "una",
        "unos",
        "unas",
        "trabajo",
        "trabajos",
        "carrera",
    ]
)

# Endings removed by ``stem_word``, longest first; English and Spanish agent, act and plural forms.
_SUFFIXES: Final = tuple(
    sorted(
        [
            "aciones",
            "acion",
            "adoras",
            "adores",
            "adora",
            "ador",
            "aduras",
            "adura",
            "erias",
            "eria",
            "eros",
            "eras",
            "ero",
            "era",
            "istas",
            "ista",
            "icos",
            "icas",
            "ico",
            "ica",
            "ations",
            "ation",
            "ings",
            "ing",
            "ers",
            "er",
            "ors",
            "or",
            "ists",
            "ist",
            "ians",
            "ian",
            "ier",
            "iers",
            "ies",
            "ia",
            "ed",
            "es",
            "os",
            "as",
            "al",
            "ar",
            "ir",
            "s",
            "o",
            "a",
            "e",
            "y",
        ],
        key=lambda s: (-len(s), s),
    )
)
_MIN_STEM: Final = 3
_WORD: Final = re.compile(r"[a-z0-9]+")


def normalise_text(text: str) -> str:
    """Lower case without accents; every run of other characters becomes one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(plain))


def stem_word(word: str) -> str:
    """``word`` (normalised) without its longest known ending, keeping at least 3 letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in normalise_text(text).split() if w not in _STOP_WORDS)


@dataclass(frozen=True)
class SearchHit:
    """One found occupation or pathway.

    ``kind`` is "occupation" or "pathway"; ``matched`` is the text that matched and ``via`` which
    of its names it is (``VIA_TITLE``, ``VIA_TITLE_ES`` or ``VIA_ALTERNATE``); ``tier`` 0 is a
    whole-title match, 1 title words, 2 another name.
    """

    kind: str
    code: str
    title: str
    title_es: str
    matched: str
    via: str
    tier: int


@dataclass(frozen=True)
class _Text:
    item: int
    via: str
    text: str
    whole: str
    words: frozenset[str]
    stems: frozenset[str]


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Every searchable name of the catalogue's occupations and pathways, with word lookups."""

    kinds: tuple[str, ...]
    codes: tuple[str, ...]
    titles: tuple[str, ...]
    titles_es: tuple[str, ...]
    employment: tuple[float, ...]
    texts: tuple[_Text, ...]
    by_word: dict[str, frozenset[int]]
    by_stem: dict[str, frozenset[int]]
    vocabulary: tuple[str, ...]


def build_search_index(catalogue: Catalogue) -> SearchIndex:
    """The index of ``catalogue`` (reads its lay titles on first use, as ``occupation`` does)."""
    state = next((i for i, r in enumerate(catalogue.regions) if r.kind == "state"), 0)
    series = catalogue.employment[state]
    jobs = [0.0 if math.isnan(float(v)) else float(v) for v in series]
    kinds: list[str] = []
    codes: list[str] = []
    titles: list[str] = []
    titles_es: list[str] = []
    employment: list[float] = []
    names: list[tuple[int, str, str]] = []
    for p in catalogue.pathways:
        item = len(codes)
        kinds.append("pathway")
        codes.append(p.code)
        titles.append(p.title)
        titles_es.append(p.title_es)
        split = [jobs[j] / max(int(catalogue.oews_shared[j]), 1) for j in p.occupation_index]
        employment.append(sum(split))
        names += [(item, VIA_TITLE, p.title), (item, VIA_TITLE_ES, p.title_es)]
        names += [(item, VIA_ALTERNATE, p.cluster), (item, VIA_ALTERNATE, p.cluster_es)]
    es = catalogue.titles_es or ("",) * len(catalogue.codes)
    for j, (code, title) in enumerate(zip(catalogue.codes, catalogue.titles, strict=True)):
        item = len(codes)
        kinds.append("occupation")
        codes.append(code)
        titles.append(title)
        titles_es.append(es[j])
        employment.append(jobs[j])
        names += [(item, VIA_TITLE, title), (item, VIA_TITLE_ES, es[j])]
        names += [(item, VIA_ALTERNATE, t) for t in catalogue.occupation(code).lay_titles]
    texts: list[_Text] = []
    by_word: dict[str, set[int]] = {}
    by_stem: dict[str, set[int]] = {}
    seen: set[tuple[int, str]] = set()
    for item, via, text in names:
        words = _words(text)
        if not words or (item, " ".join(words)) in seen:
            continue
        seen.add((item, " ".join(words)))
        n = len(texts)
        stems = frozenset(stem_word(w) for w in words)
        texts.append(_Text(item, via, text, " ".join(words), frozenset(words), stems))
        for w in words:
            by_word.setdefault(w, set()).add(n)
        for s in stems:
            by_stem.setdefault(s, set()).add(n)
    return SearchIndex(
        kinds=tuple(kinds),
        codes=tuple(codes),
        titles=tuple(titles),
        titles_es=tuple(titles_es),
        employment=tuple(employment),
        texts=tuple(texts),
        by_word={k: frozenset(v) for k, v in by_word.items()},
        by_stem={k: frozenset(v) for k, v in by_stem.items()},
        vocabulary=tuple(sorted(by_word)),
    )


def _texts_for(index: SearchIndex, word: str) -> set[int]:
    """Texts with a word starting with ``word`` or sharing its stem."""
    found: set[int] = set(index.by_stem.get(stem_word(word), ()))
    vocabulary = index.vocabulary
    lo, hi = 0, len(vocabulary)
    while lo < hi:  # first vocabulary word >= word
        mid = (lo + hi) // 2
        if vocabulary[mid] < word:
            lo = mid + 1
        else:
            hi = mid
    while lo < len(vocabulary) and vocabulary[lo].startswith(word):
        found |= index.by_word[vocabulary[lo]]
        lo += 1
    return found


def search_catalogue(
    index: SearchIndex,
    query: str,
    *,
    kinds: Iterable[str] = ("pathway", "occupation"),
    limit: int | None = 50,
) -> tuple[SearchHit, ...]:
    """Occupations and pathways matching every word of ``query``, best first (see the module).

    An empty query finds nothing; a query of only filler words ("de", "con") is read as the
    start of longer words when they have three or more letters; ``limit`` None returns all.
    """
    words = _words(query[:MAX_QUERY_LENGTH])
    if not words:
        # only filler words: one of three or more letters may be the start of a longer word
        # being typed ("con" of "control", "para" of "paralegal")
        words = tuple(
            w
            for w in normalise_text(query[:MAX_QUERY_LENGTH]).split()
            if len(w) >= 3 and w not in _GENERIC_WORDS
        )
    if not words:
        return ()
    wanted = set(kinds)
    candidates: set[int] | None = None
    for word in dict.fromkeys(words):
        found = _texts_for(index, word)
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return ()
    assert candidates is not None
    whole = " ".join(words)
    best: dict[int, tuple[tuple[int, int, int], int]] = {}
    names: dict[int, int] = {}
    for n in candidates:
        text = index.texts[n]
        if index.kinds[text.item] not in wanted:
            continue
        stemmed = sum(1 for w in words if w not in text.words and stem_word(w) not in text.stems)
        tier = 2 if text.via == VIA_ALTERNATE else 0 if text.whole == whole else 1
        via_order = (VIA_TITLE, VIA_TITLE_ES, VIA_ALTERNATE).index(text.via)
        key = (tier, stemmed, via_order)
        names[text.item] = names.get(text.item, 0) + 1
        if text.item not in best or (key, text.text) < (
            best[text.item][0],
            index.texts[best[text.item][1]].text,
        ):
            best[text.item] = (key, n)

    def order(item: int) -> tuple[int, int, int, int, float, int, str, str]:
        (tier, stemmed, _via), n = best[item]
        kind = 0 if index.kinds[item] == "pathway" else 1
        # among other names, an item many of whose names match comes first
        many = -names[item] if tier == 2 else 0
        return (
            tier,
            stemmed,
            kind,
            many,
            -index.employment[item],
            len(index.texts[n].words),
            index.titles[item],
            index.codes[item],
        )

    ranked: Sequence[int] = sorted(best, key=order)
    if limit is not None:
        ranked = ranked[: max(limit, 0)]
    hits = []
    for item in ranked:
        (tier, _stemmed, _via), n = best[item]
        text = index.texts[n]
        hits.append(
            SearchHit(
                kind=index.kinds[item],
                code=index.codes[item],
                title=index.titles[item],
                title_es=index.titles_es[item],
                matched=text.text,
                via=text.via,
                tier=tier,
            )
        )
    return tuple(hits)
