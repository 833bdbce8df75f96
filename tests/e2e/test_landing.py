"""Home Affairs lands on the cycle (screenshots at 1366×900 and 390×844); a visitor lands on the results."""

import pytest
from playwright.sync_api import expect

from assessment.models import Period
from tests.assessment.conftest import agencies, graded_period, results_units  # noqa: F401 - fixtures
from tests.assessment.test_landing import late_period
from tests.e2e.test_appraisal import session


@pytest.mark.usefixtures("graded_period")
def test_home_affairs_lands_on_the_cycle_and_reaches_the_confirmation(
    browser, live_server, departments, screenshot_dir
):
    late_period(departments, count=3)
    home = session(browser, live_server, "noivu")
    for width, height in ((1366, 900), (390, 844)):
        home.set_viewport_size({"width": width, "height": height})
        home.goto("/")
        expect(home.get_by_test_id("ready-to-publish")).to_contain_text(
            "Chỉ số CCHC năm 2023: cả 4 hồ sơ đánh giá đã được phê duyệt, sẵn sàng công bố."
        )
        expect(home.get_by_test_id("cycle-overdue").locator("li")).to_have_count(1)
        home.screenshot(path=str(screenshot_dir / f"home-affairs-cycle-{width}.png"), full_page=True)
        # Nothing runs past the right edge of the screen.
        assert home.evaluate("document.documentElement.scrollWidth") <= width
    home.get_by_test_id("publish-2023").click()
    home.wait_for_url(f"**/admin/assessment/period/{Period.objects.get(year=2023).pk}/publish/")
    expect(home.get_by_test_id("publish-blocks")).to_contain_text("83,76%")
    home.context.close()


def test_a_visitor_lands_on_the_published_results(page):
    page.goto("/")
    page.wait_for_url("**/results/")
    expect(page.locator("h1")).to_have_text("Chỉ số cải cách hành chính: kết quả công bố")
