"""Predecessors shown honestly: a unit's public page lists the units it replaced with their own last results,
never in its trend or rank change; a block new this year shows no change, and says why."""

import re
from datetime import date
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Unit
from assessment.models import EarlierResult
from tests.assessment.conftest import publish
from tests.factories import BlockFactory, UnitFactory
from tests.second_factor import VerifiedClient

URL = reverse("public:results-unit", args=[2023, "so-du-lich"])


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def former(departments, code, name, index, rank):
    """A department that ended in 2022, with its imported 2022 result."""
    unit = UnitFactory(code=code, name=name, block=departments, active=False, valid_to=date(2022, 12, 31))
    EarlierResult.objects.create(year=2022, block=departments, unit=unit, index_percent=index, rank=rank)
    return unit


def test_the_unit_page_lists_its_predecessors_with_their_own_results(
    client, graded_period, coordinator, results_units, departments
):
    merged = results_units["so-du-lich"]
    merged.predecessors.set(
        [
            former(departments, "so-van-hoa", "Sở Văn hóa", D("91.25"), 3),
            former(departments, "so-the-thao", "Sở Thể thao", D("78.50"), 20),
        ]
    )
    publish(graded_period, coordinator)
    html = main(client.get(URL))
    assert "Sở Du lịch ← Sở Thể thao, Sở Văn hóa" in html  # Vietnamese name order
    assert (
        "Chỉ để tham khảo: kết quả công bố gần nhất của các đơn vị trước đây mà đơn vị này thay thế. Đó là kết quả "
        "của các đơn vị ấy, không phải của đơn vị này" in html
    )
    table = html[html.index('data-testid="predecessor-results"') :]
    assert re.findall(
        r"<tr><td>([^<]+)</td><td[^>]*>(\d{4})</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", table
    )[:2] == [("Sở Thể thao", "2022", "78,50%", "20"), ("Sở Văn hóa", "2022", "91,25%", "3")]
    # Its own trend and its rank change know nothing of them.
    trend = html[
        html.index('data-testid="unit-trend"') : html.index("</table>", html.index('data-testid="unit-trend"'))
    ]
    assert re.findall(r"<tr><td>(\d{4})</td>", trend) == ["2023"]
    period = main(client.get(reverse("public:results-period", args=[2023])))
    row = re.search(r"Sở Du lịch</a></td>.*?</tr>", period, re.S).group(0)
    assert re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', row) == ["—", "—"]


def test_a_predecessor_that_had_not_ended_is_not_listed_for_that_year(
    client, graded_period, coordinator, results_units, departments
):
    # Sở Tài chính's 2023 page does not list what it absorbed in 2025.
    later = UnitFactory(code="so-khdt", name="Sở Kế hoạch", block=departments, valid_to=date(2025, 2, 28))
    results_units["so-du-lich"].predecessors.set([later])
    publish(graded_period, coordinator)
    assert 'data-testid="unit-predecessors"' not in main(client.get(URL))


def test_the_unit_page_runs_the_same_queries_whatever_the_number_of_predecessors(
    client, graded_period, coordinator, results_units, departments
):
    merged = results_units["so-du-lich"]
    publish(graded_period, coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries.captured_queries)

    merged.predecessors.set([former(departments, "so-a", "Sở A", D("80"), 1)])
    one = count()
    merged.predecessors.set([former(departments, f"so-{n}", f"Sở {n}", D("80"), n) for n in range(2, 12)])
    # the stored page looked for first (one plain statement, issue 12), the page's 8 (the cache key read with the
    # publication), the predecessors with their published and imported results
    assert count() == one == 12
    assert "Sở 11" in main(client.get(URL))  # the cache key follows the links: the page is drawn again


def test_a_block_new_this_year_shows_no_change_and_says_why(client, graded_period, coordinator, results_units):
    districts = BlockFactory(code="districts", name="Khối quận, huyện, thị xã", order=2)
    district = UnitFactory(code="quan-a", name="Quận A", block=districts, valid_to=date(2022, 12, 31))
    EarlierResult.objects.create(year=2022, block=districts, unit=district, index_percent=D("90"), rank=1)
    publish(graded_period, coordinator)
    html = main(client.get(reverse("public:results-period", args=[2023])))
    assert (
        "Khối Sở, ban, ngành được đánh giá lần đầu năm 2023: không có kết quả năm 2022 để so sánh nên không hiển thị "
        "mức tăng, giảm. Trang của từng đơn vị liệt kê các đơn vị trước đây mà đơn vị đó thay thế, kèm kết quả gần "
        "nhất của chính các đơn vị ấy." in html
    )
    assert "Thay đổi thứ hạng" not in html and "Tăng/giảm" not in html


def test_a_block_that_existed_the_year_before_keeps_its_changes(client, graded_period, coordinator, results_units):
    unit = results_units["so-y-te"]
    EarlierResult.objects.create(year=2022, block=unit.block, unit=unit, index_percent=D("95.50"), rank=1)
    publish(graded_period, coordinator)
    html = main(client.get(reverse("public:results-period", args=[2023])))
    assert "Thay đổi thứ hạng" in html and 'data-testid="new-block"' not in html


def test_the_admin_unit_page_lists_predecessors_and_successors(graded_period, coordinator, results_units, departments):
    merged = results_units["so-du-lich"]
    merged.predecessors.set([former(departments, "so-van-hoa", "Sở Văn hóa", D("91.25"), 3)])
    publish(graded_period, coordinator)
    client = VerifiedClient()
    client.force_login(coordinator)
    html = client.get(reverse("admin:accounts_unit_change", args=[merged.pk])).content.decode()
    assert '<p data-testid="formed-from">Sở Du lịch ← Sở Văn hóa</p>' in html
    assert "<li>Sở Văn hóa: 91,25%, xếp thứ 3 năm 2022 (kết quả của chính đơn vị đó)</li>" in html
    old = Unit.objects.get(code="so-van-hoa")
    html = client.get(reverse("admin:accounts_unit_change", args=[old.pk])).content.decode()
    assert '<p data-testid="replaced-by">Sở Văn hóa → Sở Du lịch</p>' in html
