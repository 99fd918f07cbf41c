"""Reasons rendered from their message id and typed parameters, in English and Spanish.

Every reason of every catalogue occupation, for students with every plan, in several regions
(with and without aptitude scores), is rendered through the message catalogue
(``service.reasons``): no placeholder is left, no Spanish page shows a raw English msgid or
English words, and a job group is named by the project's Spanish title where it has one.
``recommender.explain`` writes no sentence itself: the property tests over the sentences
(tests/recommender/test_explain_facts.py) read these renderings, which are what pages show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from recommender.dimensions import PLANS
from recommender.explain import pathway_reasons
from service.i18n import catalogues
from service.reasons import occupation_title, reason_text, render_message
from tests.recommender.test_explain_facts import GULF_COAST, STATEWIDE, catalogue, explained

CASES = [
    (region, plan, seed, aptitudes)
    for region in (STATEWIDE, GULF_COAST)
    for plan in PLANS
    for seed, aptitudes in ((3, True), (5, False))
]

#: Words of English that no Spanish sentence has (names shown as they are are left out first).
_ENGLISH = re.compile(
    r"\b(the|this|your|you|job|jobs|pay|is|are|and|of|with|than|most|people|region|school)\b",
    re.IGNORECASE,
)


def _message_ids(message_id: str, params: Mapping[str, Any]) -> Iterator[str]:
    yield message_id
    for p in params.values():
        yield from _nested(p)


def _nested(param: Any) -> Iterator[str]:
    if isinstance(param, Mapping):
        if "message" in param:
            yield from _message_ids(param["message"], param.get("params") or {})
        for item in param.get("list", ()):
            yield from _nested(item)


def _has_words(message_id: str) -> bool:
    """Whether a message has words besides its placeholders (and a code's capitals)."""
    return bool(re.search(r"[a-z]", re.sub(r"%\(\w+\)s", "", message_id)))


def _names(params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The parameters that are names shown as the data gives them (``text``), nested too."""
    for p in params.values():
        if isinstance(p, Mapping):
            if "text" in p:
                yield p
            yield from _names(p.get("params") or {})


def _texts(params: Mapping[str, Any]) -> Iterator[str]:
    """Every way a name parameter can read: as the data gives it, or the project's Spanish."""
    for p in _names(params):
        if p.get("text"):
            yield str(p["text"])
        if p.get("occupation") and occupation_title(str(p["occupation"]), "es"):
            yield occupation_title(str(p["occupation"]), "es")


def _titles_es(params: Mapping[str, Any]) -> Iterator[str]:
    """The Spanish titles a Spanish reader must see (an occupation's, where one is written)."""
    for p in _names(params):
        if p.get("occupation") and occupation_title(str(p["occupation"]), "es"):
            yield occupation_title(str(p["occupation"]), "es")


def test_a_group_is_named_by_its_spanish_title_where_the_catalogue_has_one() -> None:
    by_code = {}
    cat = catalogue()
    for j, by_factor in enumerate(explained(STATEWIDE, "work", 3, True)):
        by_code[cat.codes[j]] = by_factor["wage"]
    nurse = by_code["29-1141.01"].to_dict()
    spanish = cat.titles_es[cat.index_of("29-1141.00")]
    assert spanish and spanish != "Registered Nurses"
    assert "“Registered Nurses”" in reason_text(nurse, "en")
    es = reason_text(nurse, "es")
    assert f"“{spanish}”" in es and "Registered Nurses" not in es
    # the group travels as its code, not as its name in two languages
    assert "text_es" not in str(nurse["params"]) and "29-1141.00" in str(nurse["params"])


def test_a_reason_stored_in_format_3_still_names_its_group_in_the_readers_language() -> None:
    group = {"text": "“Registered Nurses”", "text_es": "“Enfermería”"}
    message = "The median pay of its whole job group (%(group)s)"
    assert render_message(message, {"group": group}, "en").endswith("(“Registered Nurses”)")
    assert render_message(message, {"group": group}, "es").endswith("(“Enfermería”)")


@pytest.mark.parametrize(("region", "plan", "seed", "aptitudes"), CASES)
def test_every_reason_renders_in_both_languages_as_explain_states_it(
    region: str, plan: str, seed: int, aptitudes: bool
) -> None:
    spanish = catalogues().translations("es")
    for by_factor in explained(region, plan, seed, aptitudes):
        for reason in by_factor.values():
            stored = reason.to_dict()
            assert reason.message_id, reason
            assert "text" not in stored and "es" not in stored
            en = reason_text(stored, "en")
            es = reason_text(stored, "es")
            assert en and es and en != es
            for text in (en, es):
                assert "%(" not in text and ")s" not in text, text
            for message_id in _message_ids(reason.message_id, reason.params):
                if _has_words(message_id):  # “%(title)s” and SOC %(code)s are the same in Spanish
                    assert spanish.gettext(message_id) != message_id, message_id
                assert message_id not in es
            for title in _titles_es(reason.params):
                assert title in es, es
            plain = es
            for name in _texts(reason.params):
                plain = plain.replace(name, "")
            assert not _ENGLISH.search(plain), es


def test_the_reasons_say_many_different_things() -> None:
    """The cases above reach the reasons' messages (a test that renders one message proves
    little): at least 30 distinct message ids, over every factor."""
    seen: set[str] = set()
    factors: set[str] = set()
    for case in CASES:
        for by_factor in explained(*case):
            for reason in by_factor.values():
                seen.update(_message_ids(reason.message_id, reason.params))
                factors.add(reason.factor)
    assert len(seen) >= 30
    assert factors == {"interests", "aptitudes", "values", "education", "demand", "wage"}


def test_money_and_numbers_are_formatted_by_locale() -> None:
    params = {
        "figure": {
            "message": "%(subject)s %(where)s is %(wage)s a year",
            "params": {
                "subject": {"message": "This job's median pay"},
                "where": {"message": "in your region"},
                "wage": {"money": 41234.6},
            },
        },
        "median": {"money": 38000},
    }
    message = "%(figure)s, more than the typical job in your region (%(median)s)."
    assert render_message(message, params, "en") == (
        "This job's median pay in your region is $41,235 a year, more than the typical job in "
        "your region ($38,000)."
    )
    assert render_message(message, params, "es") == (
        "El sueldo medio de este empleo en tu región es de $41,235 al año, más que el empleo "
        "típico de tu región ($38,000)."
    )


def test_a_reason_stored_without_a_message_id_shows_its_stored_sentence() -> None:
    old = {"factor": "wage", "text": "Pays well.", "es": "Paga bien."}
    assert reason_text(old, "en") == "Pays well."
    assert reason_text(old, "es") == "Paga bien."


def test_lists_join_as_each_language_writes_them() -> None:
    names = [{"text": "a"}, {"text": "b"}, {"text": "c"}]
    for language, two, three in (("en", "a and b", "a, b, and c"), ("es", "a y b", "a, b y c")):
        assert render_message("%(x)s", {"x": {"list": names[:1]}}, language) == "a"
        assert render_message("%(x)s", {"x": {"list": names[:2]}}, language) == two
        assert render_message("%(x)s", {"x": {"list": names}}, language) == three


def test_every_pathway_reason_renders_for_the_student_and_for_the_family() -> None:
    """Pathway sentences over every pathway's first jobs, in both languages: no placeholder
    left, Spanish translated, and the family's version free of "you" / "tú" and naming them."""
    spanish = catalogues().translations("es")
    second_person = re.compile(r"\b(you|your|tu|tú|tus|te|ti|contigo)\b", re.IGNORECASE)
    seen: set[str] = set()
    for plan in ("community_college", "undecided"):
        rows = explained(GULF_COAST, plan)
        for pathway in catalogue().pathways:
            occupations = [
                {"reasons": [r.to_dict() for r in rows[j].values()]}
                for j in pathway.occupation_index[:3]
            ]
            for said in pathway_reasons(occupations):
                seen.add(said.message_id)
                for message_id in _message_ids(said.message_id, said.params):
                    if _has_words(message_id):
                        assert spanish.gettext(message_id) != message_id, message_id
                for language in ("en", "es"):
                    student = render_message(said.message_id, said.params, language)
                    family = render_message(said.message_id, said.params, language, family_of="Ada")
                    for text in (student, family):
                        assert "%(" not in text and ")s" not in text, text
                    assert not second_person.search(family), family
                    if second_person.search(student):
                        assert family != student, family
    assert len(seen) >= 10
