"""Home Affairs publishes in the admin; anyone reads the ranking, its chart and a unit's page."""

import pytest
from playwright.sync_api import expect

from assessment.models import Period, Publication
from tests.assessment.conftest import agencies, graded_period, results_units  # noqa: F401 - fixtures
from tests.e2e.test_appraisal import session


@pytest.mark.usefixtures("graded_period")
def test_the_coordinator_publishes_and_the_public_reads_the_ranking(browser, live_server, coordinator, screenshot_dir):
    period = Period.objects.get(year=2023)
    admin = session(browser, live_server, "noivu", admin=True)
    admin.goto(f"/admin/assessment/period/{period.pk}/change/")
    admin.get_by_test_id("provisional-link").click()
    expect(admin.get_by_test_id("provisional-departments")).to_contain_text("bình quân khối 83,76%")
    admin.screenshot(path=str(screenshot_dir / "results-provisional.png"), full_page=True)
    admin.get_by_test_id("publish-link").first.click()
    admin.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    admin.get_by_label("Ngày quyết định").fill("05/04/2024")
    admin.get_by_test_id("publish").click()
    admin.wait_for_url("**/results/2023/")
    assert Publication.objects.get().decision_number == "1234/QĐ-UBND"

    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    public = context.new_page()
    public.goto("/results/")
    public.get_by_role("link", name="Chỉ số CCHC năm 2023").click()
    ranking = public.get_by_test_id("ranking")
    expect(ranking.locator("tbody tr")).to_have_count(4)
    expect(ranking.locator("tbody tr").nth(3)).to_contain_text("Sở Y tế")
    expect(ranking.locator("tbody tr").nth(3)).to_contain_text("61,85%")
    chart = public.get_by_test_id("ranking-chart").locator("svg.cchc-chart-wide")  # the narrow one is for phones
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(4)
    widths = [float(bar.get_attribute("width")) for bar in chart.locator("rect").all()]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[3] > 0
    box = chart.bounding_box()
    assert box["width"] > 500 and box["height"] > 80
    public.screenshot(path=str(screenshot_dir / "results-public-ranking.png"), full_page=True)

    with public.expect_download() as download:
        public.get_by_test_id("download-csv").click()
    assert download.value.suggested_filename == "chi-so-cchc-2023-v1.csv"
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        assert "4,Sở Y tế" in handle.read()

    ranking.get_by_role("link", name="Sở Y tế").click()
    expect(public.get_by_test_id("unit-fields")).to_contain_text("Lĩnh vực 1: 8,45/12 điểm, đạt 70,42%")
    expect(public.get_by_test_id("field-profile").locator("svg.cchc-chart-wide")).to_be_visible()
    public.screenshot(path=str(screenshot_dir / "results-public-unit.png"), full_page=True)
    context.close()
