"""The shared vocabulary of Pathways: the dimensions every part measures or scores on.

The catalogue, the assessment, the pair features and the explanations all index arrays by
these tuples, in this order. Changing an order is a data-format change.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

#: Holland's six interest areas, in O*NET order (Element IDs 1.B.1.a-f).
RIASEC: Final = ("R", "I", "A", "S", "E", "C")
RIASEC_NAMES: Final = {
    "R": "Realistic",
    "I": "Investigative",
    "A": "Artistic",
    "S": "Social",
    "E": "Enterprising",
    "C": "Conventional",
}


def N_(message: str) -> str:
    """Mark ``message`` for the service's catalogue (``service/locales``); the recommender
    stays free of web code, so the service translates it where it is shown."""
    return message


#: Everyday names of the interest areas as students read them (pages, reasons): catalogue
#: messages in English; pages show ``_(RIASEC_EVERYDAY_NAMES[c])`` in the reader's language.
RIASEC_EVERYDAY_NAMES: Final[dict[str, str]] = {
    "R": N_("Building and fixing"),
    "I": N_("Investigating"),
    "A": N_("Creating"),
    "S": N_("Helping"),
    "E": N_("Leading and selling"),
    "C": N_("Organizing"),
}

#: Aptitude dimensions the assessment measures and the catalogue summarises from O*NET.
APTITUDES: Final = ("verbal", "quantitative", "spatial", "mechanical", "perceptual_speed")

#: The six O*NET work values (Element IDs 1.B.2.a-f), in the order used by every array.
WORK_VALUES: Final = (
    "achievement",
    "working_conditions",
    "recognition",
    "relationships",
    "support",
    "independence",
)

#: A post-secondary plan a student can choose (the type of a request's plan field).
Plan = Literal[
    "work",
    "apprenticeship_certificate",
    "community_college",
    "four_year_college",
    "military",
    "undecided",
]
#: Post-secondary plans a student can choose, in ``Plan``'s order.
PLANS: Final[tuple[str, ...]] = get_args(Plan)

#: O*NET job zones (preparation level).
JOB_ZONES: Final = (1, 2, 3, 4, 5)
