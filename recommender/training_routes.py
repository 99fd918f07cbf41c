"""Where in Mississippi a student can train for an occupation: ordered training routes.

A route is one Mississippi college awarding one credential in one 4-digit CIP family that the
NCES CIP-SOC crosswalk links to the occupation (College Scorecard field-of-study rows, built into
``data/catalogue/college_programs.tsv``). ``training_routes`` orders them for a student's county:

1. the community colleges of the county's district (``college_districts.tsv``; a county in two
   districts has both), with their campuses, the campus in the student's county first, then the
   main campus, then the rest; with no county, the colleges whose district covers a county of the
   student's sub-state region (none for the statewide region);
2. then every other Mississippi college or university that awards it.

A Scorecard row with 0 completers is not a route (nobody finished it in the count); one whose
count is not reported is. Within each group: a credential the occupation's usual education calls
for (``usual_levels``) before a lower or higher one, then one the student's plan aims at, then a
programme family whose title names the job (``directness``), then more completers (unreported
last), then college name.
Pure: reads only the ``Catalogue`` passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

#: College Scorecard credential levels: code -> name (99 non-credential is never a route). The
#: names are the Scorecard's, in English; pages show them in the reader's language from the
#: service's catalogue (``service.i18n.CREDENTIAL_LEVEL_MESSAGES``).
CREDENTIAL_LEVELS: Final[Mapping[int, str]] = {
    1: "Undergraduate certificate or diploma",
    2: "Associate's degree",
    3: "Bachelor's degree",
    4: "Post-baccalaureate certificate",
    5: "Master's degree",
    6: "Doctoral degree",
    7: "First professional degree",
    8: "Graduate or professional certificate",
    99: "Non-credential",
}

#: Usual entry education (``recommender.catalogue.EDUCATION_LEVELS`` code) -> the Scorecard
#: credential levels it calls for. Jobs needing no credential or a diploma take a certificate as
#: their training route; an unknown education (-1) takes any undergraduate credential.
USUAL_LEVELS: Final[Mapping[int, tuple[int, ...]]] = {
    -1: (1, 2, 3),
    0: (1,),
    1: (1,),
    2: (1, 2),
    3: (1,),
    4: (2,),
    5: (3,),
    6: (5,),
    7: (6, 7),
}

#: Credential levels shown as routes for each usual education: the usual ones and the steps
#: below them a Mississippi student can start with (an associate's toward a bachelor's).
ROUTE_LEVELS: Final[Mapping[int, tuple[int, ...]]] = {
    -1: (1, 2, 3),
    0: (1, 2),
    1: (1, 2),
    2: (1, 2),
    3: (1, 2),
    4: (1, 2),
    5: (2, 3),
    6: (3, 5),
    7: (3, 5, 6, 7),
}

#: Credential levels each plan after high school aims at (``recommender.dimensions.PLANS``).
PLAN_LEVELS: Final[Mapping[str, tuple[int, ...]]] = {
    "work": (),
    "apprenticeship_certificate": (1,),
    "community_college": (1, 2),
    "four_year_college": (3,),
    "military": (),
    "undecided": (1, 2, 3, 5, 6, 7),
}

#: How directly a programme leads to an occupation, best first: ``named`` when the programme's
#: title shares a word stem with the occupation's title; ``linked`` when the crosswalk links it to
#: the occupation's SOC and the occupation is that whole SOC; ``group`` when the occupation is an
#: O*NET detail title (``.01``...) and the link is its SOC group's.
DIRECTNESS: Final = ("named", "linked", "group")

#: Kinds of college in ``colleges.tsv``.
COLLEGE_KINDS: Final = (
    "community_college",
    "public_university",
    "private_nonprofit",
    "private_for_profit",
)


@dataclass(frozen=True)
class College:
    """A Mississippi institution in the College Scorecard (IPEDS UNITID ``unitid``)."""

    unitid: str
    name: str
    kind: str
    main_county_fips: str


@dataclass(frozen=True)
class Campus:
    """A community-college campus or centre; ``county_fips`` is "" when the source gives none."""

    unitid: str
    name: str
    city: str
    county_fips: str
    main: bool


@dataclass(frozen=True)
class CollegeProgram:
    """One Scorecard row: a college's awards in a 4-digit CIP family at one credential level.

    ``completers`` is None when not reported; ``earnings`` (median, USD) None when suppressed;
    ``earnings_years`` is how many years after completion the earnings were measured (1 or 4).
    """

    unitid: str
    cip4: str
    title: str
    credential_level: int
    completers: int | None
    earnings: float | None
    earnings_years: int | None


@dataclass(frozen=True)
class TrainingRoute:
    """One place to train: a college's credential in a programme family linked to the job.

    ``title`` is the 4-digit family's CIP title (the Scorecard counts the whole family);
    ``program_cip`` / ``program_title`` the family's 6-digit programme most direct for the job.
    ``local`` is true for a community college of the student's district; ``campuses`` are that
    college's campuses in display order, for a local college only (the data does not say which
    campus teaches which programme); ``level_vs_usual`` is -1 below, 0 at, +1 above the usual
    education's credential; ``fits_plan`` whether the credential is one the student's plan aims at.
    """

    unitid: str
    college: str
    kind: str
    local: bool
    cip4: str
    title: str
    program_cip: str
    program_title: str
    directness: str
    credential_level: int
    completers: int | None
    earnings: float | None
    earnings_years: int | None
    level_vs_usual: int
    fits_plan: bool
    campuses: tuple[Campus, ...]

    @property
    def credential(self) -> str:
        return CREDENTIAL_LEVELS[self.credential_level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the API's and the stored result's)."""
        return {
            "unitid": self.unitid,
            "college": self.college,
            "kind": self.kind,
            "local": self.local,
            "cip4": self.cip4,
            "title": self.title,
            "program_cip": self.program_cip,
            "program_title": self.program_title,
            "directness": self.directness,
            "credential_level": self.credential_level,
            "credential": self.credential,
            "completers": self.completers,
            "earnings": self.earnings,
            "earnings_years": self.earnings_years,
            "level_vs_usual": self.level_vs_usual,
            "fits_plan": self.fits_plan,
            "campuses": [
                {"name": c.name, "city": c.city, "county_fips": c.county_fips, "main": c.main}
                for c in self.campuses
            ],
        }


