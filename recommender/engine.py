"""One call for the service: profile in, ranked pathways with their occupations and reasons out.

    recommender = Recommender.load()                       # active model, shipped catalogue
    result = recommender.recommend(profile, region="2800005", plan="community_college", k=5)

Steps: pair features for every occupation → ONNX fit → ranking policy with the region's demand and
wages → pathway roll-up → reasons for the occupations shown. ``region`` and ``plan`` override the
profile's own for what-if questions; the profile itself is never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from recommender.calibration import (
    CALIBRATION_FILE,
    FitCalibration,
    calibrate_fit,
    load_calibration,
)
from recommender.catalogue import split_employment
from recommender.errors import FeatureInputError, UnknownCodeError
from recommender.explain import Reason, RegionFacts, explain_occupations
from recommender.features import (
    OccupationArrays,
    OccupationSource,
    ProfileSource,
    StudentBatch,
    build_pair_features_batch,
    interest_match,
)
from recommender.model import (
    DEFAULT_MODELS_DIR,
    load_fit_model,
    locate_model_version,
    verify_model_files,
)
from recommender.ranking import (
    RankingPolicy,
    load_ranking_policy,
    order_pathways,
    rank_occupations,
    roll_up_pathways,
    score_percentile,
)
from recommender.typical import TYPICAL_FIT_FILE, TypicalFit, load_typical_fit, relative_fit

F32 = npt.NDArray[np.float32]

#: Region used when neither the request nor the profile names one: the statewide OEWS area.
STATEWIDE_REGION: Final = "2800000"

#: Occupations listed under each recommended pathway.
OCCUPATIONS_PER_PATHWAY: Final = 3


class CatalogueSource(OccupationSource, Protocol):
    """What the engine reads from ``recommender.catalogue.Catalogue``."""

    @property
    def version(self) -> str: ...
    @property
    def codes(self) -> tuple[str, ...]: ...
    @property
    def titles(self) -> tuple[str, ...]: ...
    @property
    def employment(self) -> npt.NDArray[np.float32]: ...
    @property
    def oews_codes(self) -> tuple[str, ...]: ...
    @property
    def oews_shared(self) -> npt.NDArray[np.int16]: ...
    @property
    def oews_titles(self) -> tuple[str, ...]: ...
    @property
    def figures_are_group(self) -> npt.NDArray[np.bool_]: ...
    @property
    def wage_median(self) -> npt.NDArray[np.float32]: ...
    @property
    def high_value(self) -> npt.NDArray[np.bool_]: ...
    @property
    def pathways(self) -> tuple[Any, ...]: ...

    def region_index(self, region_code: str) -> int: ...


class ProfileWithRegion(ProfileSource, Protocol):
    """A profile that may name the student's region."""

    @property
    def region_code(self) -> str | None: ...


@dataclass(frozen=True)
class OccupationResult:
    """One recommended occupation: final score and its parts, regional figures, reasons.

    ``employment`` and ``wage_median`` are the published figures of the OEWS series the
    occupation draws on. ``figures_scope`` says whose they are: "occupation" (its own series),
    "group" (a series shared with other catalogue occupations, or a SOC broad group; then
    ``figures_group_code``, ``figures_group_title`` ("" when the catalogue has no title for it)
    and ``figures_group_size`` (catalogue occupations sharing it) describe the group) or "none"
    (no series); None means not recorded. The demand percentile counts a group's jobs split
    evenly among its members.
    """

    code: str
    title: str
    score: float
    fit: float
    demand: float
    wage: float
    high_value: bool
    employment: float | None
    wage_median: float | None
    reasons: tuple[Reason, ...]
    probability: float | None = None
    figures_scope: str | None = None
    figures_group_code: str | None = None
    figures_group_title: str | None = None
    figures_group_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; ``probability`` is None when the version has no calibration.

        The ``figures_group_*`` keys are None unless ``figures_scope`` is "group".
        """
        out: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "score": self.score,
            "fit": self.fit,
            "demand": self.demand,
            "wage": self.wage,
            "high_value": self.high_value,
            "employment": self.employment,
            "wage_median": self.wage_median,
            "figures_scope": self.figures_scope,
            "figures_group_code": self.figures_group_code,
            "figures_group_title": self.figures_group_title,
            "figures_group_size": self.figures_group_size,
            "probability": self.probability,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        return out


@dataclass(frozen=True)
class PathwayResult:
    """One recommended pathway: its score (mean of its best occupations) and those occupations."""

    code: str
    title: str
    cluster: str
    score: float
    occupations: tuple[OccupationResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "code": self.code,
            "title": self.title,
            "cluster": self.cluster,
            "score": self.score,
            "occupations": [o.to_dict() for o in self.occupations],
        }


@dataclass(frozen=True)
class Recommendation:
    """Ranked pathways for one student, with everything needed to store and reproduce them."""

    model_version: str
    catalogue_version: str
    region: str
    plan: str
    policy: RankingPolicy
    pathways: tuple[PathwayResult, ...]
    occupations: tuple[OccupationResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (for storing with the student's record)."""
        return {
            "model_version": self.model_version,
            "catalogue_version": self.catalogue_version,
            "region": self.region,
            "plan": self.plan,
            "policy": self.policy.to_dict(),
            "pathways": [p.to_dict() for p in self.pathways],
            "occupations": [o.to_dict() for o in self.occupations],
        }


