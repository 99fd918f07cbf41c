"""Reasons rendered in the reader's language from their message id and typed parameters.

``recommender.explain`` gives each reason a ``message_id`` (the English sentence, with named
``%(name)s`` placeholders, in the service's message catalogue) and ``params``, each one of:

* ``{"message": msgid, "params": {...}}``: a message (a name, a phrase) rendered in the language;
* ``{"list": [param, ...]}``: parameters joined ("a and b", "a, b, and c" / "a y b", "a, b y c");
* ``{"money": 45000.0}``: US dollars, whole dollars, in the language's locale;
* ``{"number": 100}``: a number with grouped digits in the language's locale;
* ``{"occupation": "29-1141.00", "text": "Registered Nurses"}``: a name as the data gives it
  (``text``, English), shown in another language as the project's title of that catalogue
  occupation where one is written (``data/catalogue/titles_es.tsv``), else as ``text``;
* ``{"text": "…"}``: a name shown as it is (a SOC code, a span of years).

This is the one place a reason becomes words: pages and the API (``text`` in the request's
language, ``with_texts``) call ``render_message`` / ``reason_text``, and so must any command
that prints a reason (none does yet). Nothing rendered is stored; results stored in older
reason formats are still read: ``text`` / ``es`` beside a reason without a message id (formats
1-2) and ``text_es`` beside a name (format 3).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

from babel.numbers import format_currency, format_decimal

from recommender.catalogue import get_catalogue
from service.i18n import N_, babel_locale, catalogues

#: How a list of three or more names ends ("a, b, and c"; Spanish "a, b y c", no comma before y).
LIST_END = N_("%(items)s, and %(last)s")
#: How a list of two names is joined ("a and b"; Spanish "a y b").
LIST_TWO = N_("%(first)s and %(last)s")


def join_list(items: list[str], language: str) -> str:
    """``items`` joined as a sentence lists them in ``language`` ("a", "a and b", "a, b, and c")."""
    if len(items) < 2:
        return "".join(items)
    translations = catalogues().translations(language)
    if len(items) == 2:
        return translations.gettext(LIST_TWO) % {"first": items[0], "last": items[1]}
    return translations.gettext(LIST_END) % {"items": ", ".join(items[:-1]), "last": items[-1]}


@functools.lru_cache(maxsize=8192)
def _money(dollars: float, language: str) -> str:
    """Whole US dollars in the language's locale (the same wages recur in every result)."""
    return format_currency(
        dollars, "USD", format="¤#,##0", locale=babel_locale(language), currency_digits=False
    )


