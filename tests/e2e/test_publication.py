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
    expect(admin.get_by_test_id("publish-blocks").locator("tbody tr")).to_have_text(["Khối Sở, ban, ngành483,76%"])
    admin.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    admin.get_by_label("Ngày quyết định").fill("05/04/2024")
    admin.get_by_test_id("publish").click()
    expect(admin.get_by_test_id("publish-confirm")).to_contain_text(
        "Phiên bản 1 sẽ được công bố theo Quyết định số 1234/QĐ-UBND ngày 05/04/2024"
    )
    assert not Publication.objects.exists()
    admin.get_by_test_id("publish-confirm-button").click()
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


@pytest.mark.usefixtures("graded_period")
def test_the_confirmation_of_a_corrected_version(browser, live_server, coordinator, screenshot_dir):
    """The confirmation page lists what a new version moves (screenshots at 1366×900 and on a 390×844 phone);
    the earlier version's public page then says it was replaced."""
    from decimal import Decimal

    from assessment.models import Assessment
    from tests.assessment.conftest import publish, set_scores

    period = Period.objects.get(year=2023)
    publish(period, coordinator)
    set_scores(Assessment.objects.get(period=period, unit__code="so-y-te"), {"2.2": Decimal("5")})
    admin = session(browser, live_server, "noivu", admin=True)
    for width, height in ((1366, 900), (390, 844)):
        admin.set_viewport_size({"width": width, "height": height})
        admin.goto(f"/admin/assessment/period/{period.pk}/publish/")
        expect(admin.get_by_test_id("publish-changes")).to_contain_text("Sở Y tế")
        expect(admin.get_by_test_id("publish-changes")).to_contain_text("61,85% → 80,37%")
        admin.screenshot(path=str(screenshot_dir / f"publish-confirmation-{width}.png"), full_page=True)
        # The form fits the screen: no field runs past the right edge.
        for name in ("decision_number", "decision_date", "reason"):
            box = admin.locator(f"[name={name}]").bounding_box()
            assert box["x"] + box["width"] <= width, name
    admin.get_by_label("Số quyết định").fill("1300/QĐ-UBND")
    admin.get_by_label("Ngày quyết định").fill("20/04/2024")
    admin.get_by_label("Lý do đính chính").fill("Điều chỉnh tiêu chí 2.2")
    admin.get_by_test_id("publish").click()
    expect(admin.get_by_test_id("publish-confirm")).to_contain_text("Lý do đính chính: Điều chỉnh tiêu chí 2.2")
    admin.screenshot(path=str(screenshot_dir / "publish-confirm-step-390.png"), full_page=True)
    admin.get_by_test_id("publish-confirm-button").click()
    admin.wait_for_url("**/results/2023/")
    assert Publication.objects.filter(period=period).count() == 2
    admin.goto("/results/2023/?version=1")
    expect(admin.get_by_test_id("replaced")).to_contain_text(
        "Phiên bản này đã được thay thế bằng phiên bản 2 (Quyết định số 1300/QĐ-UBND ngày 20/04/2024)."
    )
    admin.set_viewport_size({"width": 1366, "height": 900})
    admin.screenshot(path=str(screenshot_dir / "results-replaced-version.png"), full_page=True)
    admin.context.close()
