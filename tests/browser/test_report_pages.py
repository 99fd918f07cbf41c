"""The staff report and the model pages in a real browser (issue 14 items 5-6): filters, totals,
scaled charts, CSV downloads, the card, the changelog and the promotion preview; every page
passes axe at 320 and 1366 px and breaks no rule of the content security policy."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import NewPage, check_page, keep_shots

pytestmark = pytest.mark.slow

DEMO_YEAR = "2025-2026"  # the demo district's group sessions


#: Where the report's authors look at the pages' screenshots.
SHOTS = Path("/tmp/shots/reports")


def test_staff_read_the_report_filter_it_and_download_its_tables(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("staff", accept_downloads=True)
    page.goto(f"{base_url}/staff/report?school_year={DEMO_YEAR}")
    totals = page.locator("#report-totals").inner_text()
    assert "2 activity entries" in totals and "48 students reached" in totals
    assert page.locator("svg.chart").count() >= 2
    assert "Entries" in page.locator("svg.chart").first.inner_html()
    check_page(page, "staff-report", axe_log)
    keep_shots("staff-report", SHOTS)

    page.get_by_label("Region", exact=True).select_option(label="Gulfport-Biloxi, MS")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "1 activity entry" in page.locator("#report-totals").inner_text()
    assert "Gulfport-Biloxi, MS" in page.locator("#region-table").inner_text()

    with page.expect_download() as waiting:
        page.locator("a[href^='/reports/summary/schools.csv']").click()
    rows = list(csv.DictReader(io.StringIO(Path(waiting.value.path()).read_text())))
    assert [int(r["entries"]) for r in rows] == [1]
    assert rows[0]["name"] == "Magnolia Coast High School"


def test_staff_read_the_card_the_changelog_and_the_promotion_preview(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("staff")
    page.goto(f"{base_url}/staff")
    assert page.locator("#changelog-metrics").is_visible()
    check_page(page, "staff-models", axe_log)
    keep_shots("staff-models", SHOTS)
    version = page.locator("#active-version").inner_text()
    page.goto(f"{base_url}/staff/models/{version}")
    assert page.locator("#catalogue-note").is_visible()
    assert page.locator(".model-card table").count() > 3
    check_page(page, "staff-card", axe_log)
    keep_shots("staff-card", SHOTS)
    page.goto(f"{base_url}/staff")
    other = page.locator("table a[href$='/promote']").first.get_attribute("href")
    page.goto(f"{base_url}{other}")
    assert "top five would change" in page.locator("#preview-summary").inner_text()
    check_page(page, "staff-confirm", axe_log)
    keep_shots("staff-confirm", SHOTS)


def test_an_admin_sets_a_coach_organisation(
    new_page: NewPage, base_url: str, axe_log: dict[str, Any]
) -> None:
    page = new_page("admin")
    page.goto(f"{base_url}/staff/organisations")
    check_page(page, "staff-organisations", axe_log)
    keep_shots("staff-organisations", SHOTS)
    box = page.get_by_label("Organisation of Demo Coach 2")
    box.fill("Delta Workforce Development Area")
    page.locator("form:has(#" + (box.get_attribute("id") or "") + ") button").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Organisation saved")
    page.goto(f"{base_url}/staff/report?school_year={DEMO_YEAR}")
    assert "Delta Workforce Development Area" in page.locator("#organisation-table").inner_text()
