"""A NUL character in any free-text field is refused with 422 naming the field, and nothing is
stored, on SQLite and PostgreSQL alike (PostgreSQL cannot store NUL and used to answer 500;
SQLite stored it).

The request models and the page forms are read from the app itself: a new request field or form
field is checked without editing this file, or this file fails until it has a sample for it.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from recommender.instrument import load_instrument
from recommender.model import DEFAULT_MODELS_DIR, read_active_version
from service.app import create_app
from service.db import Base
from service.deps import SESSION_COOKIE
from service.pages.public import _CODE_BAD_CHARACTER
from service.settings import Settings
from tests.service.conftest import HOME_PAGES, PASSWORD, BrowserForms, World

NUL = "\x00"


# --- what the app declares ------------------------------------------------------------------


def _body_params(dependant: Any) -> list[Any]:
    params = list(dependant.body_params)
    for sub in dependant.dependencies:
        params.extend(_body_params(sub))
    return params


def _declared() -> tuple[dict[tuple[str, str], type[BaseModel]], dict[str, dict[str, Any]]]:
    """JSON request models by (method, path), and page form fields by path (name -> type)."""
    app = create_app(Settings(database_url="sqlite://"))
    models: dict[tuple[str, str], type[BaseModel]] = {}
    forms: dict[str, dict[str, Any]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        for method in context.methods or ():
            for param in _body_params(route.dependant):
                annotation = param.field_info.annotation
                if type(param.field_info).__name__ == "Form":
                    forms.setdefault(context.path, {})[param.name] = annotation
                elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    models[(method, context.path)] = annotation
    app.state.engine.dispose()
    return models, forms


REQUEST_MODELS, PAGE_FORM_FIELDS = _declared()
#: A page POST route that reads its fields from the submitted form itself (one per record box).
RECORDS_PAGE = "/coach/students/{student_id}/records"
RECORD_IDS = [r.id for r in load_instrument().records]
PAGE_FORM_FIELDS[RECORDS_PAGE] = dict.fromkeys(RECORD_IDS, str)


Wrap = Callable[[Any], Any]


def annotation_slots(
    annotation: Any,
    leaf: Callable[[Any], bool],
    *,
    map_key: str,
    in_keys: bool = False,
    in_models: bool = False,
) -> list[tuple[Any, Wrap]]:
    """(leaf annotation, wrap) for every slot of ``annotation`` whose type ``leaf`` accepts: the
    value itself, a list item, a map value under ``map_key`` (recursively) and, when asked, a map
    key or a field of a nested model; ``wrap`` puts a value into that slot."""

    def inner(arg: Any) -> list[tuple[Any, Wrap]]:
        return annotation_slots(arg, leaf, map_key=map_key, in_keys=in_keys, in_models=in_models)

    origin = get_origin(annotation)
    if origin is Annotated:
        return inner(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [slot for arg in get_args(annotation) for slot in inner(arg)]
    if leaf(annotation):
        return [(annotation, lambda v: v)]
    if origin in (list, tuple, set, frozenset):
        return [(t, lambda v, f=f: [f(v)]) for t, f in inner(get_args(annotation)[0])]
    if origin is dict:
        key, value = get_args(annotation)
        keys = [(t, lambda v, f=f: {f(v): None}) for t, f in inner(key)] if in_keys else []
        return keys + [(t, lambda v, f=f: {map_key: f(v)}) for t, f in inner(value)]
    if in_models and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [
            (t, lambda v, n=name, f=f: {n: f(v)})
            for name, field in annotation.model_fields.items()
            for t, f in inner(field.annotation)
        ]
    return []


def _holds_text(annotation: Any) -> bool:
    if get_origin(annotation) is Literal:
        return any(isinstance(v, str) for v in get_args(annotation))
    return annotation is str


Slot = Callable[[str], Any]


def string_slots(annotation: Any) -> list[Slot]:
    """Every way a string can sit in a value of ``annotation``: itself, a list item, a map key
    or a map value (recursively), or a field of a nested model."""
    slots = annotation_slots(annotation, _holds_text, map_key="x", in_keys=True, in_models=True)
    return [wrap for _, wrap in slots]


MODEL_SLOTS = [
    pytest.param(model, name, index, id=f"{model.__name__}.{name}[{index}]")
    for model in sorted(set(REQUEST_MODELS.values()), key=lambda m: m.__name__)
    for name, field in model.model_fields.items()
    for index, _ in enumerate(string_slots(field.annotation))
]


@st.composite
def nul_texts(draw: st.DrawFn) -> str:
    """Any text with one or more NUL characters somewhere in it."""
    before = draw(st.text(max_size=12))
    after = draw(st.text(max_size=12))
    return before + NUL * draw(st.integers(1, 3)) + after


def test_the_app_declares_the_request_models_and_forms_this_file_checks() -> None:
    names = {m.__name__ for m in REQUEST_MODELS.values()}
    assert {"UserIn", "PlanIn", "ActivityIn", "AnswersIn", "RollbackIn"} <= names
    assert {"/sign-in", "/start", "/coach/students/{student_id}/sessions"} <= set(PAGE_FORM_FIELDS)
    assert len(MODEL_SLOTS) >= 40


@settings(max_examples=40, deadline=None)
@given(text=nul_texts())
@pytest.mark.parametrize(("model", "name", "index"), MODEL_SLOTS)
def test_every_string_of_every_request_model_refuses_nul(
    model: type[BaseModel], name: str, index: int, text: str
) -> None:
    """Wherever a string sits in a request body (field, list item, map key or value), a NUL in
    it is refused with the error named for that field."""
    value = string_slots(model.model_fields[name].annotation)[index](text)
    with pytest.raises(ValidationError) as refused:
        model.model_validate({name: value})
    mine = [e for e in refused.value.errors() if e["loc"][:1] == (name,)]
    assert [e["type"] for e in mine] == ["nul_character"], mine


# --- through the API, on the test database --------------------------------------------------

#: A valid body for every route with a JSON body, holding every string field its model has.
API_BODIES: dict[tuple[str, str], tuple[str, Callable[[World], dict[str, Any]]]] = {
    ("POST", "/auth/login"): ("anon", lambda w: {"username": "coach_a", "password": PASSWORD}),
    ("POST", "/auth/access-code"): ("anon", lambda w: {"code": w.access_code_a}),
    ("POST", "/schools"): (
        "admin",
        lambda w: {
            "name": "Gamma High",
            "district": "D3",
            "county_fips": "28049",
            "region_code": "0027140",
        },
    ),
    ("POST", "/users"): (
        "admin",
        lambda w: {
            "username": "newcoach",
            "display_name": "New Coach",
            "role": "coach",
            "password": "a long enough password",
        },
    ),
    ("PATCH", "/users/{user_id}"): (
        "admin",
        lambda w: {"display_name": "Renamed", "password": "another long passphrase"},
    ),
    ("POST", "/students"): (
        "coach",
        lambda w: {
            "school_id": w.school_a,
            "local_id": "N1",
            "first_name": "Noa",
            "grade": 9,
            "gender": "female",
            "race_ethnicity": "Hispanic or Latino",
            "family_language": "es",
        },
    ),
    ("PATCH", "/students/{student_id}"): (
        "coach",
        lambda w: {
            "first_name": "Adah",
            "gender": "female",
            "race_ethnicity": "White",
            "family_language": "es",
        },
    ),
    ("POST", "/activities"): (
        "coach",
        lambda w: {
            "school_id": w.school_a,
            "student_id": w.student_a,
            "category": "job_shadow",
            "occurred_on": w.activity_day.isoformat(),
            "minutes": 50,
            "employer": "Ingalls Shipbuilding",
            "occupation_code": "Registered Nurses",
            # fields a job shadow does not use: checked for NUL, then stored empty
            "topic": "welding",
            "organisation": "Gulf Coast CC",
            "language": "Spanish",
            "notes": "visited the welding shop",
        },
    ),
    ("PATCH", "/activities/{activity_id}"): (
        "coach",
        lambda w: {
            "category": "group_session",
            "participants": 12,
            "topic": "welding careers",
            # fields a group session does not use: checked for NUL, then stored empty
            "employer": "Ingalls Shipbuilding",
            "occupation_code": "29-1141.00",
            "organisation": "Gulf Coast CC",
            "language": "Spanish",
            "notes": "two students came",
        },
    ),
    ("PUT", "/students/{student_id}/plan"): (
        "coach",
        lambda w: {
            "chosen_pathways": ["health-science.therapeutic-services"],
            "next_steps": ["visit the community college"],
            "notes": "likes biology",
        },
    ),
    ("POST", "/students/{student_id}/plan/items"): ("coach", lambda w: {"code": "29-1141.00"}),
    ("POST", "/students/{student_id}/outcomes"): (
        "coach",
        lambda w: {
            "code_kind": "pathway",
            "code": "health-science.therapeutic-services",
            "grade": 2,
            "event_type": "program_enrolment",
            "school_year": "2025-2026",
        },
    ),
    ("PATCH", "/students/{student_id}/outcomes/{outcome_id}"): (
        "coach",
        lambda w: {"grade": 3, "event_type": "job_offer"},
    ),
    ("POST", "/assessments"): ("student", lambda w: {"language": "es"}),
    ("PUT", "/assessments/{assessment_id}/answers"): (
        "student",
        lambda w: {
            "interests": {"R01": 5},
            "values": {"V01": 4},
            "aptitude": {"spatial": {"0": 1}},
            "plan": "community_college",
            "county_fips": "28047",
        },
    ),
    ("PUT", "/assessments/{assessment_id}/records"): (
        "coach",
        lambda w: {"records": {"act_math": 24}},
    ),
    ("POST", "/assessments/{assessment_id}/submit"): (
        "student",
        lambda w: {"client_key": "nul-check-key"},
    ),
    ("POST", "/models/{version}/promote"): ("staff", lambda w: {"force": True, "reason": "ok"}),
    ("POST", "/models/rollback"): (
        "staff",
        lambda w: {"reason": "checking", "to": read_active_version()},
    ),
    ("POST", "/privacy/requests"): (
        "coach",
        lambda w: {"student_id": w.student_a, "kind": "export", "reason": "a parent asked"},
    ),
}


def _path(template: str, world: World) -> str:
    return template.format(
        student_id=world.student_a,
        user_id=world.coach_b,
        activity_id=world.activity_a,
        outcome_id=world.outcome_a,
        assessment_id=world.assessment_a,
        version=read_active_version(),
        request_id=1,  # a privacy request; none exists, so the valid form is a 404
    )


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(where, kind) of every string in a JSON body: kind 'value', or 'key' of a map inside it
    (the body's own keys are field names, not text)."""
    if isinstance(value, str):
        yield at, "value"
    elif isinstance(value, dict):
        for key, item in value.items():
            if at:
                yield (*at, key), "key"
            yield from _leaves(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*at, i))


