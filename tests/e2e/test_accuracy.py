"""Home Affairs opens the accuracy of a period's self-assessments from the period and orders it by a column."""

import pytest
from playwright.sync_api import expect

from assessment.models import Period
from tests.assessment.conftest import agencies  # noqa: F401 - fixtures
from tests.assessment.test_accuracy import framework, units, year_2023  # noqa: F401 - fixtures
from tests.e2e.test_appraisal import session


@pytest.mark.usefixtures("year_2023")
def test_home_affairs_reads_the_accuracy_table(browser, live_server, coordinator, screenshot_dir):
    period = Period.objects.get(year=2023)
    admin = session(browser, live_server, "noivu", admin=True)
    admin.goto(f"/admin/assessment/period/{period.pk}/change/")
    admin.get_by_test_id("accuracy-link").click()
    rows = admin.get_by_test_id("accuracy").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Sở Tài chính")
    expect(rows.first).to_contain_text("+6,00")
    admin.get_by_role("link", name="Đơn vị").click()
    expect(rows.first).to_contain_text("Sở Tài chính")
    expect(rows.nth(1)).to_contain_text("Sở Xây dựng")
    admin.screenshot(path=str(screenshot_dir / "accuracy-admin.png"), full_page=True)
