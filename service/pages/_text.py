# ruff: noqa: E501  (one sentence per line reads better than split strings)
"""The page language (cookie and choice) and the word tables not yet in the message catalogue.

The student pages' words are catalogue messages (``service/locales``). The tables below are
read by code being converted now (``service.pages._recs``, ``coach``, ``plan_search``);
each goes when its last reader uses the catalogue.
"""

from __future__ import annotations

from typing import Final

from recommender.dimensions import RIASEC_EVERYDAY_NAMES
from service.i18n import N_, available_languages

LANGUAGES: Final = ("en", "es")
LANG_COOKIE: Final = "pathways_lang"

#: How pages label reasons: facts that speak for a job, facts to think about, neutral facts.
_REASON_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "why": "Why",
        "why_fits": "Why it fits",
        "think_about": "Things to think about",
        "other_facts": "Other facts",
        "high_value": "high value",
        "unchecked": (
            "The reasons for this result were saved before they were checked against the "
            "figures, so they are not shown; they will be when the result is next worked out."
        ),
    },
    "es": {
        "why": "Por qué",
        "why_fits": "Por qué encaja",
        "think_about": "Cosas que pensar",
        "other_facts": "Otros datos",
        "high_value": "alto valor",
        "unchecked": (
            "Las razones de este resultado se guardaron antes de compararlas con las cifras, así "
            "que no se muestran; aparecerán la próxima vez que se calcule el resultado."
        ),
    },
}

#: How a page says that an occupation's jobs and wage are its OEWS group's, not its own.
#: ``{group}`` is ``group_named`` (the group's title) or ``group_unnamed`` (its SOC code);
#: ``{size}`` is how many catalogue titles share the figures.
_GROUP_FIGURES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "group_named": "“{title}”",
        "group_unnamed": "SOC {code}",
        "group_jobs": "all jobs in the {group} group, shared by {size} job titles",
        "group_jobs_one": "all jobs in the {group} group, not this title's alone",
        "group_wage": "median of the whole {group} group",
        "group_legend": (
            "Group figure: the government publishes one count of jobs and one wage for a group of "
            "related job titles, so the figures shown are the whole group's, not this title's "
            "alone. The ranking counts an even share of the group's jobs for each title."
        ),
    },
    "es": {
        "group_named": "“{title}”",
        "group_unnamed": "SOC {code}",
        "group_jobs": "todos los empleos del grupo {group}, compartidos por {size} títulos de empleo",
        "group_jobs_one": "todos los empleos del grupo {group}, no solo de este título",
        "group_wage": "mediana de todo el grupo {group}",
        "group_legend": (
            "Cifra del grupo: el gobierno publica un solo número de empleos y un solo sueldo para "
            "un grupo de títulos de empleo parecidos, así que las cifras son de todo el grupo, no "
            "solo de este título. La clasificación cuenta para cada título una parte igual de los "
            "empleos del grupo."
        ),
    },
}