def _finite_or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True)
class Recommender:
    """A catalogue, a fit scorer and a ranking policy, ready to recommend.

    ``demand`` and ``wage`` are (n_regions, n) percentiles; ``demand`` ranks
    ``demand_employment``, each OEWS series' jobs split evenly among the catalogue occupations
    sharing it (an occupation sharing its series with k - 1 others counts 1/k of its jobs, so a
    group's jobs are counted once, not once per member); ``wage`` ranks the series' median wage.
    """

    catalogue: CatalogueSource
    score_fit: Callable[[F32], F32]
    model_version: str
    policy: RankingPolicy
    occupations: OccupationArrays
    demand: F32
    wage: F32
    calibration: FitCalibration | None = None
    demand_employment: F32 | None = None
    typical_fit: TypicalFit | None = None

    @classmethod
    def build(
        cls,
        catalogue: CatalogueSource,
        score_fit: Callable[[F32], F32],
        model_version: str,
        policy: RankingPolicy | None = None,
        calibration: FitCalibration | None = None,
        typical_fit: TypicalFit | None = None,
    ) -> Recommender:
        """Assemble from parts (tests pass their own scorer); precomputes regional percentiles.

        With a typical fit (recommender.typical), the ranking orders by the relative fit.

        With a calibration, each occupation also carries P(grade >= 2) looked up from its fit.
        Demand is the percentile of each occupation's share of its OEWS series' employment.
        """
        employment = split_employment(catalogue.employment, catalogue.oews_shared)
        wages = np.asarray(catalogue.wage_median)
        return cls(
            catalogue=catalogue,
            score_fit=score_fit,
            model_version=model_version,
            policy=policy or RankingPolicy(),
            occupations=OccupationArrays.from_catalogue(catalogue),
            demand=np.vstack([score_percentile(r) for r in employment]),
            wage=np.vstack([score_percentile(r) for r in wages]),
            calibration=calibration,
            demand_employment=employment,
            typical_fit=typical_fit,
        )

    @classmethod
    def load(
        cls,
        models_dir: Path = DEFAULT_MODELS_DIR,
        version: str | None = None,
        catalogue: CatalogueSource | None = None,
        policy: RankingPolicy | None = None,
        *,
        intra_op_threads: int = 1,
    ) -> Recommender:
        """Load a model version (the active one by default) and the shipped catalogue from disk.

        The policy is, in order: the argument, the version's policy.json, the defaults; the
        version's calibration.json, when present, adds each occupation's probability. Every
        file the version's manifest lists is checked first (ModelArtifactError naming the file).
        """
        folder = locate_model_version(models_dir, version)
        verify_model_files(folder)
        model = load_fit_model(folder, intra_op_threads=intra_op_threads)
        if catalogue is None:
            from recommender.catalogue import load_catalogue

            catalogue = load_catalogue()
        if policy is None and (folder / "policy.json").is_file():
            policy = load_ranking_policy(folder / "policy.json")
        calibration = load_calibration(folder) if (folder / CALIBRATION_FILE).is_file() else None
        typical = None
        if (folder / TYPICAL_FIT_FILE).is_file():
            typical = load_typical_fit(folder, catalogue.codes)
        return cls.build(catalogue, model.score_fit, model.version, policy, calibration, typical)

    def _region_row(self, code: str) -> int:
        try:
            return self.catalogue.region_index(code)
        except (KeyError, LookupError):
            raise UnknownCodeError("region", code) from None

    def recommend(
        self,
        profile: ProfileWithRegion,
        *,
        region: str | None = None,
        plan: str | None = None,
        k: int = 5,
    ) -> Recommendation:
        """Top k pathways (best first, ties in catalogue order), each with its best occupations."""
        if k < 1:
            raise FeatureInputError("k", f"must be >= 1, got {k}")
        region_code = region or profile.region_code or STATEWIDE_REGION
        r = self._region_row(region_code)
        students = StudentBatch.from_profiles([profile])
        if plan is not None:
            students = replace(students, plans=(plan,))
        n = self.occupations.size
        features = build_pair_features_batch(
            students, self.occupations, np.zeros(n, dtype=np.int64), np.arange(n)
        )
        fit = self.score_fit(features)
        hv = np.asarray(self.catalogue.high_value, dtype=bool)[r]
        relative = relative_fit(fit, self.typical_fit)
        # parts and order rank the fit relative to students in general; the fit shown is the model's
        weighs_match = self.policy.interest_weight > 0
        match = interest_match(students.interests, self.occupations)[0] if weighs_match else None
        ranked = replace(
            rank_occupations(relative, self.demand[r], self.wage[r], hv, self.policy, match),
            fit=fit,
        )
        members = [p.occupation_index for p in self.catalogue.pathways]
        pathway_scores, ordered = roll_up_pathways(ranked.score, members, self.policy.pathway_top_n)
        top_pathways = [i for i in order_pathways(pathway_scores) if ordered[i]][:k]
        shown: list[int] = []
        for i in top_pathways:
            for j in ordered[i][:OCCUPATIONS_PER_PATHWAY]:
                if j not in shown:
                    shown.append(j)
        for j in ranked.order[:k]:
            if int(j) not in shown:
                shown.append(int(j))
        reasons = explain_occupations(
            students,
            self.occupations,
            shown,
            self.score_fit,
            ranked,
            self.policy,
            facts=RegionFacts.from_catalogue(self.catalogue, r),
        )
        by_index = {
            j: self._occupation(j, r, ranked, why) for j, why in zip(shown, reasons, strict=True)
        }
        pathways = tuple(
            PathwayResult(
                code=self.catalogue.pathways[i].code,
                title=self.catalogue.pathways[i].title,
                cluster=self.catalogue.pathways[i].cluster,
                score=float(pathway_scores[i]),
                occupations=tuple(by_index[j] for j in ordered[i][:OCCUPATIONS_PER_PATHWAY]),
            )
            for i in top_pathways
        )
        top_occupations = tuple(by_index[int(j)] for j in ranked.order[:k])
        return Recommendation(
            model_version=self.model_version,
            catalogue_version=self.catalogue.version,
            region=region_code,
            plan=students.plans[0],
            policy=self.policy,
            pathways=pathways,
            occupations=top_occupations,
        )

    def _occupation(
        self, j: int, r: int, ranked: Any, reasons: tuple[Reason, ...]
    ) -> OccupationResult:
        employment = float(np.asarray(self.catalogue.employment)[r, j])
        probability = None
        if self.calibration is not None:
            probability = float(calibrate_fit([float(ranked.fit[j])], self.calibration)[0])
        wage = float(np.asarray(self.catalogue.wage_median)[r, j])
        series = self.catalogue.oews_codes[j]
        group = bool(self.catalogue.figures_are_group[j])
        scope = "group" if series and group else ("occupation" if series else "none")
        return OccupationResult(
            code=self.catalogue.codes[j],
            title=self.catalogue.titles[j],
            score=float(ranked.score[j]),
            fit=float(ranked.fit[j]),
            demand=float(ranked.demand[j]),
            wage=float(ranked.wage[j]),
            high_value=bool(ranked.high_value[j]),
            employment=_finite_or_none(employment),
            wage_median=_finite_or_none(wage),
            reasons=reasons,
            probability=probability,
            figures_scope=scope,
            figures_group_code=series if scope == "group" else None,
            figures_group_title=self.catalogue.oews_titles[j] if scope == "group" else None,
            figures_group_size=int(self.catalogue.oews_shared[j]) if scope == "group" else None,
        )