@dataclass(frozen=True)
class RouteSet:
    """Every route for one occupation and place, in display order.

    ``county_fips`` is the county used ("" when only the region was); ``district`` the names of
    the district's community colleges, ``district_without`` those of them that award none of the
    occupation's programme families in the data.
    """

    code: str
    county_fips: str
    region_code: str
    education_code: int
    usual_levels: tuple[int, ...]
    routes: tuple[TrainingRoute, ...]
    district: tuple[str, ...]
    district_without: tuple[str, ...]


def usual_levels(education_code: int) -> tuple[int, ...]:
    """Scorecard credential levels the usual entry education calls for (see ``USUAL_LEVELS``)."""
    return USUAL_LEVELS.get(int(education_code), USUAL_LEVELS[-1])


def _level_vs(level: int, usual: tuple[int, ...]) -> int:
    if level in usual:
        return 0
    return -1 if level < min(usual) else 1


def district_colleges(
    catalogue: Any, county_fips: str | None, region_code: str | None
) -> list[str]:
    """UNITIDs of the community colleges serving a county (its district), or, with no county,
    any county of the region (none for the statewide region); in UNITID order."""
    districts: Mapping[str, tuple[str, ...]] = catalogue.college_districts
    if county_fips:
        return sorted(districts.get(county_fips, ()))
    if not region_code:
        return []
    region = catalogue.regions[catalogue.region_index(region_code)]
    if region.kind == "state":
        return []
    found = {u for county in region.counties for u in districts.get(county, ())}
    return sorted(found)


