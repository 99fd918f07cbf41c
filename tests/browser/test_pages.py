"""Students, coaches and staff doing their jobs in a real browser (Chromium), with axe checks."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from tests.browser.conftest import (
    PASSWORD,
    SCREENSHOTS,
    NewPage,
    caseload_student_href,
    check_page,
)

pytestmark = pytest.mark.slow

_NEW_STUDENTS = itertools.count(1)


def issue_code_for_new_student(page: Any, base_url: str) -> tuple[str, str]:
    """As coach1: add a new student with the add-student form and issue them a code.

    Returns (student id, code). Each call adds its own student, so tests never run out of
    seeded students who have not started.
    """
    page.goto(f"{base_url}/coach/roster/students/new")
    number = next(_NEW_STUDENTS)
    page.get_by_label("First name").fill(f"Tester{number}")
    page.get_by_label("Local id").fill(f"BT{number:05d}")
    page.locator("#grade").select_option("10")
    school = page.locator("#school_id")
    if school.locator("option[value='']").count():
        school.select_option(index=1)
    page.get_by_role("button", name="Add the student").click()
    page.wait_for_load_state()
    match = re.search(r"/coach/students/(\d+)$", page.url)
    assert match, page.url
    student_id = match.group(1)
    page.get_by_role("button", name="Issue an access code").click()
    code = page.locator("#access-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    # POST-redirect-GET: a reload shows the same code, issues none, and the URL holds no code
    assert re.search(rf"/coach/students/{student_id}/access-code/\d+$", page.url)
    page.reload()
    assert page.locator("#access-code").inner_text().strip() == code
    assert code not in page.url and code.replace("-", "") not in page.url
    return student_id, code


def answer_likert_by_keyboard(page: Any, step: Any) -> int:
    """Answer every item of a section with the keyboard only ('Like' = 4th option)."""
    items = step.locator("fieldset.likert").count()
    for _ in range(items):
        page.keyboard.press("Tab")  # into the next group (first radio, as none is checked)
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    return items


def visible_step(page: Any) -> Any:
    return page.locator("section.step:not([hidden])")


def test_student_assessment_then_coach_session(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    coach = new_page("coach1")
    check_page(coach, "coach-caseload", axe_log)
    student_id, code = issue_code_for_new_student(coach, base_url)
    check_page(coach, "coach-access-code", axe_log)

    page = new_page()
    page.goto(f"{base_url}/")
    check_page(page, "front", axe_log)
    page.goto(f"{base_url}/start")
    check_page(page, "student-start", axe_log)
    page.get_by_label("Access code").fill(code.lower())
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(f"{base_url}/assessment")
    check_page(page, "assessment-welcome", axe_log)

    # keyboard only: Begin (a form: opening the page made nothing), then the first interest part
    page.locator("#step-welcome .next").focus()
    page.keyboard.press("Enter")
    page.locator("#step-interests-1:not([hidden])").wait_for()
    step = visible_step(page)
    assert step.get_attribute("id") == "step-interests-1"
    answered = answer_likert_by_keyboard(page, step)
    assert step.locator("input:checked").count() == answered
    check_page(page, "assessment-interests", axe_log)
    page.keyboard.press("Tab")  # Back
    page.keyboard.press("Tab")  # Next
    page.keyboard.press("Enter")
    step = visible_step(page)
    assert step.get_attribute("id") == "step-interests-2"
    step.locator("fieldset.likert").first.locator("input").first.focus()
    page.keyboard.press("Shift+Tab")
    answered_2 = answer_likert_by_keyboard(page, step)
    page.wait_for_function("() => document.getElementById('save-status').textContent.length > 0")

    # the connection drops: answers stay on the device, then the page reloads
    page.context.set_offline(True)
    first_offline = step.locator("fieldset.likert").first
    first_offline.locator("input").nth(1).check()  # change one answer while offline
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('this device')"
    )
    page.context.set_offline(False)
    page.reload()
    step = visible_step(page)
    assert step.get_attribute("id") == "step-interests-2", "the reload resumes the same section"
    assert page.locator("#step-interests-1 input:checked").count() == answered
    assert step.locator("input:checked").count() == answered_2
    assert first_offline.locator("input").nth(1).is_checked(), "the offline answer survived"
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('All')"
    )

    # the rest with the mouse
    step.locator(".next").click()
    while visible_step(page).get_attribute("data-kind") == "likert":
        step = visible_step(page)
        for fieldset in step.locator("fieldset.likert").all():
            fieldset.locator("input").nth(2).check()
        step.locator(".next").click()
    tasks = 0
    while visible_step(page).get_attribute("data-kind") == "task":
        step = visible_step(page)
        step.locator(".start-task").click()
        step.locator(".task-items .task-item").first.wait_for()
        timer = page.locator("#time-left")  # in the bar that stays on screen
        assert re.fullmatch(r"\d+:\d\d", timer.inner_text())
        if tasks == 0:
            check_page(page, "assessment-task", axe_log)
        if step.get_attribute("data-task") == "mechanical":
            figures = step.locator(".task-items svg.figure")
            assert figures.count() >= 1, "gears, levers and pulleys are drawn"
            assert all(len(f.get_attribute("aria-label") or "") > 20 for f in figures.all())
            check_page(page, "assessment-mechanical", axe_log)
        for item in step.locator(".task-items .task-item").all()[:3]:
            item.locator("input").first.check()
        step.locator(".finish-task").click()
        step.locator(".task-done").wait_for()
        step.locator(".next").click()
        tasks += 1
    assert tasks == 4
    step = visible_step(page)
    assert step.get_attribute("data-kind") == "plans"
    step.locator("input[name=plan][value=community_college]").check()
    step.locator("#county").select_option("28047")
    step.locator("input[name=will_commute][value=true]").check()
    step.locator("input[name=will_relocate][value=false]").check()
    check_page(page, "assessment-plans", axe_log)
    step.locator("#submit").click()
    page.wait_for_url(f"{base_url}/results")
    pathways = page.locator(".pathway")
    assert pathways.count() >= 3
    assert all(len(p.locator(".reason").inner_text()) > 20 for p in pathways.all())
    assert page.locator("svg.chart title").first.text_content() == "Your interests"
    check_page(page, "student-results", axe_log)
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Tus resultados"
    check_page(page, "student-results-es", axe_log)

    # the coach opens that student
    coach.goto(f"{base_url}/coach/students/{student_id}")
    assert coach.locator("#pathways-block .pathway").count() >= 3
    assert coach.locator("#pathways-block .reason").first.inner_text().strip()
    assert coach.locator("figure svg.chart").count() == 2
    check_page(coach, "coach-student", axe_log)
    before = coach.locator("#ranking-basis").inner_text()
    url_before = coach.url
    with coach.expect_response(re.compile(r"/pathways\?")):
        coach.get_by_label("Region").select_option(label="Jackson, MS")
    coach.wait_for_function(
        "() => document.getElementById('ranking-basis').textContent.includes('Jackson')"
    )
    assert coach.locator("#ranking-basis").inner_text() != before
    assert coach.url.split("?")[0] == url_before.split("?")[0]
    assert "region=0027140" in coach.url
    ranked = [
        li.get_attribute("data-pathway") for li in coach.locator("#pathways-block li.pathway").all()
    ]
    boxes = [i.get_attribute("value") for i in coach.locator("#plan-choices input").all()]
    assert boxes[: len(ranked)] == ranked, "the plan's boxes follow the re-ranked pathways"

    # school records: a bad value is named beside its box, then good ones re-score the profile
    coach.get_by_label("ACT math score (1-36)").fill("40")
    coach.get_by_label("WorkKeys Applied Math level (3-7)").fill("6")
    coach.get_by_role("button", name="Save records").click()
    coach.locator("#record-errors").wait_for()
    assert "1 to 36" in coach.locator("#rec-act_math-error").inner_text()
    check_page(coach, "coach-records-error", axe_log)
    coach.get_by_label("ACT math score (1-36)").fill("31")
    coach.get_by_role("button", name="Save records").click()
    coach.get_by_text("Records saved.").wait_for()
    assert coach.get_by_label("ACT math score (1-36)").input_value() == "31"

    coach.get_by_label("Activity type").select_option("one_on_one")
    coach.get_by_label("Minutes").fill("25")
    coach.get_by_label("Notes", exact=True).fill("Talked about the welding programme")
    coach.get_by_role("button", name="Log session").click()
    coach.get_by_text("Session logged.").wait_for()
    assert "welding programme" in coach.locator("#session-table").inner_text()

    coach.locator("input[name=chosen]").first.check()
    coach.get_by_label("Next steps (one per line)").fill(
        "Visit the community college\nAsk about dual credit"
    )
    coach.get_by_role("button", name="Save plan").click()
    coach.get_by_text("Plan saved.").wait_for()
    coach.locator("#print-link").click()
    coach.wait_for_url(re.compile(r"/plan/print$"))
    assert "Visit the community college" in coach.inner_text("main")
    check_page(coach, "coach-plan-print", axe_log)
    coach.emulate_media(media="print")
    coach.screenshot(path=str(SCREENSHOTS / "coach-plan-print-media.png"), full_page=True)
    pdf = coach.pdf(format="Letter")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"the printed plan takes {pages} pages"


def test_staff_sees_report_models_and_catalogue(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("staff")
    assert page.url.endswith("/staff")
    assert page.locator("#active-version").inner_text().strip()
    check_page(page, "staff-models", axe_log)
    page.goto(f"{base_url}/staff/report?school_year=2025-2026")
    table = page.locator("table.report").first
    assert "Magnolia Coast High School" in page.inner_text("main")
    assert table.locator("tbody tr").count() >= 1
    # entries and students reached per category (all of it: tests/browser/test_report_pages.py)
    assert page.locator("figure svg.chart").count() >= 2
    check_page(page, "staff-report", axe_log)
    href = page.get_by_role("link", name="Download schools as CSV").get_attribute("href")
    csv = page.request.get(f"{base_url}{href}")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    assert csv.text().splitlines()[0].startswith("school_year,school_id,name")
    page.goto(f"{base_url}/staff/catalogue")
    assert "CC BY 4.0" in page.inner_text("main")
    check_page(page, "staff-catalogue", axe_log)
    page.goto(f"{base_url}/staff")
    page.locator("table a[href^='/staff/models/']").first.click()
    assert page.locator(".model-card h2").count() >= 1
    check_page(page, "staff-model-card", axe_log)


def test_coach_cannot_open_another_schools_student(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    other = new_page("coach2")
    other_ids = {
        a.get_attribute("href").rsplit("/", 1)[-1]
        for a in other.locator("a[href^='/coach/students/']").all()
    }
    name = other.locator("a[href^='/coach/students/']").first.inner_text()
    page = new_page("coach1")
    target = sorted(other_ids)[0]
    response = page.goto(f"{base_url}/coach/students/{target}")
    assert response is not None and response.status == 404
    assert name not in page.inner_text("main")
    check_page(page, "coach-not-found", axe_log)
    response = page.goto(f"{base_url}/coach/students/{target}/plan/print")
    assert response is not None and response.status == 404
    page.goto(f"{base_url}/sign-in")
    check_page(page, "sign-in", axe_log)


def test_a_coach_whose_session_ended_keeps_what_they_typed(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    coach = new_page("coach1")
    href = caseload_student_href(coach, base_url)
    coach.goto(f"{base_url}{href}")
    notes = "Wants to visit the welding shop at the community college in March"
    coach.get_by_label("Activity type").select_option("parent_conversation")
    coach.get_by_label("Minutes").fill("35")
    coach.get_by_label("Notes", exact=True).fill(notes)
    # the session ends while the coach types (the browser drops the expired cookie)
    coach.context.clear_cookies(name="pathways_session")
    coach.get_by_role("button", name="Log session").click()
    coach.wait_for_url(re.compile(r"/sign-in\?next="))
    assert "signed out before your form was saved" in coach.locator("#kept-waiting").inner_text()
    check_page(coach, "sign-in-form-kept", axe_log)
    coach.get_by_label("Username").fill("coach1")
    coach.get_by_label("Password").fill(PASSWORD)
    coach.get_by_role("button", name="Sign in").click()
    coach.wait_for_url(re.compile(re.escape(href) + "$"))
    notice = coach.locator("#kept-notice")
    notice.wait_for()
    assert "nothing has been saved yet" in notice.inner_text()
    assert coach.get_by_label("Notes", exact=True).input_value() == notes
    assert coach.get_by_label("Minutes").input_value() == "35"
    assert coach.get_by_label("Activity type").input_value() == "parent_conversation"
    check_page(coach, "coach-student-form-kept", axe_log)
    assert coach.locator(f"#session-table :text('{notes}')").count() == 0, "nothing saved yet"
    coach.get_by_role("button", name="Log session").click()
    coach.get_by_text("Session logged.").wait_for()
    assert notes in coach.locator("#session-table").inner_text()
    assert coach.locator("#kept-notice").count() == 0


def test_a_form_on_another_site_cannot_post_with_the_coachs_session(
    new_page: NewPage, base_url: str
) -> None:
    coach = new_page("coach1")
    href = caseload_student_href(coach, base_url)
    coach.goto(f"{base_url}{href}")
    logged = coach.locator("#sessions").inner_text()
    evil = (
        f'<!doctype html><html lang="en"><title>Prize</title><form method="post" '
        f'action="{base_url}{href}/sessions"><input name="category" value="one_on_one">'
        '<input name="occurred_on" value="2025-11-04"><input name="minutes" value="5">'
        '<input name="notes" value="forged by another site"><button>Win</button></form></html>'
    )
    coach.context.route(
        "https://evil.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=evil),
    )
    other = coach.context.new_page()
    other.goto("https://evil.example/prize")
    other.get_by_role("button", name="Win").click()
    other.wait_for_load_state()
    assert "This form was not sent" in other.locator("h1").inner_text()
    coach.reload()
    assert coach.locator("#sessions").inner_text() == logged
    assert "forged by another site" not in coach.inner_text("main")
