"""Reasons for a recommendation, one per factor, weighted by ablation.

A reason's ``weight`` is how much the occupation's final score (see ``recommender.ranking``) moves
when that factor is set to its neutral value: ``weight = score - score_with_factor_neutral``.
Student factors (interests, aptitudes, values, education) are neutralised in the pair features
(``recommender.features.neutralise_students``) and re-scored by the fit model; the policy factors
use the regional median (0.5) for demand and wage, and "not high-value" for the boost, which counts
under demand. Positive weights helped the occupation up; negative ones held it back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from recommender.dimensions import APTITUDES, RIASEC, RIASEC_EVERYDAY_NAMES, WORK_VALUES
from recommender.features import (
    STUDENT_FACTORS,
    OccupationArrays,
    StudentBatch,
    build_pair_features_batch,
    neutralise_students,
)
from recommender.ranking import NEUTRAL_PERCENTILE, RankedOccupations, RankingPolicy

F32 = npt.NDArray[np.float32]

#: Every factor a reason can be about, in report order.
REASON_FACTORS: Final = (*STUDENT_FACTORS, "demand", "wage")

#: Weights smaller than this (score points) are reported as "about even".
SMALL_WEIGHT: Final = 0.005

#: Interest profiles whose highest and lowest areas differ by less than this (0..1) are flat.
FLAT_INTEREST_SPREAD: Final = 0.1
_APTITUDE_EN: Final = {
    "verbal": "reading and words",
    "quantitative": "math",
    "spatial": "picturing shapes in space",
    "mechanical": "how machines and tools work",
    "perceptual_speed": "spotting details quickly",
}
_APTITUDE_ES: Final = {
    "verbal": "lectura y palabras",
    "quantitative": "matemáticas",
    "spatial": "imaginar formas en el espacio",
    "mechanical": "cómo funcionan las máquinas y herramientas",
    "perceptual_speed": "notar detalles rápido",
}
_VALUE_EN: Final = {
    "achievement": "using your abilities and seeing results",
    "working_conditions": "good pay, steady work and a good workplace",
    "recognition": "being noticed and moving up",
    "relationships": "working with friendly people and helping others",
    "support": "having a boss and team who back you up",
    "independence": "deciding how to do your own work",
}
_VALUE_ES: Final = {
    "achievement": "usar tus habilidades y ver resultados",
    "working_conditions": "buen sueldo, trabajo estable y un buen lugar de trabajo",
    "recognition": "que noten tu trabajo y poder avanzar",
    "relationships": "trabajar con gente amable y ayudar a otros",
    "support": "tener jefes y compañeros que te apoyen",
    "independence": "decidir cómo hacer tu propio trabajo",
}


@dataclass(frozen=True)
class Reason:
    """One factor's effect on an occupation's score, with a one-sentence reason in two languages."""

    factor: str
    weight: float
    text: str
    text_es: str

    def to_dict(self) -> dict[str, str | float]:
        """JSON-safe form."""
        return {"factor": self.factor, "weight": self.weight, "text": self.text, "es": self.text_es}


def measure_factor_weights(
    students: StudentBatch,
    occupations: OccupationArrays,
    occupation_index: Sequence[int],
    score_fit: Callable[[F32], F32],
    ranked: RankedOccupations,
    policy: RankingPolicy,
) -> dict[str, F32]:
    """Per factor: score minus score with that factor neutral, per occupation (score points)."""
    if students.size != 1:
        raise ValueError(f"explanations are for one student at a time, got {students.size}")
    idx = np.asarray(occupation_index, dtype=np.int64)
    fit = ranked.fit[idx]
    weights: dict[str, F32] = {}
    # every neutral variant in one batch: one feature build and one model call, not one each
    variants = [neutralise_students(students, factor) for factor in STUDENT_FACTORS]
    stacked = StudentBatch(
        interests=np.concatenate([v.interests for v in variants]),
        interests_se=np.concatenate([v.interests_se for v in variants]),
        work_values=np.concatenate([v.work_values for v in variants]),
        work_values_se=np.concatenate([v.work_values_se for v in variants]),
        aptitudes=np.concatenate([v.aptitudes for v in variants]),
        aptitudes_se=np.concatenate([v.aptitudes_se for v in variants]),
        plans=tuple(p for v in variants for p in v.plans),
    )
    rows = np.repeat(np.arange(len(variants), dtype=np.int64), idx.size)
    fit_neutral = score_fit(
        build_pair_features_batch(stacked, occupations, rows, np.tile(idx, len(variants)))
    ).reshape(len(variants), idx.size)
    for v, factor in enumerate(STUDENT_FACTORS):
        weights[factor] = (policy.fit_weight * (fit - fit_neutral[v])).astype(np.float32)
    demand_neutral = policy.demand_weight * NEUTRAL_PERCENTILE
    weights["demand"] = (ranked.demand_part[idx] + ranked.boost_part[idx] - demand_neutral).astype(
        np.float32
    )
    weights["wage"] = (ranked.wage_part[idx] - policy.wage_weight * NEUTRAL_PERCENTILE).astype(
        np.float32
    )
    return weights


def _top_interests(students: StudentBatch) -> tuple[str, ...]:
    """The student's top areas: up to three, well above their own mean, highest first."""
    s = students.interests[0].astype(np.float64)
    spread = float(s.max() - s.min())
    if spread < FLAT_INTEREST_SPREAD:
        return ()
    order = np.argsort(-s, kind="stable")
    floor = float(s.mean()) + 0.25 * spread
    return tuple(RIASEC[i] for i in order[:3] if s[i] >= floor)