def _order_campuses(
    campuses: tuple[Campus, ...], county_fips: str | None, area: frozenset[str]
) -> tuple[Campus, ...]:
    def key(c: Campus) -> tuple[int, int, str]:
        here = 0 if (county_fips and c.county_fips == county_fips) else 1
        near = 0 if c.county_fips and c.county_fips in area else 1
        return (here, 0 if c.main else 1 + near, c.name)

    return tuple(sorted(campuses, key=key))


def training_routes(
    catalogue: Any,
    code: str,
    county_fips: str | None = None,
    plan: str | None = None,
    region_code: str | None = None,
) -> RouteSet:
    """Ordered Mississippi training routes for occupation ``code`` (O*NET-SOC).

    ``county_fips`` (5 digits) picks the district; without it ``region_code`` (an OEWS area) does.
    ``plan`` (one of ``PLAN_LEVELS``) only breaks ties. Unknown codes raise UnknownCodeError.
    """
    i = catalogue.index_of(code)
    if county_fips:
        catalogue.region_of_county(county_fips)  # UnknownCodeError for an unknown county
        region_code = catalogue.county_region[county_fips]
    education = int(catalogue.education_code[i])
    usual = usual_levels(education)
    allowed = set(ROUTE_LEVELS.get(education, ROUTE_LEVELS[-1]))
    plan_levels = set(PLAN_LEVELS.get(plan or "undecided", ()))
    local_ids = district_colleges(catalogue, county_fips, region_code)
    local = set(local_ids)
    colleges: Mapping[str, College] = catalogue.colleges
    area: frozenset[str] = frozenset(
        catalogue.regions[catalogue.region_index(region_code)].counties
        if region_code and not county_fips
        else ((county_fips,) if county_fips else ())
    )
    families: dict[str, Any] = {}
    for program in catalogue.programs[i]:  # most direct first (see docs/catalogue.md)
        families.setdefault(program.cip_code[:5], program)
    routes: list[TrainingRoute] = []
    for cip4, program in families.items():
        directness = program.directness
        for row in catalogue.college_programs.get(cip4, ()):
            if row.credential_level not in allowed or row.completers == 0:
                continue
            college = colleges[row.unitid]
            is_local = row.unitid in local
            campuses: tuple[Campus, ...] = ()
            if is_local:
                campuses = _order_campuses(
                    catalogue.campuses.get(row.unitid, ()), county_fips, area
                )
            routes.append(
                TrainingRoute(
                    unitid=row.unitid,
                    college=college.name,
                    kind=college.kind,
                    local=is_local,
                    cip4=cip4,
                    title=row.title,
                    program_cip=program.cip_code,
                    program_title=program.title,
                    directness=directness,
                    credential_level=row.credential_level,
                    completers=row.completers,
                    earnings=row.earnings,
                    earnings_years=row.earnings_years,
                    level_vs_usual=_level_vs(row.credential_level, usual),
                    fits_plan=row.credential_level in plan_levels,
                    campuses=campuses,
                )
            )

    def key(r: TrainingRoute) -> tuple[Any, ...]:
        return (
            0 if r.local else 1,
            0 if r.level_vs_usual == 0 else 1,
            0 if r.fits_plan else 1,
            DIRECTNESS.index(r.directness),
            -(r.completers if r.completers is not None else -1),
            r.college,
            r.cip4,
            r.credential_level,
        )

    routes.sort(key=key)
    with_routes = {r.unitid for r in routes}
    return RouteSet(
        code=code,
        county_fips=county_fips or "",
        region_code=region_code or "",
        education_code=education,
        usual_levels=usual,
        routes=tuple(routes),
        district=tuple(colleges[u].name for u in local_ids),
        district_without=tuple(colleges[u].name for u in local_ids if u not in with_routes),
    )
