"""Where to train in Mississippi (issue 11 item 3): routes ordered for a student's county, every
claim of a route true of the committed tables, over every occupation, region and plan."""

from __future__ import annotations

import csv
import shutil
from functools import cache
from pathlib import Path

import pytest

from recommender.catalogue import DEFAULT_CATALOGUE_DIR, Catalogue, load_catalogue
from recommender.dimensions import PLANS
from recommender.errors import CatalogueError, UnknownCodeError
from recommender.training_routes import (
    DIRECTNESS,
    PLAN_LEVELS,
    ROUTE_LEVELS,
    TrainingRoute,
    district_colleges,
    training_routes,
    usual_levels,
)

HARRISON, SUNFLOWER, LEE, BOLIVAR, HINDS = "28047", "28133", "28081", "28011", "28049"
MGCCC, MDCC, COAHOMA, ITAWAMBA = "176071", "176008", "175519", "175829"
RN, ELECTRICIANS, SOFTWARE = "29-1141.00", "47-2111.00", "15-1252.00"


@cache
def cat() -> Catalogue:
    return load_catalogue()


@cache
def _tsv(name: str) -> tuple[dict[str, str], ...]:
    with (DEFAULT_CATALOGUE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def scorecard_rows() -> dict[tuple[str, str, int], dict[str, str]]:
    """college_programs.tsv read as text, apart from the loader: (unitid, cip4, level) -> row."""
    return {
        (r["unitid"], r["cip4"], int(r["credential_level"])): r
        for r in _tsv("college_programs.tsv")
    }


@cache
def districts_of() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in _tsv("college_districts.tsv"):
        out.setdefault(r["county_fips"], set()).add(r["unitid"])
    return out


def _key(r: TrainingRoute) -> tuple[int, int, int, int, int]:
    return (
        0 if r.local else 1,
        0 if r.level_vs_usual == 0 else 1,
        0 if r.fits_plan else 1,
        DIRECTNESS.index(r.directness),
        -(r.completers if r.completers is not None else -1),
    )


def _check_routes(code: str, county: str | None, region: str | None, plan: str) -> int:
    """Every claim of every route is true of the tables; the order follows the documented rule."""
    c = cat()
    found = training_routes(c, code, county, plan, region)
    i = c.index_of(code)
    edu = int(c.education_code[i])
    usual = usual_levels(edu)
    if county:
        local = districts_of()[county]
    elif region and c.regions[c.region_index(region)].kind != "state":
        counties = c.regions[c.region_index(region)].counties
        local = set().union(*(districts_of()[x] for x in counties))
    else:
        local = set()
    families = {p.cip_code[:5] for p in c.programs[i]}
    for r in found.routes:
        row = scorecard_rows()[(r.unitid, r.cip4, r.credential_level)]  # the college awards it
        assert r.cip4 in families, (code, r.cip4)
        assert r.credential_level in ROUTE_LEVELS[edu]
        assert r.completers == (int(row["completers"]) if row["completers"] else None)
        assert r.completers != 0
        assert r.earnings == (float(row["earnings"]) if row["earnings"] else None)
        assert r.earnings_years == (int(row["earnings_years"]) if row["earnings_years"] else None)
        assert r.title == row["cip4_title"]
        assert r.local == (r.unitid in local)
        assert r.level_vs_usual == (
            0 if r.credential_level in usual else (-1 if r.credential_level < min(usual) else 1)
        )
        assert r.fits_plan == (r.credential_level in PLAN_LEVELS[plan])
        assert r.program_cip[:5] == r.cip4
        program = next(p for p in c.programs[i] if p.cip_code == r.program_cip)
        assert r.directness == program.directness
        assert bool(r.campuses) == r.local, "a district college's campuses, and only theirs"
        if r.campuses:
            assert r.kind == "community_college"
            assert {x.unitid for x in r.campuses} == {r.unitid}
            if county:
                here = [x.county_fips == county for x in r.campuses]
                assert here == sorted(here, reverse=True), "campuses in the county come first"
    keys = [_key(r) for r in found.routes]
    assert keys == sorted(keys)
    awarded = {r.unitid for r in found.routes}
    assert set(found.district_without) == {c.colleges[u].name for u in local if u not in awarded}
    return len(found.routes)


def test_harrison_registered_nurses_start_at_the_gulf_coast_college() -> None:
    found = training_routes(cat(), RN, HARRISON, "community_college")
    first = found.routes[0]
    assert (first.unitid, first.local, first.cip4) == (MGCCC, True, "51.38")
    assert first.credential_level == 2 and first.level_vs_usual == -1  # BLS: a bachelor's
    assert first.campuses[0].county_fips == HARRISON
    assert found.district == (cat().colleges[MGCCC].name,)
    # after the district's college: colleges elsewhere, bachelor's degrees (the usual level) first
    others = [r for r in found.routes if not r.local]
    assert others and others[0].credential_level == 3
    assert _check_routes(RN, HARRISON, None, "community_college") > 5


def test_a_county_in_two_districts_lists_both_colleges_first() -> None:
    found = training_routes(cat(), RN, BOLIVAR, "undecided")
    local = [r.unitid for r in found.routes if r.local]
    assert set(local) == {MDCC, COAHOMA}
    assert all(r.local for r in found.routes[: len(local)])


def test_without_a_county_the_region_s_colleges_come_first() -> None:
    c = cat()
    upper_east = "2800006"  # Lee County's nonmetro area
    assert ITAWAMBA in district_colleges(c, None, upper_east)
    assert district_colleges(c, None, "2800000") == []
    found = training_routes(c, ELECTRICIANS, None, "apprenticeship_certificate", upper_east)
    assert found.routes[0].local
    statewide = training_routes(c, ELECTRICIANS, None, "undecided", "2800000")
    assert not any(r.local for r in statewide.routes)


def test_unknown_county_or_occupation_is_refused() -> None:
    with pytest.raises(UnknownCodeError):
        training_routes(cat(), RN, "28999")
    with pytest.raises(UnknownCodeError):
        training_routes(cat(), "00-0000.00", HARRISON)


def test_plan_breaks_ties_only() -> None:
    """The plan never moves a route across the district line or the usual-level line."""
    c = cat()
    for plan in PLANS:
        routes = training_routes(c, SOFTWARE, LEE, plan).routes
        coarse = [(0 if r.local else 1, 0 if r.level_vs_usual == 0 else 1) for r in routes]
        assert coarse == sorted(coarse), plan


@pytest.mark.parametrize("county", [HARRISON, SUNFLOWER, LEE, BOLIVAR, HINDS])
def test_every_occupation_s_routes_are_true_for_a_county(county: str) -> None:
    shown = sum(_check_routes(code, county, None, "undecided") for code in cat().codes)
    assert shown > 1000


@pytest.mark.parametrize("plan", PLANS)
def test_every_occupation_region_and_plan_s_routes_are_true(plan: str) -> None:
    c = cat()
    with_routes = 0
    for region in c.regions:
        for code in c.codes:
            with_routes += _check_routes(code, None, region.code, plan) > 0
    assert with_routes > len(c.regions) * len(c.codes) // 2


def test_the_loader_refuses_a_county_without_a_district(tmp_path: Path) -> None:
    copy = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, copy)
    path = copy / "college_districts.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("28047\t")]
    assert len(kept) == len(lines) - 1
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="28047 has no community-college district"):
        load_catalogue(copy)


def test_the_loader_names_a_route_row_of_an_unknown_college(tmp_path: Path) -> None:
    copy = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, copy)
    path = copy / "college_programs.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "999999" + lines[5][6:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(copy)
    assert (exc.value.row, exc.value.column) == (5, "unitid")