def _with_nul(value: Any, at: tuple[Any, ...], kind: str) -> Any:
    """A copy of ``value`` with a NUL in the middle of the string (or map key) at ``at``."""
    if not at:
        return value[: len(value) // 2] + NUL + value[len(value) // 2 :]
    head, rest = at[0], at[1:]
    if isinstance(value, list):
        return [_with_nul(v, rest, kind) if i == head else v for i, v in enumerate(value)]
    if kind == "key" and not rest:
        return {(_with_nul(k, (), kind) if k == head else k): v for k, v in value.items()}
    return {k: (_with_nul(v, rest, kind) if k == head else v) for k, v in value.items()}


def snapshot(app: FastAPI) -> dict[str, list[str]]:
    """Every row of every table, to show a refused request stored nothing (but the disclosure
    log: a refused page form still showed the student's record again, a disclosure)."""
    with app.state.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name != "disclosures"
        }


def test_every_json_route_has_a_full_sample_body() -> None:
    assert set(API_BODIES) == set(REQUEST_MODELS), "add a sample body for the new route"
    for key, model in REQUEST_MODELS.items():
        sample = API_BODIES[key][1](World())
        with_strings = {n for n, f in model.model_fields.items() if string_slots(f.annotation)}
        assert with_strings <= set(sample), f"{key}: sample lacks {with_strings - set(sample)}"


