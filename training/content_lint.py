"""Keyword lints for instrument text: PPRA-protected topics and gendered wording (en and es).

The Protection of Pupil Rights Amendment names eight topics a survey may not ask about without
consent. The lists below catch words that would put an item on one of those topics; a hit is a
reason to rewrite the item, never to keep it. The gendered-word lists catch pronouns, gendered
nouns and job titles that carry a gender (``fireman``, ``enfermera``), which the instrument avoids
by describing activities with verbs rather than people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

PPRA_TOPICS: Final = (
    "political_affiliation",
    "mental_or_psychological_problems",
    "sex_behavior_or_attitudes",
    "illegal_antisocial_or_self_incriminating_behavior",
    "critical_appraisal_of_family",
    "privileged_relationships",
    "religious_practices_or_beliefs",
    "income",
)

# Terms are matched as whole words or word starts (a trailing '*' allows any ending), after
# lower-casing and removing accents.
_PPRA_TERMS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "en": {
        "political_affiliation": (
            "politic*",
            "democrat*",
            "republican*",
            "liberal*",
            "conservative*",
            "vote*",
            "voting",
            "election*",
            "campaign*",
            "party",
            "parties",
        ),
        "mental_or_psychological_problems": (
            "depress*",
            "anxi*",
            "mental*",
            "psych*",
            "therap*",
            "suicid*",
            "sad",
            "lonely",
            "stress*",
            "worr*",
            "afraid",
            "fear*",
            "counsel*",
        ),
        "sex_behavior_or_attitudes": (
            "sex*",
            "dating",
            "boyfriend*",
            "girlfriend*",
            "pregnan*",
            "romanc*",
            "kiss*",
            "attract*",
        ),
        "illegal_antisocial_or_self_incriminating_behavior": (
            "drug*",
            "alcohol*",
            "drink*",
            "beer",
            "smok*",
            "vap*",
            "steal*",
            "stole*",
            "crime*",
            "criminal*",
            "arrest*",
            "jail*",
            "gang*",
            "fight*",
            "weapon*",
            "gun*",
            "cheat*",
            "illegal*",
            "shoplift*",
            "vandal*",
        ),
        "critical_appraisal_of_family": (
            "parent*",
            "mother*",
            "father*",
            "mom*",
            "dad*",
            "brother*",
            "sister*",
            "sibling*",
            "family",
            "families",
            "household*",
            "guardian*",
            "stepparent*",
        ),
        "privileged_relationships": (
            "lawyer*",
            "attorney*",
            "pastor*",
            "minister*",
            "priest*",
            "clergy",
            "confess*",
            "confidential*",
            "therapist*",
            "psychiatrist*",
        ),
        "religious_practices_or_beliefs": (
            "relig*",
            "church*",
            "pray*",
            "god",
            "gods",
            "faith*",
            "bible*",
            "worship*",
            "mosque*",
            "temple*",
            "synagogue*",
            "spiritual*",
            "belie*",
        ),
        "income": (
            "income*",
            "salary",
            "salaries",
            "wage*",
            "paycheck*",
            "poor",
            "poverty",
            "rich",
            "welfare",
            "food stamp*",
            "snap",
            "free lunch*",
            "afford*",
        ),
    },
    "es": {
        "political_affiliation": (
            "politic*",
            "democrata*",
            "republican*",
            "liberal*",
            "conservador*",
            "vot*",
            "eleccion*",
            "campana*",
            "partido*",
        ),
        "mental_or_psychological_problems": (
            "depres*",
            "ansi*",
            "mental*",
            "psic*",
            "terapi*",
            "suicid*",
            "triste*",
            "soledad*",
            "solitari*",
            "estres*",
            "preocup*",
            "miedo*",
            "temor*",
        ),
        "sex_behavior_or_attitudes": (
            "sex*",
            "novio*",
            "novia*",
            "cita*",
            "embaraz*",
            "romanc*",
            "beso*",
            "besar*",
            "atraccion*",
        ),
        "illegal_antisocial_or_self_incriminating_behavior": (
            "droga*",
            "alcohol*",
            "beber",
            "cerveza*",
            "fumar*",
            "vape*",
            "robar*",
            "robo*",
            "crimen*",
            "criminal*",
            "delito*",
            "arrest*",
            "carcel*",
            "pandilla*",
            "pelea*",
            "arma*",
            "pistola*",
            "tramp*",
            "ilegal*",
            "vandal*",
        ),
        "critical_appraisal_of_family": (
            "padre*",
            "madre*",
            "papa",
            "mama",
            "herman*",
            "familia*",
            "hogar*",
            "tutor*",
            "padrastro*",
            "madrastra*",
        ),
        "privileged_relationships": (
            "abogad*",
            "pastor*",
            "ministro*",
            "sacerdote*",
            "cura",
            "clero",
            "confes*",
            "confidencial*",
            "terapeuta*",
            "psiquiatra*",
        ),
        "religious_practices_or_beliefs": (
            "relig*",
            "iglesia*",
            "rezar",
            "reza*",
            "orar",
            "dios*",
            "fe",
            "biblia*",
            "culto*",
            "mezquita*",
            "templo*",
            "sinagoga*",
            "espiritual*",
            "creencia*",
            "creer",
        ),
        "income": (
            "ingreso*",
            "salario*",
            "sueldo*",
            "pobre*",
            "pobreza",
            "rico*",
            "rica*",
            "asistencia social",
            "cupones de comida",
            "almuerzo gratis",
            "alcanzar el dinero",
        ),
    },
}

_GENDERED_TERMS: Final[Mapping[str, tuple[str, ...]]] = {
    "en": (
        "he",
        "she",
        "him",
        "her",
        "his",
        "hers",
        "himself",
        "herself",
        "man",
        "men",
        "woman",
        "women",
        "boy*",
        "girl*",
        "guy*",
        "gal*",
        "lady",
        "ladies",
        "gentlem*",
        "male*",
        "female*",
        "son",
        "sons",
        "daughter*",
        "fireman",
        "firemen",
        "policeman",
        "policemen",
        "salesman",
        "salesmen",
        "businessman",
        "businessmen",
        "chairman",
        "repairman",
        "mailman",
        "workman",
        "foreman",
        "cameraman",
        "fisherman",
        "fishermen",
        "craftsman",
        "tradesman",
        "stewardess*",
        "waitress*",
        "actress*",
        "seamstress*",
        "hostess*",
        "housewife",
        "manpower",
        "manmade",
        "man-made",
    ),
    "es": (
        "ella",
        "ellas",
        "ellos",
        "hombre*",
        "mujer*",
        "nino*",
        "nina*",
        "chico*",
        "chica*",
        "muchacho*",
        "muchacha*",
        "senor*",
        "senora*",
        "caballero*",
        "dama*",
        "hijo*",
        "hija*",
        "enfermer*",
        "doctor*",
        "doctora*",
        "medico*",
        "medica*",
        "maestro*",
        "maestra*",
        "profesor*",
        "profesora*",
        "ingenier*",
        "abogad*",
        "vendedor*",
        "trabajador*",
        "obrero*",
        "obrera*",
        "jefe*",
        "jefa*",
        "granjer*",
        "pescador*",
        "cocinero*",
        "cocinera*",
        "mesero*",
        "mesera*",
        "bombero*",
        "bombera*",
        "policia*",
        "soldado*",
        "conocido*",
        "conocida*",
        "compañero*",
        "companero*",
        "companera*",
    ),
}


def _fold(text: str) -> str:
    """Lower-case and strip accents so lists can be written once."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for t in terms:
        t = _fold(t)
        body = re.escape(t.rstrip("*"))
        parts.append(rf"\b{body}\w*" if t.endswith("*") else rf"\b{body}\b")
    return re.compile("|".join(parts))


_PPRA_PATTERNS: Final = {
    lang: {topic: _pattern(terms) for topic, terms in topics.items()}
    for lang, topics in _PPRA_TERMS.items()
}
_GENDER_PATTERNS: Final = {lang: _pattern(terms) for lang, terms in _GENDERED_TERMS.items()}


def find_ppra_terms(text: str, language: str) -> tuple[tuple[str, str], ...]:
    """Return (topic, matched word) for each PPRA keyword hit in text; empty when clean."""
    folded = _fold(text)
    hits: list[tuple[str, str]] = []
    for topic, pattern in _PPRA_PATTERNS[language].items():
        hits.extend((topic, m.group(0)) for m in pattern.finditer(folded))
    return tuple(hits)


_EL_PRONOUN: Final = re.compile(r"\bél\b")


def find_gendered_terms(text: str, language: str) -> tuple[str, ...]:
    """Return each gendered word or gendered job title found in text; empty when clean."""
    hits = [m.group(0) for m in _GENDER_PATTERNS[language].finditer(_fold(text))]
    if language == "es":  # the pronoun 'él' differs from the article 'el' only by its accent
        hits.extend(m.group(0) for m in _EL_PRONOUN.finditer(text.lower()))
    return tuple(hits)
