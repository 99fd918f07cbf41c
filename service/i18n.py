"""Messages shown to people: one gettext catalogue per language under ``service/locales``.

Templates mark every user-visible message with ``{{ _("…") }}`` (named placeholders:
``{{ _("Grade %(grade)s", grade=student.grade) }}``, a literal percent sign written ``%%``) or
``{% trans %}``; Python code marks a message it hands to a template with :func:`N_` and the
template renders it with ``{{ _(message) }}``.

The catalogues are the ``.po`` files themselves, read once at startup with Babel
(``service/locales/<lang>/LC_MESSAGES/messages.po``); nothing compiled is committed, so a
translator's edit is live on the next start. A language is available when its folder holds a
``messages.po``: adding a third language is adding that file. ``messages.pot`` beside them is the
template that ``pathways messages extract`` writes from the sources (see ``babel.cfg``).
"""

from __future__ import annotations

import functools
import io
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from markupsafe import Markup

from recommender.school_years import TIME_ZONE

LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
SOURCE_ROOT: Final = Path(__file__).resolve().parents[1]
MAPPING_FILE: Final = LOCALES_DIR / "babel.cfg"
POT_FILE: Final = LOCALES_DIR / "messages.pot"
DOMAIN: Final = "messages"
DEFAULT_LANGUAGE: Final = "en"
#: The Python names and Jinja calls that mark a message (``babel`` keyword spec).
KEYWORDS: Final[dict[str, Any]] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_in": (2,),
}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated where it is rendered."""
    return message


class Message(str):
    """A catalogue message with its named values, made where the words are chosen and
    translated where they are shown: as a ``str`` it is the English text (the JSON API, logs,
    the command line); ``{{ _(message) }}`` renders it in the page's language, translating any
    value that is itself a :class:`Message` (a field's label). Write
    ``Message(N_("%(label)s: type it in."), label=Message(N_("First name")))``."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        self = super().__new__(cls, _format(msgid, False, params))
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> Any:
        return (_make_message, (self.msgid, self.params))


def _make_message(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


#: Catalogue words the pages show as they are stored (``recommender.catalogue.EDUCATION_LEVELS``,
#: the BLS typical entry education), marked here so that ``{{ _(o.education) }}`` finds them;
#: tests/service/test_messages.py fails when the two lists drift apart.
EDUCATION_LEVEL_MESSAGES: Final = (
    N_("No formal educational credential"),
    N_("High school diploma or equivalent"),
    N_("Some college, no degree"),
    N_("Postsecondary nondegree award"),
    N_("Associate's degree"),
    N_("Bachelor's degree"),
    N_("Master's degree"),
    N_("Doctoral or professional degree"),
)
#: The College Scorecard credential levels (``recommender.training_routes.CREDENTIAL_LEVELS``,
#: by code), marked so that pages can show a route's credential in the reader's language;
#: tests/service/test_messages.py fails when the two drift apart.
CREDENTIAL_LEVEL_MESSAGES: Final = {
    1: N_("Undergraduate certificate or diploma"),
    2: N_("Associate's degree"),
    3: N_("Bachelor's degree"),
    4: N_("Post-baccalaureate certificate"),
    5: N_("Master's degree"),
    6: N_("Doctoral degree"),
    7: N_("First professional degree"),
    8: N_("Graduate or professional certificate"),
    99: N_("Non-credential"),
}


def po_path(language: str, directory: Path = LOCALES_DIR) -> Path:
    """Where ``language``'s catalogue lives under ``directory``."""
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path) -> Catalog:
    """One ``.po`` (or ``.pot``) file as a Babel catalogue."""
    with path.open("rb") as f:
        return read_po(f, domain=DOMAIN)


def _translations_of(catalog: Catalog) -> Translations:
    """A gettext ``Translations`` object from a catalogue, without writing a ``.mo`` to disk."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


class Catalogues:
    """Every language's translations in one locales folder: the languages are known at once,
    each catalogue is read the first time it is asked for (a page or a reason in that
    language), then shared."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.directory = directory
        self._files = {
            po.parents[1].name: po for po in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
        }
        self._by_language: dict[str, NullTranslations] = {}
        self._reading = threading.Lock()

    @property
    def languages(self) -> tuple[str, ...]:
        """The available language codes, English first."""
        rest = sorted(code for code in self._files if code != DEFAULT_LANGUAGE)
        return (DEFAULT_LANGUAGE, *rest)

    def translations(self, language: str) -> NullTranslations:
        """``language``'s translations (English for a language without a catalogue)."""
        if language not in self._files:
            language = DEFAULT_LANGUAGE
        found = self._by_language.get(language)
        if found is None:
            with self._reading:
                found = self._by_language.get(language)
                if found is None:
                    po = self._files.get(language)
                    found = NullTranslations() if po is None else _translations_of(read_catalog(po))
                    self._by_language[language] = found
        return found


@functools.lru_cache(maxsize=1)
def catalogues() -> Catalogues:
    """The shipped catalogues (``service/locales``), read on first use."""
    return Catalogues()


def available_languages() -> tuple[str, ...]:
    """The language codes pages can be shown in ('en' first)."""
    return catalogues().languages


def _format(text: str, autoescape: bool, variables: Mapping[str, Any]) -> str:
    """Jinja's newstyle rule: the message is always %-formatted (``%%`` is a literal percent).
    A message made at run time (``_(message)`` of text that never was a msgid, such as a title
    with a name in it) may hold a lone ``%``; with no parameters it is shown as it is."""
    if autoescape:
        text = Markup(text)
    try:
        return text % variables
    except (ValueError, TypeError, KeyError):
        if variables:
            raise
        return text


def _translated_text(text: str, values: Mapping[str, Any]) -> str:
    """A translated message with its values, as plain text (a parameter of another message)."""
    return _format(text, False, values)


def template_callables(translations: NullTranslations) -> dict[str, Callable[..., str]]:
    """``_``, ``gettext``, ``ngettext`` bound to one language, with Jinja's newstyle semantics
    (named ``%(name)s`` parameters; under autoescape the message is markup and the parameters
    are escaped), to pass in one request's template context so languages never mix."""

    def in_language(message: Message) -> tuple[str, dict[str, Any]]:
        values = {
            k: _translated_text(*in_language(v)) if isinstance(v, Message) else v
            for k, v in message.params.items()
        }
        return translations.gettext(message.msgid), values

    @pass_context
    def gettext(context: Any, __message: str, **variables: Any) -> str:
        if isinstance(__message, Message):
            text, values = in_language(__message)
            return _format(text, context.eval_ctx.autoescape, {**values, **variables})
        text = translations.gettext(__message)
        return _format(text, context.eval_ctx.autoescape, in_words(variables))

    def in_words(variables: dict[str, Any]) -> dict[str, Any]:
        """Parameters that are messages (a field's label), translated."""
        return {
            k: _translated_text(*in_language(v)) if isinstance(v, Message) else v
            for k, v in variables.items()
        }

    @pass_context
    def ngettext(context: Any, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        variables.setdefault("num", __num)
        text = translations.ngettext(__singular, __plural, __num)
        return _format(text, context.eval_ctx.autoescape, in_words(variables))

    @pass_context
    def pgettext(context: Any, __ctx: str, __message: str, **variables: Any) -> str:
        text = str(translations.pgettext(__ctx, __message))
        return _format(text, context.eval_ctx.autoescape, variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "pgettext": pgettext}


@pass_context
def gettext_in(context: Any, __language: str, __message: str, **variables: Any) -> str:
    """``{{ _in(lang, "…") }}``: a message in a named language, for a page that shows several
    languages side by side (the 503 page); newstyle like ``_``."""
    text = catalogues().translations(__language).gettext(__message)
    return _format(text, context.eval_ctx.autoescape, variables)


def check_family_language(code: str | None) -> str | None:
    """``code`` when it names a language with a message catalogue (None: not set), else
    ``ValueError`` naming the languages there are."""
    if code is None or code == "":
        return None
    if code not in available_languages():
        have = ", ".join(available_languages())
        raise ValueError(f"no catalogue for {code!r}; have {have}")
    return code


def translate(language: str, message: str, **variables: Any) -> str:
    """``message`` in ``language`` outside a template (plain text, named parameters)."""
    text = catalogues().translations(language).gettext(message)
    return _format(text, False, variables)


def language_name(language: str) -> str:
    """A language's name in itself, capitalised ('English', 'Español'), for language links."""
    name = babel_locale(language).get_language_name(language) or language
    return name[:1].upper() + name[1:]


# --- numbers, money and dates by locale --------------------------------------------------------


@functools.lru_cache(maxsize=32)
def babel_locale(language: str) -> Locale:
    """The Babel locale of a page language: the US variant when Babel has one (en_US, es_US);
    parsed once per language (a ``Locale`` is not changed by its users)."""
    for name in (f"{language}_US", language, "en_US"):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en_US")


def _language_of(context: Any) -> str:
    return str(context.get("page_lang") or context.get("lang") or DEFAULT_LANGUAGE)


@pass_context
def number_filter(context: Any, value: float | int | Decimal, digits: int = 0) -> str:
    """``{{ n|number }}``: grouped digits in the page's locale (``digits`` after the point)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=babel_locale(_language_of(context)))


@pass_context
def money_filter(context: Any, value: float | int | Decimal, cents: bool = False) -> str:
    """``{{ wage|money }}``: US dollars in the page's locale, whole dollars unless ``cents``."""
    locale = babel_locale(_language_of(context))
    if cents:
        return format_currency(value, "USD", locale=locale)
    return format_currency(value, "USD", format="¤#,##0", locale=locale, currency_digits=False)


@pass_context
def date_filter(context: Any, value: date | datetime, form: str = "long") -> str:
    """``{{ day|date }}``: a date in the page's locale (a datetime is first put in Mississippi
    time, so a plan saved late in the evening shows the evening's date)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TIME_ZONE)
        value = value.date()
    return format_date(value, format=form, locale=babel_locale(_language_of(context)))


@pass_context
def datetime_filter(context: Any, value: datetime, form: str = "medium") -> str:
    """``{{ moment|datetime }}``: date and time in Mississippi time, in the page's locale."""
    return format_datetime(
        value, format=form, tzinfo=TIME_ZONE, locale=babel_locale(_language_of(context))
    )


@pass_context
def time_filter(context: Any, value: datetime, form: str = "short") -> str:
    """``{{ moment|time }}``: the time of day in Mississippi time, in the page's locale."""
    shown = format_time(
        value, format=form, tzinfo=TIME_ZONE, locale=babel_locale(_language_of(context))
    )
    return shown.replace("\u202f", " ")  # CLDR's narrow space before AM/PM: a plain one


FILTERS: Final[dict[str, Callable[..., str]]] = {
    "number": number_filter,
    "money": money_filter,
    "date": date_filter,
    "datetime": datetime_filter,
    "time": time_filter,
}


# --- extraction and checks (``pathways messages``) ---------------------------------------------


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING_FILE.open(encoding="utf-8") as f:
        found: tuple[list[tuple[str, str]], dict[str, dict[str, str]]]
        found = parse_mapping_cfg(f, filename=str(MAPPING_FILE))  # type: ignore[no-untyped-call]
        return found


#: The top-level folders ``babel.cfg`` names; the walk skips data, models and the rest.
_SOURCE_FOLDERS: Final = ("service", "recommender")


def _only_sources(dirpath: str | os.PathLike[str]) -> bool:
    parts = Path(dirpath).parts
    top = Path(dirpath).relative_to(SOURCE_ROOT).parts if Path(dirpath).is_absolute() else parts
    name = parts[-1] if parts else ""
    if name.startswith((".", "_")) and name != "__pycache__":
        return False
    return not top or top[0] in _SOURCE_FOLDERS


def extract_messages(root: Path = SOURCE_ROOT) -> Catalog:
    """Every marked message in the sources ``babel.cfg`` names, as a fresh template catalogue."""
    method_map, options_map = _method_map()
    template = Catalog(project="Pathways", domain=DOMAIN, charset="utf-8")
    template.header_comment = "# Pathways messages: extracted by `pathways messages extract`."
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        directory_filter=_only_sources,
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def _ids(catalog: Iterable[Any]) -> set[Any]:
    return {m.id for m in catalog if m.id}


def catalogue_problems(template: Catalog, directory: Path = LOCALES_DIR) -> dict[str, list[str]]:
    """Per language: what its ``.po`` lacks, keeps after the sources dropped it, or leaves
    untranslated (English needs no translations; its msgstr may stay empty)."""
    problems: dict[str, list[str]] = {}
    wanted = _ids(template)
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parents[1].name
        catalog = read_catalog(po)
        have = _ids(catalog)
        found = [f"missing: {_show(m)}" for m in sorted(wanted - have, key=str)]
        found += [f"obsolete: {_show(m)}" for m in sorted(have - wanted, key=str)]
        if language != DEFAULT_LANGUAGE:
            for m in catalog:
                if m.id and m.id in wanted and not _translated(m.string):
                    found.append(f"untranslated: {_show(m.id)}")
                if m.id and m.fuzzy and m.id in wanted:
                    found.append(f"fuzzy: {_show(m.id)}")
        problems[language] = found
    return problems


def _translated(string: Any) -> bool:
    if isinstance(string, (tuple, list)):
        return all(bool(s) for s in string)
    return bool(string)


def _show(msgid: Any) -> str:
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return repr(text if len(text) <= 70 else text[:67] + "…")


def update_catalogues(template: Catalog, directory: Path = LOCALES_DIR) -> dict[str, int]:
    """Write ``messages.pot`` and bring each language's ``.po`` up to date with it (new messages
    added untranslated, dropped ones removed, translations kept); returns messages per file."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "messages.pot").open("wb") as f:
        write_po(f, template, width=100, sort_output=True, omit_header=False)
    counts: dict[str, int] = {}
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read_catalog(po)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=True, ignore_obsolete=True)
        counts[po.parents[1].name] = len(catalog)
    return counts


def translated_share(language: str, directory: Path = LOCALES_DIR) -> tuple[int, int]:
    """(translated, total) messages in ``language``'s ``.po``."""
    catalog = read_catalog(po_path(language, directory))
    ids = [m for m in catalog if m.id]
    return sum(1 for m in ids if _translated(m.string) and not m.fuzzy), len(ids)
