"""A coach logs every activity the state counts in a real browser (Chromium), with axe checks:
one form per category reached through the picker (no script needed), a refused form, the log's
filter, edit, and delete with its question first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import NewPage, caseload_student_href, check_page

pytestmark = pytest.mark.slow

SHOTS = Path("/tmp/shots/activities")

#: What a coach types into each kind's form (label -> value), beside date and minutes.
FILLS: dict[str, dict[str, str]] = {
    "one_on_one": {"Notes": "Browser one-on-one about the welding programme"},
    "group_session": {"Attendees": "22", "Topic": "Browser group: reading a pay stub"},
    "planning_session": {"What was planned": "Browser planning: dual credit next fall"},
    "job_shadow": {
        "Employer": "Browser Shipyard",
        "Occupation": "Welders, Cutters, Solderers, and Brazers",
    },
    "job_application": {"Employer": "Browser Hospital", "Occupation": "Registered Nurses"},
    "guest_speaker": {
        "Speaker's organisation": "Browser Community College",
        "Audience size": "75",
        "Topic": "Browser speaker: programmes with jobs here",
    },
    "parent_conversation": {"Language used": "Spanish", "Notes": "Browser parent call"},
}
NEEDS_STUDENT = {
    "one_on_one",
    "planning_session",
    "job_shadow",
    "job_application",
    "parent_conversation",
}


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((320, 640), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_a_coach_logs_every_kind_of_activity(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach1")  # the activity pages load no script: the picker is a GET form
    page.goto(f"{base_url}/coach/activities")
    check_page(page, "coach-activity-log", axe_log)
    _shoot(page, "log")
    for category, fills in FILLS.items():
        page.goto(f"{base_url}/coach/activities/new")
        page.get_by_label("Kind of activity").select_option(category)
        page.get_by_role("button", name="Show its fields").click()
        page.wait_for_load_state()
        assert (
            page.locator("#activity-form input[name=category]").get_attribute("value") == category
        )
        assert page.locator("script[src]").count() == 0, "the form needs no script"
        if category in NEEDS_STUDENT:
            page.locator("#f-student_id").select_option(index=1)
        if category == "group_session":
            page.locator("input[name=attendee_ids]").first.check()
        page.get_by_label("Minutes").fill("35")
        for label, value in fills.items():
            page.get_by_label(label, exact=True).fill(value)
        check_page(page, f"coach-activity-form-{category}", axe_log)
        _shoot(page, f"form-{category}")
        page.get_by_role("button", name="Log activity").click()
        page.get_by_text("Activity saved.").wait_for()
        shown = next(
            v for k, v in fills.items() if k not in ("Attendees", "Audience size", "Language used")
        )
        assert shown.split(",")[0] in page.locator("#activity-table").inner_text(), category
    check_page(page, "coach-activity-log-filled", axe_log)
    _shoot(page, "log-filled")

    # the filter shows one kind only
    page.get_by_label("Show").select_option("guest_speaker")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    table = page.locator("#activity-table").inner_text()
    assert "Browser Community College" in table and "Browser Shipyard" not in table


def test_a_refused_form_then_edit_and_delete(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach1")
    page.goto(f"{base_url}/coach/activities/new?category=job_shadow")
    page.locator("#f-student_id").select_option(index=1)
    page.get_by_label("Date").fill("2099-01-01")
    page.get_by_label("Occupation").fill("Dragon tamers")
    page.get_by_role("button", name="Log activity").click()
    page.locator("#activity-errors").wait_for()
    errors = page.locator("#activity-errors").inner_text()
    assert "Date:" in errors and "Employer:" in errors and "Occupation:" in errors
    assert page.get_by_label("Occupation").input_value() == "Dragon tamers"
    assert page.locator("#f-occurred_on").get_attribute("aria-invalid") == "true"
    check_page(page, "coach-activity-form-refused", axe_log)
    _shoot(page, "form-refused")

    # edit the first entry of the log, then delete it (a question first)
    page.goto(f"{base_url}/coach/activities")
    row = page.locator("#activity-table tbody tr").first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url(re.compile(r"/coach/activities/\d+/edit$"))
    check_page(page, "coach-activity-edit", axe_log)
    page.get_by_label("Minutes").fill("41")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Activity saved.").wait_for()
    assert "41" in page.locator(f"#{row_id}").inner_text()
    page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Delete")).click()
    page.get_by_role("heading", name="Delete this activity?").wait_for()
    check_page(page, "coach-activity-delete", axe_log)
    _shoot(page, "delete-question")
    page.get_by_role("link", name="No, keep it").click()
    assert page.locator(f"#{row_id}").count() == 1, "nothing deleted without a yes"
    page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Delete")).click()
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("Activity deleted.").wait_for()
    assert page.locator(f"#{row_id}").count() == 0


def test_the_student_page_links_every_other_kind(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach2")
    href = caseload_student_href(page, base_url)
    page.goto(f"{base_url}{href}#sessions")
    _shoot(page, "student-sessions")
    page.locator("#other-kinds").get_by_role("link", name="Job application").click()
    page.wait_for_load_state()
    student_id = href.rsplit("/", 1)[-1]
    assert page.locator("#f-student_id").input_value() == student_id
    page.get_by_label("Employer").fill("Browser Furniture Works")
    page.get_by_label("Occupation").fill("Registered Nurses")
    page.get_by_role("button", name="Log activity").click()
    page.wait_for_url(re.compile(re.escape(href) + r"\?logged=1"))
    page.get_by_text("Session logged.").wait_for()
    assert "Job application" in page.locator("#session-table").inner_text()
    check_page(page, "coach-student-after-activity", axe_log)
