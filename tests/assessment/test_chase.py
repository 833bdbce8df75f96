"""Home Affairs' "who to chase" page: who may open it, its exact rows and filters, its export, its queries."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from assessment.models import Assessment, AssessmentEvent, AssessmentStatus, Evidence, ReminderSend, Score
from tests.conftest import make_user
from tests.factories import ActiveFrameworkFactory, AssessmentFactory, BlockFactory, EvidenceFactory, UnitFactory
from tests.spreadsheets import HYPERLINK, xlsx_rows

from .test_reminders import _units_with_people, make_period

S = AssessmentStatus
URL = reverse("assessment:chase")
XLSX = reverse("assessment:chase-xlsx")


def moment(day, hour=9, minute=0):
    return timezone.make_aware(datetime(2026, 1, day, hour, minute))


@pytest.fixture
def chase_period(db, private_storage):
    """Four units of 2025: Sở Tài chính a draft with one leaf answered and two reminders; Sở Xây dựng submitted;
    Sở Y tế returned, with evidence attached on 22/1; Quận Ba Đình (another block) a draft untouched."""
    framework = ActiveFrameworkFactory()
    districts_framework = ActiveFrameworkFactory(
        block=BlockFactory(code="districts", name="Khối quận, huyện, thị xã", order=2)
    )
    period = make_period()
    units = {
        code: UnitFactory(code=code, name=name, block=framework.block)
        for code, name in [("so-tai-chinh", "Sở Tài chính"), ("so-xay-dung", "Sở Xây dựng"), ("so-y-te", "Sở Y tế")]
    }
    assessments = {
        code: AssessmentFactory(period=period, unit=unit, framework=framework) for code, unit in units.items()
    }
    ba_dinh = UnitFactory(code="quan-ba-dinh", name="Quận Ba Đình", block=districts_framework.block)
    assessments["quan-ba-dinh"] = AssessmentFactory(period=period, unit=ba_dinh, framework=districts_framework)
    finance = assessments["so-tai-chinh"]
    Score.objects.filter(assessment=finance, criterion__code="1.2").update(
        self_points=Decimal("3.00"), updated_at=moment(20, 15, 30)
    )
    for code, status in [("so-xay-dung", S.SUBMITTED), ("so-y-te", S.RETURNED)]:
        Assessment.objects.filter(pk=assessments[code].pk).update(status=status)
    evidence = EvidenceFactory(score=Score.objects.get(assessment=assessments["so-y-te"], criterion__code="1.2"))
    Evidence.objects.filter(pk=evidence.pk).update(added_at=moment(22, 8, 45))
    actor = make_user("nguoi-gui", full_name="Đỗ Quang Huy")
    AssessmentEvent.objects.create(
        assessment=assessments["so-xay-dung"], from_status=S.DRAFT, to_status=S.SUBMITTED, actor=actor
    )
    AssessmentEvent.objects.filter(assessment=assessments["so-xay-dung"]).update(at=moment(25, 10, 5))
    for offset, day in [(14, 17), (7, 24)]:
        ReminderSend.objects.create(
            period=period,
            window="self_assessment",
            unit=units["so-tai-chinh"],
            assessment=finance,
            closes=date(2026, 1, 31),
            offset=offset,
            sent_on=date(2026, 1, day),
            recipients="canbo@stc.hanoi.gov.vn",
        )
    return period, assessments


def texts(response):
    return [
        (
            row.assessment.unit.name,
            str(row.assessment.get_status_display()),
            row.last_activity and timezone.localtime(row.last_activity).strftime("%d/%m/%Y %H:%M"),
            f"{row.answered}/{row.total}",
            row.missing_evidence,
            row.reminders,
            row.last_reminder,
        )
        for row in response.context["rows"]
    ]


ALL_ROWS = [
    ("Sở Tài chính", "Nháp", "20/01/2026 15:30", "1/3", 1, 2, date(2026, 1, 24)),
    ("Quận Ba Đình", "Nháp", None, "0/3", 1, 0, None),
    ("Sở Xây dựng", "Đã gửi", "25/01/2026 10:05", "0/3", 1, 0, None),
    ("Sở Y tế", "Trả lại để giải trình", "22/01/2026 08:45", "0/3", 1, 0, None),
]


def test_home_affairs_sees_every_unit_by_state(client, coordinator, chase_period):
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert texts(response) == ALL_ROWS
    page = response.content.decode()
    assert "Đơn vị cần đôn đốc" in page
    assert "4 đơn vị trong Chỉ số CCHC năm 2025" in page
    assert '2 <span class="small text-body-secondary">(gần nhất 24/01/2026)</span>' in page


def test_the_page_filters_by_block_and_state(client, coordinator, chase_period):
    period, assessments = chase_period
    client.force_login(coordinator)
    block = assessments["so-tai-chinh"].unit.block
    assert texts(client.get(URL, {"period": period.pk, "block": block.pk})) == [ALL_ROWS[0], ALL_ROWS[2], ALL_ROWS[3]]
    assert texts(client.get(URL, {"state": "draft"})) == ALL_ROWS[:2]
    assert texts(client.get(URL, {"block": block.pk, "state": "draft"})) == ALL_ROWS[:1]
    empty = client.get(URL, {"state": "approved"})
    assert texts(empty) == []
    assert "Không có đơn vị nào phù hợp với bộ lọc." in empty.content.decode()


def test_an_unknown_period_is_not_found(client, coordinator, chase_period):
    client.force_login(coordinator)
    assert client.get(URL, {"period": 999999}).status_code == 404


def test_without_an_opened_period_the_page_says_so(client, coordinator, db):
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Chưa có kỳ đánh giá nào được mở." in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("unit_staff", 403),
        ("unit_head", 403),
        ("appraiser", 403),
        ("council_member", 403),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("url", [URL, XLSX])
def test_only_home_affairs_opens_the_page_and_its_export(client, chase_period, request, who, status, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", [URL, XLSX])
def test_a_visitor_is_sent_to_sign_in(client, chase_period, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_export_holds_the_rows_as_shown(client, coordinator, chase_period):
    period, assessments = chase_period
    Unit.objects.filter(pk=assessments["so-y-te"].unit_id).update(name=HYPERLINK)  # a hostile name stays text
    client.force_login(coordinator)
    response = client.get(XLSX, {"period": period.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="don-vi-can-nhac-2025.xlsx"'
    rows = [[cell.value for cell in row] for row in xlsx_rows(response.content)]
    assert rows == [
        [
            "Đơn vị",
            "Khối",
            "Trạng thái",
            "Hoạt động gần nhất",
            "Tiêu chí đã nhập",
            "Tổng số tiêu chí",
            "Thiếu tài liệu kiểm chứng bắt buộc",
            "Số lần nhắc",
            "Lần nhắc gần nhất",
        ],
        ["Sở Tài chính", "Khối Sở, ban, ngành", "Nháp", "20/01/2026 15:30", 1, 3, 1, 2, "24/01/2026"],
        ["Quận Ba Đình", "Khối quận, huyện, thị xã", "Nháp", None, 0, 3, 1, 0, None],
        ["Sở Xây dựng", "Khối Sở, ban, ngành", "Đã gửi", "25/01/2026 10:05", 0, 3, 1, 0, None],
        [HYPERLINK, "Khối Sở, ban, ngành", "Trả lại để giải trình", "22/01/2026 08:45", 0, 3, 1, 0, None],
    ]


def test_the_export_follows_the_filters(client, coordinator, chase_period):
    client.force_login(coordinator)
    rows = xlsx_rows(client.get(XLSX, {"state": "submitted"}).content)
    assert [row[0].value for row in rows[1:]] == ["Sở Xây dựng"]


def test_the_cycle_dashboard_links_to_the_page(client, coordinator, chase_period):
    period, _assessments = chase_period
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{URL}?period={period.pk}" data-testid="cycle-chase"' in page


@pytest.mark.parametrize("units", [10, 200])
def test_the_page_takes_the_same_number_of_queries_for_10_and_200_units(
    client, coordinator, units, django_assert_num_queries
):
    framework = ActiveFrameworkFactory()
    period = make_period()
    _units_with_people(units, period, framework)
    client.force_login(coordinator)
    client.get(URL)  # the session and the second factor settle
    # the request's own (session, user, second factor, roles); the periods, the period asked for, the blocks;
    # the assessments, their progress, their reminders
    with django_assert_num_queries(10):
        response = client.get(URL, {"period": period.pk})
    assert len(response.context["rows"]) == units
    with django_assert_num_queries(9):  # no list of blocks
        response = client.get(XLSX, {"period": period.pk})
    assert len(xlsx_rows(response.content)) == units + 1
