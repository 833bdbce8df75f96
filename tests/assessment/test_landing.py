"""Each person lands on their next step (issue 11, item 9): the visitor on the results, the unit on its
assessment, the appraiser on the grades waiting, Home Affairs on the cycle; each page in a fixed number of queries."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment.models import Assessment
from tests.assessment.conftest import mini_framework, open_period, publish
from tests.assessment.test_publish_versions import part
from tests.conftest import make_user
from tests.factories import UnitFactory


def late_period(departments, count=2):
    """2024: self-assessment closed five days ago; the first unit is still a draft (overdue), the others submitted."""
    today = timezone.localdate()
    units = [UnitFactory(code=f"phuong-{n}", name=f"Đơn vị {n}", block=departments) for n in range(count)]
    period = open_period(
        mini_framework(departments, name="Bộ chỉ số 2024"),
        year=2024,
        units=units,
        self_assessment_opens=today - timedelta(days=20),
        self_assessment_closes=today - timedelta(days=5),
    )
    Assessment.objects.filter(period=period).exclude(unit=units[0]).update(status="submitted")
    return period


def home_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries.captured_queries), response


def test_home_affairs_lands_on_the_cycle(client, graded_period, departments, coordinator):
    client.force_login(coordinator)
    late_period(departments)
    count, page = home_queries(client)
    assert part(page, "ready-to-publish") == (
        "Chỉ số CCHC năm 2023: cả 4 hồ sơ đánh giá đã được phê duyệt, sẵn sàng công bố. Xem lại và công bố"
    )
    assert f'href="/admin/assessment/period/{graded_period.pk}/publish/" data-testid="publish-2023"' in (
        page.content.decode()
    )
    assert part(page, "cycle-blocks") == "Khối Đơn vị Đã gửi Đã giải trình Đã phê duyệt Khối Sở, ban, ngành 2 1 0 0"
    assert part(page, "cycle-overdue") == "Đơn vị 0 · Khối Sở, ban, ngành · Nháp"
    # More late units: the same queries (session, user, device, memberships, the cycle's five, blocks).
    from assessment.services import period_open

    period_open(
        period=Assessment.objects.get(unit__code="phuong-0").period,
        units=[UnitFactory(code=f"xa-{n}", name=f"Xã {n}", block=departments) for n in range(5)],
        actor=None,
    )
    assert len(part(client.get("/"), "cycle-overdue").split("Nháp")) == 7
    assert home_queries(client)[0] == count == 10
    # Once published, nothing waits.
    publish(graded_period, coordinator)
    assert part(client.get("/"), "ready-to-publish") == "Không có kỳ đánh giá nào đang chờ công bố."


def test_the_council_and_units_do_not_see_the_cycle(client, graded_period, council_member):
    client.force_login(council_member)
    assert 'data-testid="card-cycle"' not in client.get("/").content.decode()


def test_an_appraiser_lands_on_their_queue_counts(client, graded_period, appraiser):
    client.force_login(appraiser)
    count, page = home_queries(client)
    assert part(page, "appraiser-queue") == (
        "Sở Nội vụ : 1 tiêu chí chờ chấm vòng 1 , 0 tiêu chí đã giải trình chờ chấm vòng 2 (đã chấm 15/16)"
    )
    agency = appraiser.memberships.get().unit_id
    queue = f"/admin/assessment/score/?assessment__period__id__exact={graded_period.pk}&agency__id__exact={agency}"
    html = page.content.decode()
    assert f'href="{queue}&state=ungraded" data-testid="queue-round-1"' in html
    assert f'href="{queue}&state=explained" data-testid="queue-round-2"' in html
    assert count == 7  # session, user, device, memberships, the current period, its progress (two queries)


def test_the_queue_counts_group_their_thousands(client, graded_period, appraiser, monkeypatch):
    """At Hanoi's size one agency grades thousands of leaves (some thirty criteria in each of 150 units): the
    counts are written as Vietnamese writes them, 1.200/4.680, and in English 1,200/4,680."""
    import cchc.views
    from assessment.selectors.appraisal import AgencyProgress, AppraiserQueue

    real = cchc.views.appraiser_queue(appraiser)
    big = AppraiserQueue(
        real.period, [AgencyProgress(row.agency_id, row.agency, 4680, 1200, 1030, 20) for row in real.agencies]
    )
    monkeypatch.setattr(cchc.views, "appraiser_queue", lambda user: big)
    client.force_login(appraiser)
    assert part(client.get("/"), "appraiser-queue") == (
        "Sở Nội vụ : 3.480 tiêu chí chờ chấm vòng 1 , 1.010 tiêu chí đã giải trình chờ chấm vòng 2 "
        "(đã chấm 1.200/4.680)"
    )
    client.cookies["django_language"] = "en"
    assert part(client.get("/"), "appraiser-queue") == (
        "Sở Nội vụ : 3,480 criteria waiting for their round 1 grade , 1,010 explained criteria waiting for round 2 "
        "(1,200/4,680 graded)"
    )


def test_approved_and_published_cards_offer_the_report_and_results(client, graded_period, coordinator, results_units):
    staff = make_user("canbo-yte", (Role.UNIT_STAFF, results_units["so-y-te"]), full_name="Trịnh Văn Bình")
    client.force_login(staff)
    counts = []
    for published in (False, True):
        if published:
            publish(graded_period, coordinator)
        count, page = home_queries(client)
        counts.append(count)
        html = page.content.decode()
        assert "thiếu tài liệu kiểm chứng bắt buộc" not in html
        assert "Tổng hợp và gửi hồ sơ" not in html
        assert re.findall(r'data-testid="(report-link|results-link)"', html) == (
            ["report-link", "results-link"] if published else ["report-link"]
        )
    assert counts == [5, 5]


def test_a_unit_lands_on_its_assessment_with_what_is_missing(client, assessment, unit_staff):
    client.force_login(unit_staff)
    count, page = home_queries(client)
    missing = part(page, "assessment-missing")
    assert missing.startswith(
        "Còn thiếu trước khi gửi (33 tiêu chí): "
        "Tiêu chí 1.1.1: chưa có điểm tự đánh giá và chưa đánh dấu “không áp dụng”. Tiêu chí 1.1.2: "
    )
    assert missing.endswith("Xem toàn bộ nội dung còn thiếu")
    html = page.content.decode()
    links = re.findall(rf'href="/assessments/{assessment.pk}/\?field=(\w+)#leaf-([\d.]+)"', html)
    assert links[:2] == [("1", "1.1.1"), ("1", "1.1.2")] and len(links) == 5
    assert f'href="/assessments/{assessment.pk}/summary/">Xem toàn bộ nội dung còn thiếu' in html
    assert "Tổng hợp và gửi hồ sơ" in html  # still a draft: the summary is the way to submit
    assert count == 6  # session, user, memberships, assessments, their progress, what is missing


def test_the_admin_front_page_tells_home_affairs_what_is_ready_to_publish(
    client, graded_period, coordinator, council_member
):
    client.force_login(coordinator)
    page = client.get(reverse("admin:index"))
    assert part(page, "admin-ready-to-publish") == (
        "Chỉ số CCHC năm 2023: cả 4 hồ sơ đánh giá đã được phê duyệt, sẵn sàng công bố. Xem lại và công bố"
    )
    assert f'href="/admin/assessment/period/{graded_period.pk}/publish/"' in page.content.decode()
    assert "style=" not in page.content.decode().split('id="content"')[1]
    client.force_login(council_member)
    assert 'data-testid="admin-ready-to-publish"' not in client.get(reverse("admin:index")).content.decode()
    publish(graded_period, coordinator)
    client.force_login(coordinator)
    assert 'data-testid="admin-ready-to-publish"' not in client.get(reverse("admin:index")).content.decode()
