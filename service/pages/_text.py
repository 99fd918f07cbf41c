"""The page language (cookie and choice) and the aptitude chart names (catalogue messages)."""

from __future__ import annotations

from typing import Final

from service.i18n import N_, available_languages

LANGUAGES: Final = ("en", "es")
LANG_COOKIE: Final = "pathways_lang"

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