@pytest.mark.parametrize("key", sorted(API_BODIES), ids=[f"{m} {p}" for m, p in sorted(API_BODIES)])
def test_a_nul_in_any_string_of_an_api_body_is_422_naming_it_and_stores_nothing(
    app: FastAPI, client: TestClient, world: World, key: tuple[str, str]
) -> None:
    method, template = key
    actor, make_body = API_BODIES[key]
    body = make_body(world)
    path = _path(template, world)
    if template.endswith("/answers"):  # an aptitude answer needs its subtest started first
        issued = client.post(
            f"/assessments/{world.assessment_a}/aptitude/spatial/start",
            headers=world.headers(actor),
        )
        assert issued.status_code == 200
    checked = 0
    for at, kind in _leaves(body):
        before = snapshot(app)
        response = client.request(
            method, path, json=_with_nul(body, at, kind), headers=world.headers(actor)
        )
        where = f"{method} {template} {'.'.join(map(str, at))} ({kind})"
        assert response.status_code == 422, f"{where}: {response.status_code} {response.text}"
        problem = response.json()
        named = [e for e in problem["errors"] if e["field"] == f"body.{at[0]}"]
        assert [e["type"] for e in named] == ["nul_character"], f"{where}: {problem}"
        assert NUL not in response.text
        assert snapshot(app) == before, f"{where}: something was stored"
        checked += 1
    assert checked >= 1
    valid = client.request(method, path, json=body, headers=world.headers(actor))
    assert valid.status_code < 500 and valid.status_code != 422, valid.text