def job_high_points(occ_riasec: npt.ArrayLike) -> tuple[str, ...]:
    """The job's high-point letters: up to three above its own mean level, highest first (ties in
    RIASEC order)."""
    r = np.asarray(occ_riasec, dtype=np.float64)
    order = np.argsort(-r, kind="stable")
    mean = float(r.mean())
    return tuple(RIASEC[i] for i in order[:3] if r[i] > mean)


def _join_areas(areas: Sequence[str], lang: str) -> str:
    names = {k: v.lower() for k, v in RIASEC_EVERYDAY_NAMES[lang].items()}
    if len(areas) == 1:
        return names[areas[0]]
    word = " and " if lang == "en" else " y "
    return ", ".join(names[a] for a in areas[:-1]) + "," + word + names[areas[-1]]


def _sentence_interests(weight: float, students: StudentBatch, occ_riasec: F32) -> tuple[str, str]:
    student_top = _top_interests(students)
    job_top = job_high_points(occ_riasec) or (RIASEC[int(np.argmax(occ_riasec))],)
    shared = tuple(a for a in student_top if a in job_top)
    main_en = _join_areas(job_top[:1], "en")
    main_es = _join_areas(job_top[:1], "es")
    if not student_top:
        return (
            "You liked most kinds of work about the same, so your interests do not point "
            "to this job or away from it.",
            "Te gustaron casi todos los tipos de trabajo por igual, así que tus intereses "
            "no te acercan ni te alejan de este empleo.",
        )
    if weight <= -SMALL_WEIGHT:
        return (
            f"This job is mostly {main_en}, which is not one of the things you like most.",
            f"Este empleo trata sobre todo de {main_es}, y eso no es lo que más te gusta.",
        )
    if shared:
        en, es = _join_areas(shared, "en"), _join_areas(shared, "es")
        if len(shared) == 1:
            return (
                f"This job is a lot of {en}, one of the things you like most.",
                f"Este empleo tiene mucho de {es}, una de las cosas que más te gustan.",
            )
        return (
            f"This job mixes things you like most: {en}.",
            f"Este empleo junta cosas que más te gustan: {es}.",
        )
    return (
        f"This job is mostly {main_en}; that is not one of your top interests, so the match "
        "is weak.",
        f"Este empleo trata sobre todo de {main_es}; no está entre lo que más te gusta, así que "
        "coincide poco contigo.",
    )


def _sentence_aptitudes(
    weight: float, students: StudentBatch, demand: npt.NDArray[np.float64]
) -> tuple[str, str]:
    apt = students.aptitudes[0]
    known = np.isfinite(apt)
    if not known.any():
        return (
            "We have no skill scores for you yet, so skills did not count here.",
            "Aún no tenemos tus resultados de habilidades, así que no contaron aquí.",
        )
    needed = int(np.argmax(np.where(known, demand, -np.inf)))
    best = int(np.argmax(np.where(known, apt, -np.inf)))
    if weight >= SMALL_WEIGHT:
        name = APTITUDES[best]
        return (
            f"Your strength in {_APTITUDE_EN[name]} fits the skills this job uses.",
            f"Tu fuerza en {_APTITUDE_ES[name]} encaja con lo que pide este empleo.",
        )
    if weight <= -SMALL_WEIGHT:
        name = APTITUDES[needed]
        return (
            f"This job uses a lot of {_APTITUDE_EN[name]}; practice can build that skill.",
            f"Este empleo usa mucho {_APTITUDE_ES[name]}; con práctica puedes mejorar.",
        )
    return (
        "Your skill scores are about what this job asks for.",
        "Tus habilidades están más o menos al nivel que pide este empleo.",
    )


