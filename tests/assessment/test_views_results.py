"""The unit's own results after publication, and its improvement-plan worksheet."""

import io
import re
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Role
from assessment.models import Assessment, Score
from tests.assessment.conftest import publish
from tests.conftest import make_user


@pytest.fixture
def y_te_staff(results_units):
    return make_user("canbo-yte", (Role.UNIT_STAFF, results_units["so-y-te"]), full_name="Trịnh Văn Bình")


@pytest.fixture
def y_te(graded_period):
    assessment = Assessment.objects.get(period=graded_period, unit__code="so-y-te")
    Score.objects.filter(assessment=assessment, criterion__code="1.2").update(
        self_points=D("8"), appraised_comment="Kiểm tra chưa đủ 30% đơn vị trực thuộc."
    )
    Score.objects.filter(assessment=assessment, criterion__code="1.1").update(
        self_points=D("4"),
        appraised_points=D("3"),
        appraised_comment="Ban hành muộn.",
        reappraised_points=D("3.50"),
        reappraised_comment="Đã giải trình một phần.",
    )
    return assessment


def test_no_results_page_before_publication(client, y_te, y_te_staff):
    client.force_login(y_te_staff)
    assert client.get(reverse("assessment:assessment-results", args=[y_te.pk])).status_code == 404
    assert client.get(reverse("assessment:improvement-plan", args=[y_te.pk])).status_code == 404
    assert 'data-testid="results-link"' not in client.get(reverse("assessment:assessment-list")).content.decode()


def test_the_unit_reads_its_published_result(client, y_te, y_te_staff, coordinator):
    publish(y_te.period, coordinator)
    client.force_login(y_te_staff)
    listing = client.get(reverse("assessment:assessment-list")).content.decode()
    assert reverse("assessment:assessment-results", args=[y_te.pk]) in listing
    html = client.get(reverse("assessment:assessment-results", args=[y_te.pk])).content.decode()
    assert re.search(r'data-testid="result-index">61,85%<', html)
    assert '<nav aria-label="Đường dẫn">' in html and 'aria-label="breadcrumb"' not in html
    assert "Xếp thứ 4/4 trong Khối Sở, ban, ngành" in html
    assert "Lĩnh vực 1: 8,45/12 điểm, đạt 70,42%" in html
    rows = re.findall(
        r"<tr>\s*<td><strong>([\d.]+)</strong>[^<]*</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*"
        r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>",
        html,
    )
    assert rows == [
        ("1.1", "4,00", "3,50", "4", "0,50", "Đã giải trình một phần."),
        ("1.2", "8,00", "4,95", "8", "3,05", "Kiểm tra chưa đủ 30% đơn vị trực thuộc."),
        ("2.2", "—", "0,00", "5", "5,00", "—"),
        ("3.1", "—", "7,25", "10", "2,75", "Kết quả điều tra xã hội học"),
        ("9.2", "—", "-1,00", "—", "1,00", "Bị phê bình (12/QĐ-UBND)"),
    ]


def test_the_improvement_plan_lists_the_lost_points(client, y_te, y_te_staff, coordinator):
    publish(y_te.period, coordinator)
    client.force_login(y_te_staff)
    response = client.get(reverse("assessment:improvement-plan", args=[y_te.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="ke-hoach-khac-phuc-so-y-te-2023.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "KẾ HOẠCH KHẮC PHỤC HẠN CHẾ — SỞ Y TẾ"
    assert rows[1][0] == (
        "Chỉ số CCHC năm 2023: chỉ số 61,85%, xếp hạng 4/4 Khối Sở, ban, ngành (công bố theo quyết định 1234/QĐ-UBND)"
    )
    assert rows[3] == [
        "STT",
        "Lĩnh vực",
        "Mã tiêu chí",
        "Tiêu chí",
        "Điểm tối đa",
        "Điểm tự chấm",
        "Điểm đạt",
        "Điểm bị mất",
        "Nhận xét của cơ quan thẩm định",
        "Nguyên nhân",
        "Giải pháp khắc phục",
        "Đơn vị, người chủ trì",
        "Thời hạn hoàn thành",
    ]
    assert rows[4:] == [
        [
            1,
            "1. Công tác chỉ đạo, điều hành",
            "1.1",
            "Kế hoạch CCHC",
            4,
            4,
            3.5,
            0.5,
            "Đã giải trình một phần.",
            None,
            None,
            None,
            None,
        ],
        [
            2,
            "1. Công tác chỉ đạo, điều hành",
            "1.2",
            "Kiểm tra CCHC",
            8,
            8,
            4.95,
            3.05,
            "Kiểm tra chưa đủ 30% đơn vị trực thuộc.",
            None,
            None,
            None,
            None,
        ],
        [3, "2. Cải cách thủ tục hành chính", "2.2", "Công khai thủ tục", 5, None, 0, 5, None, None, None, None, None],
        [
            4,
            "3. Sự hài lòng của người dân",
            "3.1",
            "Khảo sát sự hài lòng",
            10,
            None,
            7.25,
            2.75,
            "Kết quả điều tra xã hội học",
            None,
            None,
            None,
            None,
        ],
        [
            5,
            "9. Điểm thưởng, điểm trừ",
            "9.2",
            "Điểm trừ",
            None,
            None,
            -1,
            1,
            "Bị phê bình (12/QĐ-UBND)",
            None,
            None,
            None,
            None,
        ],
    ]


def test_another_units_results_do_not_exist_for_it(client, graded_period, y_te_staff, coordinator):
    publish(graded_period, coordinator)
    other = Assessment.objects.get(period=graded_period, unit__code="so-du-lich")
    client.force_login(y_te_staff)
    assert client.get(reverse("assessment:assessment-results", args=[other.pk])).status_code == 404
    assert client.get(reverse("assessment:improvement-plan", args=[other.pk])).status_code == 404
