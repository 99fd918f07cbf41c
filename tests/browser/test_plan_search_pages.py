"""A plan from the whole catalogue in a real browser (issue 14 item 4): from a student's page a
coach finds "welding" and "enfermera", opens a job for the student and adds it to the plan; the
pages pass axe at 320 px and 1366 px and break no rule of their content security policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import NewPage, caseload_student_href, check_page, keep_shots

pytestmark = pytest.mark.slow

#: Copies of the screenshots for whoever reviews the pages by eye.
SHOTS = Path("/tmp/shots/plan-search")


def test_a_coach_finds_a_job_sees_it_for_the_student_and_adds_it_to_the_plan(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach1")
    href = caseload_student_href(page, base_url, "?status=submitted")
    page.goto(f"{base_url}{href}")
    page.locator("#plan-find-q").fill("welding")
    page.locator("#plan-find").get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "/find?q=welding" in page.url
    first = page.locator("#occupation-hits li").first
    assert first.get_attribute("data-code") == "51-4121.00"
    check_page(page, "plan-find", axe_log)
    keep_shots("plan-find", SHOTS)

    first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#item-rank").is_visible()
    assert page.locator("#item-figures[data-code='51-4121.00']").count() == 1
    assert page.locator("#item-wage").inner_text().startswith("$")
    check_page(page, "plan-item", axe_log)
    keep_shots("plan-item", SHOTS)
    page.get_by_role("button", name="Add to plan").click()
    page.wait_for_load_state()
    assert page.locator("#added").is_visible() and page.locator("#in-plan").is_visible()

    page.goto(f"{base_url}{href}#plan")
    box = page.locator("#plan-choices input[value='51-4121.00']")
    assert box.is_checked()

    page.goto(f"{base_url}{href}/find?q=enfermera")
    assert page.locator("#occupation-hits li").count() >= 5
    page.locator("#pathway-hits a, #occupation-hits a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text()
    assert page.evaluate("window.__csp") == []


def test_the_find_page_in_spanish(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach1")
    href = caseload_student_href(page, base_url, "?status=submitted")
    switch = page.locator("a.lang-switch[lang='es']")
    if switch.count():
        switch.first.click()
        page.wait_for_load_state()
    page.goto(f"{base_url}{href}/find?q=soldadura")
    assert page.locator("#occupation-hits li").first.get_attribute("data-code") == ("51-4121.00")
    check_page(page, "plan-find-es", axe_log)
    keep_shots("plan-find-es", SHOTS)
    page.locator("#occupation-hits a").first.click()
    page.wait_for_load_state()
    check_page(page, "plan-item-es", axe_log)
    keep_shots("plan-item-es", SHOTS)