def _sentence_values(weight: float, students: StudentBatch) -> tuple[str, str]:
    top = WORK_VALUES[int(np.argmax(students.work_values[0]))]
    if weight >= SMALL_WEIGHT:
        return (
            f"It offers something you said matters to you: {_VALUE_EN[top]}.",
            f"Ofrece algo que dijiste que te importa: {_VALUE_ES[top]}.",
        )
    if weight <= -SMALL_WEIGHT:
        return (
            "It may not give you what you said matters most to you at work.",
            "Puede que no te dé lo que dijiste que más te importa en un trabajo.",
        )
    return (
        "What you want from a job neither helps nor hurts the match here.",
        "Lo que buscas en un trabajo no cambia mucho la coincidencia aquí.",
    )


def _sentence_education(weight: float, plan: str) -> tuple[str, str]:
    if plan == "undecided":
        return (
            "You have not picked a plan after high school yet, so training did not count.",
            "Aún no eliges un plan después de la prepa, así que la preparación no contó.",
        )
    if weight >= SMALL_WEIGHT:
        return (
            "The training this job needs fits your plan after high school.",
            "La preparación que pide este empleo encaja con tu plan después de la prepa.",
        )
    if weight <= -SMALL_WEIGHT:
        return (
            "This job usually needs a different amount of training than your plan.",
            "Este empleo suele pedir una preparación distinta a la de tu plan.",
        )
    return (
        "Your plan after high school works for this job.",
        "Tu plan después de la prepa funciona para este empleo.",
    )


def _sentence_demand(weight: float, high_value: bool) -> tuple[str, str]:
    if high_value and weight > 0:
        return (
            "Employers in your region need people for this job and it pays well there.",
            "En tu región buscan gente para este empleo y ahí paga bien.",
        )
    if weight >= SMALL_WEIGHT:
        return (
            "Many people do this job in your region, so there are openings near you.",
            "Mucha gente tiene este empleo en tu región, así que hay vacantes cerca.",
        )
    if weight <= -SMALL_WEIGHT:
        return (
            "Only a few people do this job in your region right now.",
            "Por ahora poca gente tiene este empleo en tu región.",
        )
    return (
        "This job is about as common in your region as most jobs.",
        "Este empleo es tan común en tu región como la mayoría.",
    )


def _sentence_wage(weight: float) -> tuple[str, str]:
    if weight >= SMALL_WEIGHT:
        return (
            "It pays more than most jobs in your region.",
            "Paga más que la mayoría de los empleos en tu región.",
        )
    if weight <= -SMALL_WEIGHT:
        return (
            "It pays less than most jobs in your region, at least when you start.",
            "Paga menos que la mayoría de los empleos en tu región, al menos al empezar.",
        )
    return (
        "It pays about the middle for your region.",
        "Paga más o menos lo normal en tu región.",
    )


def explain_occupations(
    students: StudentBatch,
    occupations: OccupationArrays,
    occupation_index: Sequence[int],
    score_fit: Callable[[F32], F32],
    ranked: RankedOccupations,
    policy: RankingPolicy,
) -> tuple[tuple[Reason, ...], ...]:
    """Reasons for each listed occupation, largest |weight| first (ties in REASON_FACTORS order)."""
    weights = measure_factor_weights(
        students, occupations, occupation_index, score_fit, ranked, policy
    )
    plan = students.plans[0]
    result: list[tuple[Reason, ...]] = []
    for pos, occ in enumerate(occupation_index):
        reasons: list[Reason] = []
        for factor in REASON_FACTORS:
            w = float(weights[factor][pos])
            if factor == "interests":
                occ_riasec = occupations.riasec[occ].astype(np.float32)
                en, es = _sentence_interests(w, students, occ_riasec)
            elif factor == "aptitudes":
                en, es = _sentence_aptitudes(w, students, occupations.aptitude_demand[occ])
            elif factor == "values":
                en, es = _sentence_values(w, students)
            elif factor == "education":
                en, es = _sentence_education(w, plan)
            elif factor == "demand":
                en, es = _sentence_demand(w, bool(ranked.high_value[occ]))
            else:
                en, es = _sentence_wage(w)
            reasons.append(Reason(factor=factor, weight=w, text=en, text_es=es))
        order = sorted(range(len(reasons)), key=lambda i: (-abs(reasons[i].weight), i))
        result.append(tuple(reasons[i] for i in order))
    return tuple(result)
