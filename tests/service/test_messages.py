"""The message catalogue: complete, in step with the sources, and the only place page text lives.

Also: each request renders in its own language, messages are autoescape-safe, numbers, money and
dates follow the locale, and a third language is only a file.
"""

from __future__ import annotations

import re
import shutil
import threading
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from jinja2 import Environment

from recommender.catalogue import EDUCATION_LEVELS
from recommender.training_routes import CREDENTIAL_LEVELS
from service.i18n import (
    CREDENTIAL_LEVEL_MESSAGES,
    EDUCATION_LEVEL_MESSAGES,
    LOCALES_DIR,
    Catalogues,
    catalogue_problems,
    catalogues,
    extract_messages,
    po_path,
    read_catalog,
    template_callables,
)
from service.pages._core import TEMPLATES_DIR, templates

#: Templates whose text is not in the catalogue yet: pages other engineers are writing now.
#: Everything else must be fully converted; a template that becomes clean must leave this list
#: (``test_the_allowlist_is_not_stale``).
NOT_YET_CONVERTED: frozenset[str] = frozenset()
PENDING = NOT_YET_CONVERTED
#: Text that is the same in every language: the product's and the licence's names.
#: The ranking metrics' names (NDCG@10, NDCG@5, MRR) are written so in every language too.
SAME_IN_EVERY_LANGUAGE = frozenset({"Pathways", "CC BY 4.0", "NDCG@10", "NDCG@5", "MRR"})
#: Attributes a person reads or hears (a screen reader reads aria-label and alt aloud).
VISIBLE_ATTRIBUTES = frozenset({"aria-label", "title", "alt", "placeholder", "aria-description"})
LETTER = re.compile(r"[^\W\d_]")
_BUTTONS = ("submit", "button", "reset")
_ATTRIBUTE = re.compile(r'([a-z][\w-]*)="([^"]*)"')
_ATTRIBUTES_ONLY = re.compile(r'^\s*([a-z][\w-]*="[^"]*"\s*)+$')


@pytest.fixture(scope="module")
def sources() -> Catalog:
    return extract_messages()


def test_every_po_holds_exactly_the_messages_of_the_sources(sources: Catalog) -> None:
    problems = catalogue_problems(sources)
    assert set(problems) >= {"en", "es"}
    stale = {
        language: [p for p in found if p.startswith(("missing", "obsolete"))]
        for language, found in problems.items()
    }
    assert stale == {language: [] for language in problems}, "run `pathways messages extract`"


def test_every_message_has_a_spanish_translation(sources: Catalog) -> None:
    """Strict for every message used outside the templates still being written."""
    spanish = read_catalog(po_path("es"))
    pending = {f"service/templates/{name}" for name in PENDING}
    missing = []
    for message in spanish:
        if not message.id or message.id not in sources:
            continue
        found = sources[message.id]
        places = {path for path, _ in found.locations} if found is not None else set()
        if places and places <= pending:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append((message.id, sorted(places)[:1]))
    assert missing == []


def test_a_missing_translation_is_reported(tmp_path: Path, sources: Catalog) -> None:
    """The check above can fail: take one translation out of a copy and it is named."""
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    po = po_path("es", tmp_path / "locales")
    catalog = read_catalog(po)
    victim = next(m for m in catalog if m.id and m.string and not isinstance(m.id, tuple))
    victim.string = ""
    with po.open("wb") as f:
        write_po(f, catalog)
    problems = catalogue_problems(sources, tmp_path / "locales")["es"]
    assert any(p.startswith("untranslated") and victim.id[:20] in p for p in problems)