@functools.lru_cache(maxsize=8192)
def _number(value: float, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


def _value(param: Any, language: str) -> str:
    if not isinstance(param, Mapping):
        return str(param)
    if "message" in param:
        return render_message(str(param["message"]), param.get("params") or {}, language)
    if "list" in param:
        return join_list([_value(p, language) for p in param["list"]], language)
    if "money" in param:
        return _money(param["money"], language)
    if "number" in param:
        return _number(param["number"], language)
    if "occupation" in param:
        title = occupation_title(str(param["occupation"]), language)
        if title:
            return title
    # ``text_<language>``: a name stored beside its translation (reason format 3)
    return str(param.get(f"text_{language}") or param.get("text", ""))


def occupation_title(code: str, language: str) -> str:
    """The project's title of catalogue occupation ``code`` in ``language`` ("" when none is
    written, the code is unknown, or the language is English: English names are the data's)."""
    if language != "es":
        return ""
    catalogue = get_catalogue()
    if not catalogue.titles_es:
        return ""
    try:
        return catalogue.titles_es[catalogue.index_of(code)]
    except LookupError:
        return ""


#: The family's printed plan speaks of the student by first name (``%(name)s``), never as
#: "you": student-facing pathway sentences -> the same fact said to the family. A value's name
#: ("using your abilities…") is left out of the family's sentences.
FAMILY_MESSAGES: Final[Mapping[str, str]] = {
    "%(who)s is a lot of %(areas)s, one of the things you like most.": N_(
        "%(who)s is a lot of %(areas)s, one of the things %(name)s likes most."
    ),
    "%(who)s are a lot of %(areas)s, one of the things you like most.": N_(
        "%(who)s are a lot of %(areas)s, one of the things %(name)s likes most."
    ),
    "%(who)s involves things you like most: %(areas)s.": N_(
        "%(who)s involves things %(name)s likes most: %(areas)s."
    ),
    "%(who)s involve things you like most: %(areas)s.": N_(
        "%(who)s involve things %(name)s likes most: %(areas)s."
    ),
    "%(who)s is mostly about things that are not among your top interests.": N_(
        "%(who)s is mostly about things that are not among %(name)s's top interests."
    ),
    "%(who)s are mostly about things that are not among your top interests.": N_(
        "%(who)s are mostly about things that are not among %(name)s's top interests."
    ),
    "%(who)s fits your plan to %(plan)s.": N_("%(who)s fits %(name)s's plan to %(plan)s."),
    "%(who)s fit your plan to %(plan)s.": N_("%(who)s fit %(name)s's plan to %(plan)s."),
    "%(who)s fits your plan after high school.": N_(
        "%(who)s fits %(name)s's plan after high school."
    ),
    "%(who)s fit your plan after high school.": N_(
        "%(who)s fit %(name)s's plan after high school."
    ),
    "%(who)s usually needs more schooling or training than your plan.": N_(
        "%(who)s usually needs more schooling or training than %(name)s's plan."
    ),
    "%(who)s usually need more schooling or training than your plan.": N_(
        "%(who)s usually need more schooling or training than %(name)s's plan."
    ),
    "%(who)s usually needs less schooling or training than your plan.": N_(
        "%(who)s usually needs less schooling or training than %(name)s's plan."
    ),
    "%(who)s usually need less schooling or training than your plan.": N_(
        "%(who)s usually need less schooling or training than %(name)s's plan."
    ),
    "%(who)s pays more than the typical job in your region%(median)s.%(note)s": N_(
        "%(who)s pays more than the typical job in the region%(median)s.%(note)s"
    ),
    "%(who)s pay more than the typical job in your region%(median)s.%(note)s": N_(
        "%(who)s pay more than the typical job in the region%(median)s.%(note)s"
    ),
    "%(who)s pays less than the typical job in your region%(median)s.%(note)s": N_(
        "%(who)s pays less than the typical job in the region%(median)s.%(note)s"
    ),
    "%(who)s pay less than the typical job in your region%(median)s.%(note)s": N_(
        "%(who)s pay less than the typical job in the region%(median)s.%(note)s"
    ),
    "%(who)s is marked high value in your region.": N_(
        "%(who)s is marked high value in the region."
    ),
    "%(who)s are marked high value in your region.": N_(
        "%(who)s are marked high value in the region."
    ),
    "%(who)s has more workers in your region than most jobs we list.": N_(
        "%(who)s has more workers in the region than most jobs we list."
    ),
    "%(who)s have more workers in your region than most jobs we list.": N_(
        "%(who)s have more workers in the region than most jobs we list."
    ),
    "%(who)s has fewer workers in your region than most jobs we list.": N_(
        "%(who)s has fewer workers in the region than most jobs we list."
    ),
    "%(who)s have fewer workers in your region than most jobs we list.": N_(
        "%(who)s have fewer workers in the region than most jobs we list."
    ),
    "Your score in %(aptitude)s is above what %(who)s asks for.": N_(
        "%(name)s's score in %(aptitude)s is above what %(who)s asks for."
    ),
    "Your score in %(aptitude)s is above what %(who)s ask for.": N_(
        "%(name)s's score in %(aptitude)s is above what %(who)s ask for."
    ),
    "Your score in the skill each asks for most is above what %(who)s asks for.": N_(
        "%(name)s's score in the skill each asks for most is above what %(who)s asks for."
    ),
    "Your score in the skill each asks for most is above what %(who)s ask for.": N_(
        "%(name)s's score in the skill each asks for most is above what %(who)s ask for."
    ),
    "Your score in %(aptitude)s is below what %(who)s asks for.": N_(
        "%(name)s's score in %(aptitude)s is below what %(who)s asks for."
    ),
    "Your score in %(aptitude)s is below what %(who)s ask for.": N_(
        "%(name)s's score in %(aptitude)s is below what %(who)s ask for."
    ),
    "Your score in the skill each asks for most is below what %(who)s asks for.": N_(
        "%(name)s's score in the skill each asks for most is below what %(who)s asks for."
    ),
    "Your score in the skill each asks for most is below what %(who)s ask for.": N_(
        "%(name)s's score in the skill each asks for most is below what %(who)s ask for."
    ),
    "Usually %(education)s: %(years)s. That is more schooling than your plan to %(plan)s.": N_(
        "Usually %(education)s: %(years)s. That is more schooling than %(name)s's plan to %(plan)s."
    ),
    "Usually %(education)s: %(years)s. That is less schooling than your plan to %(plan)s.": N_(
        "Usually %(education)s: %(years)s. That is less schooling than %(name)s's plan to %(plan)s."
    ),
    **dict.fromkeys(
        (
            "%(who)s offers more of what you said matters most (%(value)s) than most jobs we list.",
            "%(who)s offers more of what you said matters most than most jobs we list.",
        ),
        N_("%(who)s offers more of what %(name)s said matters most than most jobs we list."),
    ),
    **dict.fromkeys(
        (
            "%(who)s offer more of what you said matters most (%(value)s) than most jobs we list.",
            "%(who)s offer more of what you said matters most than most jobs we list.",
        ),
        N_("%(who)s offer more of what %(name)s said matters most than most jobs we list."),
    ),
    **dict.fromkeys(
        (
            "%(who)s offers less of what you said matters most (%(value)s) than most jobs we list.",
            "%(who)s offers less of what you said matters most than most jobs we list.",
        ),
        N_("%(who)s offers less of what %(name)s said matters most than most jobs we list."),
    ),
    **dict.fromkeys(
        (
            "%(who)s offer less of what you said matters most (%(value)s) than most jobs we list.",
            "%(who)s offer less of what you said matters most than most jobs we list.",
        ),
        N_("%(who)s offer less of what %(name)s said matters most than most jobs we list."),
    ),
}


def render_message(
    message_id: str, params: Mapping[str, Any], language: str, *, family_of: str | None = None
) -> str:
    """``message_id`` in ``language`` (plain text) with each typed parameter formatted there.
    ``family_of`` (a student's first name) renders it for the family's printed plan: the
    family's message (``FAMILY_MESSAGES``), speaking of the student by name."""
    if family_of is not None:
        message_id = FAMILY_MESSAGES.get(message_id, message_id)
    text = catalogues().translations(language).gettext(message_id)
    values = {name: _value(p, language) for name, p in params.items()}
    if family_of is not None:
        values["name"] = family_of
    return text % values


def reason_text(reason: Mapping[str, Any], language: str, *, family_of: str | None = None) -> str:
    """A stored reason's (or education step's) sentence in ``language``: from its message id
    when it has one, else the sentence stored with it (``text`` / ``es``: results stored before
    reasons had message ids). ``family_of`` as for ``render_message``."""
    message_id = reason.get("message_id")
    if message_id:
        params = reason.get("params") or {}
        return render_message(str(message_id), params, language, family_of=family_of)
    return str(reason.get("es" if language == "es" else "text", ""))


def _said(item: Mapping[str, Any], language: str) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in ("text", "es")}
    out["text"] = reason_text(item, language)
    return out


def _occupation_said(occupation: Mapping[str, Any], language: str) -> dict[str, Any]:
    out = {**occupation, "reasons": [_said(r, language) for r in occupation.get("reasons", ())]}
    if occupation.get("education_step"):
        out["education_step"] = _said(occupation["education_step"], language)
    return out


def with_texts(result: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A copy of ``result`` (a recommendation as stored) with each reason's and education
    step's sentence in ``language`` as ``text``, for the API (``result`` is not changed). Only
    that language: another is another request. A side-by-side ``es`` of an older stored result
    is left out."""
    out = dict(result)
    if "occupations" in result:
        out["occupations"] = [_occupation_said(o, language) for o in result["occupations"]]
    if "pathways" in result:
        out["pathways"] = [
            {**p, "occupations": [_occupation_said(o, language) for o in p.get("occupations", ())]}
            for p in result["pathways"]
        ]
    return out
