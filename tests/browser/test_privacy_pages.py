"""Privacy requests in a real browser (issue 12 item 20): a coach asks, an admin approves an
export, refuses nothing by mistake, and deletes a student after typing the school id; the
pages pass axe at both widths and break no rule of their content security policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import NewPage, caseload_student_href, check_page

pytestmark = pytest.mark.slow


def test_a_coach_asks_and_an_admin_decides_and_deletes(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("coach2")
    href = caseload_student_href(page, base_url, last=True)
    student_id = href.rsplit("/", 1)[-1]
    page.goto(f"{base_url}{href}")
    page.locator("#privacy-link").click()
    page.wait_for_load_state()
    check_page(page, "coach-privacy", axe_log)
    page.get_by_label("Deletion of the records").check()
    page.get_by_label("Who asked, and why").fill("the family moved to another state")
    page.get_by_role("button", name="Send the request to an admin").click()
    page.wait_for_load_state()
    assert page.locator("#privacy-filed").is_visible()
    assert "waiting for an admin" in page.locator("#my-requests").inner_text()

    page = new_page("admin")
    page.get_by_role("link", name="Privacy").click()
    page.wait_for_load_state()
    assert "the family moved to another state" in page.content()
    check_page(page, "staff-privacy", axe_log)
    page.get_by_role("button", name="Approve request").first.click()  # box not ticked
    page.wait_for_load_state()
    assert page.locator("#privacy-problem").is_visible()
    page.get_by_role("link", name=student_id, exact=True).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Download the export (JSON)").is_visible()
    local_id = page.locator("#confirm_local_id").get_attribute("id")
    assert local_id
    label = page.locator("label[for=confirm_local_id]").inner_text()
    page.locator("#confirm_local_id").fill(label.split("school id ", 1)[1].split(" ")[0])
    page.get_by_role("button", name=f"Delete student {student_id}'s records").click()
    page.wait_for_load_state()
    assert page.locator("#privacy-done").is_visible()
    page.goto(f"{base_url}/staff/privacy?student_id={student_id}")
    assert page.locator("#no-student").is_visible()
    assert "POST /staff/privacy/students/{student_id}/delete" in page.content()
    assert page.evaluate("window.__csp") == []
