"""Browse the occupation and pathway catalogue and search it by everyday job titles."""

from __future__ import annotations

import dataclasses
import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from recommender.catalogue import Catalogue, get_catalogue
from recommender.search import MAX_QUERY_LENGTH
from service.deps import CurrentUser
from service.planning import ITEM_KINDS, find_items
from service.routes._common import SIGNED_IN

router = APIRouter(prefix="/catalogue", tags=["catalogue"], responses=SIGNED_IN)

CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


class CatalogueOut(BaseModel):
    version: str
    occupations: int
    pathways: int
    regions: list[dict[str, str]]


class OccupationHit(BaseModel):
    code: str
    title: str
    title_es: str = ""
    matched: str | None
    job_zone: int
    bright_outlook: bool
    pathways: list[str]


class PathwayOut(BaseModel):
    code: str
    cluster_code: str
    cluster: str
    title: str
    occupations: list[str]
    title_es: str = ""
    cluster_es: str = ""


@functools.lru_cache(maxsize=2)
def _search_index(catalogue: Catalogue) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per occupation: its lower-cased official title followed by its lay titles."""
    rows = []
    for code, title in zip(catalogue.codes, catalogue.titles, strict=True):
        lay = catalogue.occupation(code).lay_titles
        rows.append((title, *lay))
    return tuple(
        (c, tuple(t.lower() for t in r)) for c, r in zip(catalogue.codes, rows, strict=True)
    )


def search_occupations(catalogue: Catalogue, text: str) -> list[tuple[int, str | None]]:
    """Occupation rows whose official or lay title contains every word of ``text``.

    Order: whole-title match, then title starting with the text, then any other match; ties by
    official title. Returns (row, matched lay title or None when the official title matched).
    """
    words = text.lower().split()
    hits: list[tuple[int, str, int, str | None]] = []
    for row, (_code, titles) in enumerate(_search_index(catalogue)):
        best: tuple[int, str | None] | None = None
        for k, title in enumerate(titles):
            if all(w in title for w in words):
                rank = 0 if title == text.lower() else 1 if title.startswith(words[0]) else 2
                matched = None if k == 0 else catalogue.occupation(_code).lay_titles[k - 1]
                if best is None or rank < best[0]:
                    best = (rank, matched)
        if best is not None:
            hits.append((best[0], catalogue.titles[row], row, best[1]))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [(row, matched) for _rank, _title, row, matched in hits]


def _hit(catalogue: Catalogue, row: int, matched: str | None) -> OccupationHit:
    return OccupationHit(
        code=catalogue.codes[row],
        title=catalogue.titles[row],
        title_es=catalogue.titles_es[row] if catalogue.titles_es else "",
        matched=matched,
        job_zone=int(catalogue.job_zone[row]),
        bright_outlook=bool(catalogue.bright_outlook[row]),
        pathways=[catalogue.pathways[p].code for p in catalogue.occupation_pathways[row]],
    )


class SearchHitOut(BaseModel):
    kind: Literal["pathway", "occupation"]
    code: str
    title: str
    title_es: str = Field(description="the project's Spanish title ('' when none is written)")
    matched: str = Field(description="the name that matched: a title or another name for it")
    via: Literal["title", "title_es", "alternate"]
    tier: int = Field(description="0 whole title, 1 title words, 2 another name")


@router.get("/search", response_model=list[SearchHitOut])
def search(
    principal: CurrentUser,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="words, any language")
    ],
    kind: Annotated[Literal["pathway", "occupation"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SearchHitOut]:
    """Pathways and occupations by everyday words in English or Spanish (accents and case do not
    matter; "welding" finds Welders): best first, as the coach's find page lists them."""
    _ = principal
    kinds = (kind,) if kind else ITEM_KINDS
    return [
        SearchHitOut.model_validate(dataclasses.asdict(h))
        for h in find_items(q, kinds=kinds, limit=limit)
    ]


@router.get("", response_model=CatalogueOut)
def catalogue_summary(principal: CurrentUser, catalogue: CatalogueDep) -> CatalogueOut:
    """Catalogue version, sizes and regions."""
    _ = principal
    return CatalogueOut(
        version=catalogue.version,
        occupations=len(catalogue.codes),
        pathways=len(catalogue.pathways),
        regions=[{"code": r.code, "name": r.name, "kind": r.kind} for r in catalogue.regions],
    )


@router.get("/occupations", response_model=list[OccupationHit])
def list_occupations(
    principal: CurrentUser,
    catalogue: CatalogueDep,
    q: Annotated[str | None, Query(max_length=100, description="words of a job title")] = None,
    pathway: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[OccupationHit]:
    """Occupations by official title, or those matching ``q`` in an official or lay title."""
    _ = principal
    if q and q.strip():
        found = search_occupations(catalogue, q.strip())
    else:
        order = sorted(range(len(catalogue.codes)), key=lambda i: catalogue.titles[i])
        found = [(i, None) for i in order]
    if pathway:
        members = set(catalogue.pathways[catalogue.pathway_index(pathway)].occupation_index)
        found = [(i, m) for i, m in found if i in members]
    return [_hit(catalogue, i, m) for i, m in found[offset : offset + limit]]


@router.get("/occupations/{code}")
def get_occupation(
    code: Annotated[str, Path(max_length=20)], principal: CurrentUser, catalogue: CatalogueDep
) -> dict[str, Any]:
    """Everything the catalogue holds about one occupation, plus its wages in each region."""
    _ = principal
    occupation = catalogue.occupation(code)
    i = catalogue.index_of(code)
    series = catalogue.oews_series(i)
    regional = []
    for r, region in enumerate(catalogue.regions):
        regional.append(
            {
                "region_code": region.code,
                "employment": _num(catalogue.employment[r, i]),
                "wage_median": _num(catalogue.wage_median[r, i]),
                "wage_p10": _num(catalogue.wage_p10[r, i]),
                "wage_p90": _num(catalogue.wage_p90[r, i]),
                "high_value": bool(catalogue.high_value[r, i]),
            }
        )
    facts = {
        "code": occupation.code,
        "title": occupation.title,
        "title_es": occupation.title_es,
        "description": occupation.description,
        "lay_titles": list(occupation.lay_titles),
        "high_point": occupation.high_point,
        "job_zone": occupation.job_zone,
        "education": occupation.education,
        "growth_pct": _num(occupation.growth_pct),
        "openings": _num(occupation.openings),
        "bright_outlook": occupation.bright_outlook,
        "pathways": list(occupation.pathways),
        "programs": [{"cip_code": p.cip_code, "title": p.title} for p in occupation.programs],
        # whose the regional figures are: a group's when its OEWS series is shared or broad
        "figures": {"scope": series.scope, **dataclasses.asdict(series)},
        "regions": regional,
    }
    return facts


@router.get("/pathways", response_model=list[PathwayOut])
def list_pathways(principal: CurrentUser, catalogue: CatalogueDep) -> list[PathwayOut]:
    """Every career pathway with its cluster and member occupation codes."""
    _ = principal
    return [
        PathwayOut(
            code=p.code,
            cluster_code=p.cluster_code,
            cluster=p.cluster,
            title=p.title,
            occupations=[catalogue.codes[i] for i in p.occupation_index],
            title_es=p.title_es,
            cluster_es=p.cluster_es,
        )
        for p in catalogue.pathways
    ]


def _num(value: Any) -> float | None:
    number = float(value)
    return None if number != number else round(number, 2)  # NaN -> null