#: How a page lists where in Mississippi to train for a job (``service.pages._recs.route_view``).
_ROUTE_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "heading": "Where to train in Mississippi",
        "for_county": "Colleges for {county}: your district's community college first.",
        "for_region": "Colleges for {region}: the area's community colleges first.",
        "for_state": "Colleges across Mississippi.",
        "local": "your district's community college",
        "completers": "{n} finished it in the latest count",
        "completers_one": "1 finished it in the latest count",
        "completers_unknown": "number finishing not published",
        "earnings": "median earnings {pay}, {years} years after finishing",
        "earnings_one": "median earnings {pay}, 1 year after finishing",
        "earnings_none": "earnings not published (too few graduates)",
        "campuses": "Campuses: {list}",
        "in_county": "in your county",
        "main": "main campus",
        "more": "{n} more places",
        "more_one": "1 more place",
        "in_family": "{programme}, counted in CIP family {family}",
        "more_hidden": "and {n} more Mississippi colleges not listed here",
        "more_print": "{n} more places on the coach's page",
        "more_print_one": "1 more place on the coach's page",
        "below_usual": "a first step: less than this job usually asks",
        "above_usual": "more than this job usually asks",
        "group": "linked to the wider job group",
        "linked": "linked by the federal programme list",
        "none": "No Mississippi college lists a programme for this job in the College Scorecard data.",
        "district_without": "{college} lists none of these programmes.",
        "source": (
            "Colleges, awards and earnings: U.S. Department of Education College Scorecard, "
            "via Truewise (truewise.dev), CC BY 4.0. Programmes are grouped by 4-digit CIP "
            "family, and the data does not say which campus teaches which programme."
        ),
    },
    "es": {
        "heading": "Dónde estudiar en Mississippi",
        "for_county": "Escuelas para {county}: primero el colegio comunitario de tu distrito.",
        "for_region": "Escuelas para {region}: primero los colegios comunitarios de la zona.",
        "for_state": "Escuelas en todo Mississippi.",
        "local": "el colegio comunitario de tu distrito",
        "completers": "{n} lo terminaron en el último conteo",
        "completers_one": "1 lo terminó en el último conteo",
        "completers_unknown": "no se publicó cuántos lo terminan",
        "earnings": "ingreso mediano {pay}, {years} años después de terminar",
        "earnings_one": "ingreso mediano {pay}, 1 año después de terminar",
        "earnings_none": "ingresos no publicados (muy pocos graduados)",
        "campuses": "Sedes: {list}",
        "in_county": "en tu condado",
        "main": "sede principal",
        "more": "{n} lugares más",
        "more_one": "1 lugar más",
        "in_family": "{programme}, contado en la familia CIP {family}",
        "more_hidden": "y {n} escuelas más de Mississippi que no se muestran aquí",
        "more_print": "{n} lugares más en la página del consejero",
        "more_print_one": "1 lugar más en la página del consejero",
        "below_usual": "un primer paso: menos de lo que este empleo suele pedir",
        "above_usual": "más de lo que este empleo suele pedir",
        "group": "ligado al grupo de empleos",
        "linked": "ligado por la lista federal de programas",
        "none": (
            "Ninguna escuela de Mississippi tiene un programa para este empleo en los datos de "
            "College Scorecard."
        ),
        "district_without": "{college} no tiene ninguno de estos programas.",
        "source": (
            "Escuelas, títulos e ingresos: College Scorecard del Departamento de Educación de "
            "EE. UU., a través de Truewise (truewise.dev), CC BY 4.0. Los programas se agrupan "
            "por familia CIP de 4 dígitos (nombres en inglés), y los datos no dicen qué sede "
            "enseña cada programa."
        ),
    },
}

#: RIASEC letter -> everyday name, per language (for charts a student reads).
RIASEC_NAMES: Final = RIASEC_EVERYDAY_NAMES

#: Aptitude -> its name on charts (catalogue messages: show ``translate(language, name)``).
APTITUDE_NAMES: Final[dict[str, str]] = {
    "verbal": N_("Verbal"),
    "quantitative": N_("Number problems"),
    "spatial": N_("Turning shapes"),
    "mechanical": N_("Mechanical"),
    "perceptual_speed": N_("Checking details fast"),
}


def pick_language(value: str | None) -> str:
    """``value`` when it is a language with a message catalogue (``service.i18n``), else
    English."""
    return value if value in LANGUAGES or value in available_languages() else "en"


def _words_language(language: str) -> str:
    """The language of the word tables below: English for one that has only a catalogue."""
    return language if language in LANGUAGES else "en"


def reason_words(language: str) -> dict[str, str]:
    """The words that head and label reasons on a page, in ``language`` ('en' or 'es')."""
    return _REASON_WORDS[_words_language(pick_language(language))]


def group_figures_text(language: str) -> dict[str, str]:
    """The words that label a group's employment and wage, in ``language`` ('en' or 'es')."""
    return _GROUP_FIGURES[_words_language(pick_language(language))]


def route_words(language: str) -> dict[str, str]:
    """The words that list Mississippi training routes, in ``language`` ('en' or 'es')."""
    return _ROUTE_WORDS[_words_language(pick_language(language))]
