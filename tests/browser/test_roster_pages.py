"""Roster import and class codes in a real browser (issue 14 items 1, 2 and 7): a coach uploads a
OneRoster bundle, checks the preview, imports, finds the class on the caseload, issues a code for
every student of it and prints the slips; a broken copy shows every bad row. The pages pass axe
at both widths and break no rule of their content security policy; the 30-student sheet prints
on few pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import NewPage, check_page, keep_shots
from tests.rosters import SampleSchool, broken_bundle, make_bundle, zip_bundle

pytestmark = pytest.mark.slow

SCHOOL = SampleSchool("org-mc", "Magnolia Coast High School", "")  # matched on the name
SHOTS = Path("/tmp/shots/rosters")


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_a_coach_imports_a_roster_and_prints_codes_for_a_class(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any], tmp_path: Path
) -> None:
    bundle = make_bundle((SCHOOL,), 30, seed=11, teachers=2)
    zipped = tmp_path / "roster.zip"
    zipped.write_bytes(zip_bundle(bundle))
    broken, where = broken_bundle(bundle)
    broken_zip = tmp_path / "broken.zip"
    broken_zip.write_bytes(zip_bundle(broken))
    page = new_page("coach1")
    page.get_by_role("link", name="Import a roster").click()
    page.wait_for_load_state()
    check_page(page, "coach-roster", axe_log)
    keep_shots("coach-roster", SHOTS)

    page.get_by_label("Roster file (.zip or .csv)").set_input_files(str(broken_zip))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    rows = page.locator("#problem-list tbody tr")
    assert rows.count() == len(where)
    shown = {tuple(rows.nth(i).locator("td").all_inner_texts()[:3]) for i in range(rows.count())}
    assert shown == {(f, str(r), c) for f, r, c in where}
    check_page(page, "coach-roster-problems", axe_log)
    keep_shots("coach-roster-problems", SHOTS)

    page.get_by_label("Roster file (.zip or .csv)").set_input_files(str(zipped))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    assert "Magnolia Coast High School" in page.locator("#preview-table").inner_text()
    check_page(page, "coach-roster-preview", axe_log)
    keep_shots("coach-roster-preview", SHOTS)
    page.get_by_role("button", name="Import 30 students").click()
    page.wait_for_load_state()
    assert "30 students added" in page.locator("#roster-done").inner_text()

    page.goto(f"{base_url}/coach")
    value = page.locator("#class option", has_text="Homeroom 01").get_attribute("value")
    page.get_by_label("Class", exact=True).select_option(value)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("table tbody tr").count() == 30
    check_page(page, "coach-caseload-class", axe_log)
    keep_shots("coach-caseload-class", SHOTS)

    page.get_by_label("Codes for a whole class").select_option(value)
    page.get_by_role("button", name="Issue codes for the class").click()
    page.wait_for_load_state()
    slips = page.locator(".slip-code")
    assert slips.count() == 30
    codes = slips.all_inner_texts()
    assert all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes)
    assert f"{base_url}/start" in page.locator(".slip-where").first.inner_text()
    assert re.search(r"until \d{1,2}:\d{2} [AP]M C[SD]T", page.locator("#slips").inner_text())
    page.reload()
    assert page.locator(".slip-code").all_inner_texts() == codes, "a reload issues none"
    check_page(page, "coach-codes-sheet", axe_log)
    keep_shots("coach-codes-sheet", SHOTS)
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "coach-codes-sheet-print.png"), full_page=True)
    pdf = page.pdf(format="Letter", print_background=False)  # print media, as a printer
    page.emulate_media(media="null")
    (SHOTS / "coach-codes-sheet.pdf").write_bytes(pdf)
    pages = _pdf_pages(pdf)
    axe_log["coach-codes-sheet-pdf-pages"] = pages
    assert 1 <= pages <= 2, f"30 slips take {pages} printed pages"
    assert page.evaluate("window.__csp") == []

    page = new_page()
    page.goto(f"{base_url}/start")
    page.get_by_label("Access code").fill(codes[0])
    page.get_by_role("button", name="Start").click()
    page.wait_for_load_state()
    assert "/assessment" in page.url