class _VisibleText(HTMLParser):
    """Text a person reads in a template whose Jinja tags were replaced by blanks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden_depth += 1
        for name, value in attrs:
            shown = name in VISIBLE_ATTRIBUTES or (
                tag == "input" and name == "value" and dict(attrs).get("type") in _BUTTONS
            )
            if shown and value:
                self._keep(value, f"<{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        if _ATTRIBUTES_ONLY.match(data):  # a macro that writes attributes: check them
            self.handle_starttag("attributes", [(m[0], m[1]) for m in _ATTRIBUTE.findall(data)])
            return
        self._keep(data, "text")

    def _keep(self, text: str, where: str) -> None:
        piece = " ".join(text.split())
        left = piece
        for name in SAME_IN_EVERY_LANGUAGE:
            left = left.replace(name, "")
        if LETTER.search(left):
            self.found.append(f"{where}: {piece!r}")


def visible_text_outside_the_catalogue(source: str, env: Environment) -> list[str]:
    """Literal text of a template a person sees, with every Jinja tag, expression and comment
    taken out (each becomes a blank)."""
    pieces = []
    tokens = [(kind, value) for _, kind, value in env.lex(source) if kind != "whitespace"]
    in_class_block = False  # {% block body_class %}…{% endblock %} fills an attribute
    for i, (kind, value) in enumerate(tokens):
        if kind == "name" and tokens[i - 1][1] == "block" and value.endswith("_class"):
            in_class_block = True
        elif kind == "name" and value == "endblock":
            in_class_block = False
        pieces.append(value if kind == "data" and not in_class_block else " ")
    parser = _VisibleText()
    parser.feed("".join(pieces))
    parser.close()
    return parser.found


def test_the_scan_finds_text_outside_the_catalogue() -> None:
    env = templates.env
    source = (
        '<p>{{ _("Fine") }}</p><p>Plain words</p><img alt="A chart" src="x.png">'
        '<input placeholder="{{ _(\'ok\') }}"><script>var x = "words";</script>'
        '<a title="Help">{{ _("x") }}</a><p>{{ n }} · 12 %</p><span>Pathways</span>'
        '{% if e %} aria-invalid="true" aria-label="Wrong"{% endif %}'
    )
    found = visible_text_outside_the_catalogue(source, env)
    assert found == [
        "text: 'Plain words'",
        "<img alt>: 'A chart'",
        "<a title>: 'Help'",
        "<attributes aria-label>: 'Wrong'",
    ]


def _templates() -> list[str]:
    return sorted(p.name for p in TEMPLATES_DIR.glob("*.html"))


@pytest.mark.parametrize("name", [n for n in _templates() if n not in NOT_YET_CONVERTED])
def test_converted_template_has_no_text_outside_the_catalogue(name: str) -> None:
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert visible_text_outside_the_catalogue(source, templates.env) == []


def test_the_allowlist_is_not_stale() -> None:
    """A template on the not-yet-converted list still holds text outside the catalogue."""
    clean = []
    for name in sorted(NOT_YET_CONVERTED):
        path = TEMPLATES_DIR / name
        if path.exists() and not visible_text_outside_the_catalogue(
            path.read_text(encoding="utf-8"), templates.env
        ):
            clean.append(name)
    assert clean == [], "these are converted: take them off NOT_YET_CONVERTED"


def test_the_marked_education_levels_are_the_catalogue_s() -> None:
    assert EDUCATION_LEVEL_MESSAGES == EDUCATION_LEVELS


def test_the_marked_credential_levels_are_the_routes_and_all_in_spanish() -> None:
    assert dict(CREDENTIAL_LEVELS) == CREDENTIAL_LEVEL_MESSAGES
    spanish = catalogues().translations("es")
    for name in CREDENTIAL_LEVEL_MESSAGES.values():
        assert spanish.gettext(name) != name, name


# --- rendering -----------------------------------------------------------------------------


def _spanish_of(msgid: str) -> str:
    text = catalogues().translations("es").gettext(msgid)
    assert text != msgid, f"{msgid!r} has no Spanish translation to test with"
    return text


def test_concurrent_renders_keep_their_own_language() -> None:
    """Eight threads, alternating English and Spanish, each render 50 times: none mixes."""
    template = templates.env.from_string('{{ _("Sign in") }}|{{ _("Next steps") }}')
    expected = {
        "en": "Sign in|Next steps",
        "es": f"{_spanish_of('Sign in')}|{_spanish_of('Next steps')}",
    }
    wrong: list[str] = []
    barrier = threading.Barrier(8)

    def work(language: str) -> None:
        context = template_callables(catalogues().translations(language))
        barrier.wait()
        for _ in range(50):
            got = template.render(**context)
            if got != expected[language]:
                wrong.append(f"{language}: {got}")

    threads = [threading.Thread(target=work, args=("en" if i % 2 else "es",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_named_parameters_are_escaped_and_percent_is_literal() -> None:
    template = templates.env.from_string(
        '{{ _("Grade %(grade)s", grade=who) }} {{ _("50%% done") }} '
        '{{ ngettext("%(num)s entry", "%(num)s entries", n) }}'
    )
    got = template.render(
        **template_callables(catalogues().translations("en")), who="<b>9</b>", n=3
    )
    assert got == "Grade &lt;b&gt;9&lt;/b&gt; 50% done 3 entries"


def test_a_page_is_in_the_language_of_its_cookie(client) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/sign-in")
    client.cookies.set("pathways_lang", "es")
    spanish = client.get("/sign-in")
    assert '<html lang="en">' in english.text and '<html lang="es">' in spanish.text
    assert "<h1>Sign in</h1>" in english.text
    assert f"<h1>{_spanish_of('Sign in')}</h1>" in spanish.text
    assert "Username" not in spanish.text


# --- locale formats ------------------------------------------------------------------------


def _render_in(language: str, source: str, **values: object) -> str:
    return templates.env.from_string(source).render(page_lang=language, **values)


def test_money_and_numbers_follow_the_locale() -> None:
    for language in ("en", "es"):
        assert _render_in(language, "{{ 45230.4|money }}") == "$45,230"
        assert _render_in(language, "{{ 45230.45|money(cents=true) }}") == "$45,230.45"
        assert _render_in(language, "{{ 1234567|number }}") == "1,234,567"


def test_dates_follow_the_locale_and_mississippi_time() -> None:
    assert _render_in("en", "{{ d|date }}", d=date(2026, 3, 2)) == "March 2, 2026"
    assert _render_in("es", "{{ d|date }}", d=date(2026, 3, 2)) == "2 de marzo de 2026"
    # 03:00 UTC on 3 March is 21:00 on 2 March in Mississippi (CST, UTC-6)
    late = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    assert _render_in("en", "{{ d|date }}", d=late) == "March 2, 2026"
    assert "9:00" in _render_in("en", "{{ d|datetime('short') }}", d=late)


# --- a third language ----------------------------------------------------------------------


def test_a_third_language_is_one_file(tmp_path: Path, sources: Catalog) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    directory = tmp_path / "locales"
    french = Catalog(locale="fr", domain="messages")
    french.add("Sign in", "Se connecter")
    po = po_path("fr", directory)
    po.parent.mkdir(parents=True)
    with po.open("wb") as f:
        write_po(f, french)
    found = Catalogues(directory)
    assert found.languages == ("en", "es", "fr")
    template = templates.env.from_string('{{ _("Sign in") }}')
    assert template.render(**template_callables(found.translations("fr"))) == "Se connecter"
    assert template.render(**template_callables(found.translations("es"))) == _spanish_of("Sign in")
    problems = catalogue_problems(sources, directory)["fr"]
    assert any(p.startswith("missing") for p in problems)


_MARKER_CALL = re.compile(r"\b(?:N_|_|gettext|ngettext|translate)\(")


def _markers_inside_f_strings(source: str) -> list[int]:
    """Lines where a message marker is called inside an f-string (Python 3.11 reads an f-string
    as one string token, so the extractor never sees the message)."""
    import io
    import tokenize

    lines = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        prefix = re.match(r"[A-Za-z]*", token.string)
        is_f = token.type == tokenize.STRING and prefix and "f" in prefix.group().lower()
        if is_f and _MARKER_CALL.search(token.string):
            lines.append(token.start[0])
    return lines


def test_no_message_is_marked_inside_an_f_string() -> None:
    """A marked message inside an f-string is never extracted: it would stay English."""
    assert _markers_inside_f_strings("x = f'{translate(lang, N_(\"hidden\"))}'\n") == [1]
    assert _markers_inside_f_strings("x = translate(lang, N_('seen'))\n") == []
    root = Path(__file__).resolve().parents[2]
    found = {
        str(path.relative_to(root)): lines
        for folder in ("service", "recommender")
        for path in sorted((root / folder).rglob("*.py"))
        if (lines := _markers_inside_f_strings(path.read_text(encoding="utf-8")))
    }
    assert found == {}