# --- through the pages ----------------------------------------------------------------------


def _another_version() -> str:
    """A shipped model version other than the active one (its confirmation page has a form)."""
    active = read_active_version()
    found = sorted(
        p.name
        for p in DEFAULT_MODELS_DIR.iterdir()
        if p.name != active and (p / "model.onnx").is_file() and (p / "metrics.json").is_file()
    )
    assert found, "no second model version to promote"
    return found[-1]


#: A valid form for every page POST route with fields; ``who`` signs in with the cookie.
PAGE_FORMS: dict[str, tuple[str, Callable[[World], dict[str, Any]]]] = {
    "/sign-in": (
        "anon",
        lambda w: {"username": "coach_a", "password": PASSWORD, "next": "/coach"},
    ),
    "/start": ("anon", lambda w: {"code": w.access_code_a}),
    "/coach/students/{student_id}/sessions": (
        "coach",
        lambda w: {
            "category": "one_on_one",
            "occurred_on": w.activity_day.isoformat(),
            "minutes": "30",
            "notes": "talked about welding",
        },
    ),
    "/coach/students/{student_id}/plan": (
        "coach",
        lambda w: {
            "chosen": ["health-science.therapeutic-services"],
            "next_steps": "visit the college\ncall the recruiter",
            "notes": "likes biology",
            "region": "0025060",
            "plan": "community_college",
        },
    ),
    RECORDS_PAGE: ("coach", lambda w: dict.fromkeys(RECORD_IDS, "3") | {"act_math": "24"}),
    "/staff/models/switch": (
        "staff",
        lambda w: {
            "action": "promote",
            "version": _another_version(),
            "reason": "checking the switch",
            "confirm": "yes",
            "force": "yes",
        },
    ),
    "/staff/privacy/students/{student_id}/delete": ("admin", lambda w: {"confirm_local_id": "A1"}),
    "/coach/students/{student_id}/privacy": (
        "coach",
        lambda w: {"kind": "export", "reason": "a parent asked for a copy"},
    ),
    "/coach/students/{student_id}/plan/add": (
        "coach",
        lambda w: {"kind": "occupation", "code": "47-2111.00", "q": "electrician"},
    ),
    "/staff/privacy/requests/{request_id}": (
        "admin",
        lambda w: {"decision": "approve", "confirm": "yes"},
    ),
    "/staff/organisations/{user_id}": (
        "admin",
        lambda w: {"organisation": "Hinds Community College"},
    ),
    "/coach/roster/students": (
        "coach",
        lambda w: {
            "first_name": "Noa",
            "local_id": "N77",
            "grade": "10",
            "school_id": str(w.school_a),
            "class_title": "Homeroom 3",
            "period": "2",
        },
    ),
    "/coach/roster/students/{student_id}/edit": (
        "coach",
        lambda w: {
            "first_name": "Ada",
            "local_id": "A1",
            "grade": "11",
            "school_id": str(w.school_a),
            "class_title": "Homeroom 3",
            "period": "2",
            "leave_class": ["1"],  # a class the student leaves (ignored: not one of theirs)
        },
    ),
}
#: Hidden fields of a form that cannot be shown again without them: an HTML error page instead.
NO_FORM_WITHOUT = {
    ("/coach/students/{student_id}/plan/add", "kind"),
    ("/coach/students/{student_id}/plan/add", "code"),
    ("/coach/students/{student_id}/plan/add", "q"),
    ("/staff/models/switch", "action"),
    ("/staff/models/switch", "version"),
    ("/staff/privacy/requests/{request_id}", "decision"),
    ("/staff/privacy/requests/{request_id}", "confirm"),
}
#: Free text a person typed, shown again (without the NUL) so nothing they wrote is lost.
KEPT = {
    ("/sign-in", "username"),
    ("/coach/students/{student_id}/sessions", "notes"),
    ("/coach/students/{student_id}/plan", "next_steps"),
    ("/coach/students/{student_id}/plan", "notes"),
    ("/coach/students/{student_id}/privacy", "reason"),
    ("/coach/roster/students", "first_name"),
    ("/coach/roster/students/{student_id}/edit", "first_name"),
}


