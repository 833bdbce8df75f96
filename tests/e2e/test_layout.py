"""Laptop and phone layouts measured in Chromium: the appraisers' queue shows every editable column at 1366 px
without scrolling sideways; on a 390 px phone the public ranking clips no column, keeps unit names whole and
draws chart labels at 11 px or more. Screenshots in build/screenshots/."""

import pytest
from django.urls import reverse

from assessment.models import Assessment, Period
from tests.assessment.conftest import (  # noqa: F401 - fixtures
    agencies,
    assessment,
    complete,
    draft_framework,
    graded_period,
    publish,
    results_units,
    sample_framework,
    submitted,
)
from tests.e2e.conftest import SCREENSHOTS, sign_in

# The smallest size at which each chart's texts are drawn, in CSS pixels (the SVG's scale × its font size).
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll("svg.cchc-chart")]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => svg.getScreenCTM().a * Number(svg.getAttribute("font-size"))))"""


def new_page(browser, live_server, width, height):
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height}, base_url=live_server.url)
    context.set_default_timeout(15000)
    return context.new_page()


@pytest.mark.usefixtures("submitted", "appraiser")
def test_the_queue_shows_every_editable_column_at_1366_px(browser, live_server):
    page = sign_in(new_page(browser, live_server, 1366, 900), "thamdinh", admin=True)
    page.goto(reverse("admin:assessment_score_changelist"))
    assert page.evaluate("document.documentElement.scrollWidth") == 1366
    for column in (
        "appraised_points",
        "appraised_comment",
        "na_confirmed",
        "reappraised_points",
        "reappraised_comment",
        "council_points",
    ):
        box = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= 1366, column
    page.screenshot(path=str(SCREENSHOTS / "queue-1366.png"))


@pytest.mark.usefixtures("graded_period")
def test_the_ranking_on_a_phone_clips_nothing_and_its_charts_read(browser, live_server, coordinator):
    publish(Period.objects.get(year=2023), coordinator)
    page = new_page(browser, live_server, 390, 844)
    page.goto(reverse("public:results-period", args=[2023]))
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    ranking = page.get_by_test_id("ranking")
    assert ranking.evaluate("table => table.parentElement.scrollWidth <= table.parentElement.clientWidth")
    row = ranking.locator("tbody tr").nth(3)
    for cell in row.locator("td").all():  # every cell of the row, the rank change too, inside the screen
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    name = row.locator("td:nth-child(2) a")
    assert name.inner_text() == "Sở Y tế"
    assert name.bounding_box()["height"] < 30  # on one line, not a word per line
    assert row.locator("td[data-label='Thay đổi thứ hạng']").is_visible()
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 11
    page.screenshot(path=str(SCREENSHOTS / "ranking-390.png"), full_page=True)
    page.goto(reverse("public:results-unit", args=[2023, "so-y-te"]))
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 11
    page.screenshot(path=str(SCREENSHOTS / "unit-390.png"), full_page=True)


@pytest.mark.usefixtures("graded_period")
def test_the_charts_read_at_1366_px(browser, live_server, coordinator):
    publish(Period.objects.get(year=2023), coordinator)
    page = new_page(browser, live_server, 1366, 900)
    for url in (reverse("public:results-period", args=[2023]), reverse("public:results-unit", args=[2023, "so-y-te"])):
        page.goto(url)
        assert page.evaluate(SMALLEST_CHART_TEXT) >= 11, url


@pytest.mark.usefixtures("assessment")
def test_the_summary_on_a_phone_keeps_field_names_whole(browser, live_server, unit_staff):
    draft = Assessment.objects.get()
    complete(draft, unit_staff)
    page = sign_in(new_page(browser, live_server, 390, 844), unit_staff.username)
    page.goto(reverse("assessment:assessment-summary", args=[draft.pk]))
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    table = page.get_by_test_id("field-totals")
    assert table.evaluate("table => table.parentElement.scrollWidth <= table.parentElement.clientWidth")
    row = table.locator("tbody tr").first
    name = row.locator("td:first-child a")
    assert name.inner_text() == "1. Công tác chỉ đạo, điều hành cải cách hành chính"
    line = name.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)")
    assert name.bounding_box()["height"] <= 2 * line + 1  # the name on the card's width: two lines at most
    numbers = [row.locator(f"td[data-label='{label}']") for label in ("Điểm tự đánh giá", "Điểm tối đa", "%")]
    assert [cell.inner_text().split("\n")[-1] for cell in numbers] == ["8,00", "8", "100,00"]
    name_box = row.locator("td:first-child").bounding_box()
    for cell in numbers:  # below the name, side by side, inside the screen
        box = cell.bounding_box()
        assert box["y"] >= name_box["y"] + name_box["height"] - 1 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(SCREENSHOTS / "summary-390.png"), full_page=True)
