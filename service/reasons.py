"""Reasons rendered in the reader's language from their message id and typed parameters.

``recommender.explain`` gives each reason a ``message_id`` (the English sentence, with named
``%(name)s`` placeholders, in the service's message catalogue) and ``params``, each one of:

* ``{"message": msgid, "params": {...}}``: a message (a name, a phrase) rendered in the language;
* ``{"list": [param, ...]}``: parameters joined ("a, b, and c" / "a, b, y c");
* ``{"money": 45000.0}``: US dollars, whole dollars, in the language's locale;
* ``{"number": 100}``: a number with grouped digits in the language's locale;
* ``{"text": "…", "text_es": "…"}``: a name shown as it is (a catalogue title), in the
  reader's language where the catalogue has it (``text_<language>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_currency, format_decimal

from service.i18n import N_, babel_locale, catalogues

#: How a list of two or more names ends ("a, b, and c").
LIST_END = N_("%(items)s, and %(last)s")


def _value(param: Any, language: str) -> str:
    if not isinstance(param, Mapping):
        return str(param)
    locale = babel_locale(language)
    if "message" in param:
        return render_message(str(param["message"]), param.get("params") or {}, language)
    if "list" in param:
        items = [_value(p, language) for p in param["list"]]
        if len(items) < 2:
            return "".join(items)
        text = catalogues().translations(language).gettext(LIST_END)
        return text % {"items": ", ".join(items[:-1]), "last": items[-1]}
    if "money" in param:
        return format_currency(
            param["money"], "USD", format="¤#,##0", locale=locale, currency_digits=False
        )
    if "number" in param:
        return format_decimal(param["number"], locale=locale)
    return str(param.get(f"text_{language}") or param.get("text", ""))


def render_message(message_id: str, params: Mapping[str, Any], language: str) -> str:
    """``message_id`` in ``language`` (plain text) with each typed parameter formatted there."""
    text = catalogues().translations(language).gettext(message_id)
    values = {name: _value(p, language) for name, p in params.items()}
    return text % values


def reason_text(reason: Mapping[str, Any], language: str) -> str:
    """A stored reason's sentence in ``language``: from its message id when it has one, else the
    sentence stored with it (``text`` / ``es``; results stored before reasons had message ids)."""
    message_id = reason.get("message_id")
    if message_id:
        return render_message(str(message_id), reason.get("params") or {}, language)
    return str(reason["es"] if language == "es" else reason["text"])