def _is_text(annotation: Any) -> bool:
    """A field holding text (not a date or a number, which the standard validation refuses)."""
    return bool(string_slots(annotation))


def test_every_page_form_has_a_full_sample() -> None:
    assert set(PAGE_FORMS) == set(PAGE_FORM_FIELDS), "add a sample form for the new page"
    for path, fields in PAGE_FORM_FIELDS.items():
        assert set(fields) <= set(PAGE_FORMS[path][1](World())), path


def _page_client(client: TestClient, world: World, actor: str) -> BrowserForms:
    """The client signed in as ``actor``, sending forms as a browser (token, Origin)."""
    client.cookies.clear()
    if actor != "anon":
        client.cookies.set(SESSION_COOKIE, world.tokens[actor])
    return BrowserForms(client, HOME_PAGES[actor])


@pytest.fixture
def page_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("template", sorted(PAGE_FORMS))
def test_a_nul_in_any_form_field_shows_the_form_again_with_the_message_and_stores_nothing(
    app: FastAPI, page_client: TestClient, world: World, template: str
) -> None:
    actor, make_form = PAGE_FORMS[template]
    form = make_form(world)
    path = _path(template, world)
    client = _page_client(page_client, world, actor)
    for name, annotation in PAGE_FORM_FIELDS[template].items():
        value = form[name]
        # one character replaced, so no length limit is what refuses it
        if isinstance(value, list):
            spoiled: Any = [v[:1] + NUL + v[2:] for v in value]
        else:
            spoiled = value[:1] + NUL + value[2:]
        before = snapshot(app)
        response = client.post(path, data={**form, name: spoiled})
        where = f"POST {template} {name}"
        assert response.status_code == 422, f"{where}: {response.status_code} {response.text}"
        assert snapshot(app) == before, f"{where}: something was stored"
        assert NUL not in response.text
        if not _is_text(annotation):  # a date or a number: the 422 page names the field
            assert response.headers["content-type"].startswith("text/html"), where
            assert name in response.text, where
            continue
        assert response.headers["content-type"].startswith("text/html"), where
        if template == "/start":  # a student reads it: plain words, in their language
            assert _CODE_BAD_CHARACTER in response.text, where
        else:
            assert "NUL character" in response.text, where
        if (template, name) in NO_FORM_WITHOUT:
            assert f"{name}: the text held a NUL" in response.text, where
            continue
        assert 'role="alert"' in response.text, where
        action = f'action="{path}"'
        assert action in response.text or 'id="plan-form"' in response.text, where
        if (template, name) in KEPT:
            typed = str(spoiled).replace(NUL, "").split("\n")[0]
            assert typed in response.text, f"{where}: typed text lost"
    valid = client.post(path, data=form)
    assert valid.status_code < 500 and valid.status_code != 422, valid.text


def test_pages_refuse_nul_on_both_databases_where_postgresql_used_to_fail(
    app: FastAPI, page_client: TestClient, world: World
) -> None:
    """The sign-in form looked a username with NUL up in the database: 500 on PostgreSQL."""
    browser = BrowserForms(page_client, "/sign-in")
    response = browser.post("/sign-in", data={"username": "coach\x00_a", "password": "x"})
    assert response.status_code == 422
    assert 'value="coach_a"' in response.text  # shown again without the NUL
    assert "Username: the text held a NUL character" in response.text
