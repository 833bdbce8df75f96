"""The improvement plan followed to the end: after publication the unit plans a fix for each criterion where it lost
points, updates its status with the evidence that it is done; Home Affairs follows each unit's progress.

Sở Tài chính of test_what_if: lost points on 1.1, 1.2, 2.2, 3.1 and a penalty on 9.2; 2.1 at its maximum."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment.models import Assessment, ImprovementItem
from assessment.services.plans import improvement_item_save
from tests.conftest import make_user
from tests.factories import DocumentFactory, UnitFactory

PLAN = {
    "cause": "Kế hoạch ban hành muộn",
    "action": "Ban hành kế hoạch trước ngày 15/12",
    "lead": "Văn phòng Sở",
    "starts": date(2024, 5, 1),
    "due": date(2024, 12, 15),
    "status": "planned",
}


@pytest.fixture
def staff(finance):
    return make_user("canbo", (Role.UNIT_STAFF, finance))


def form(**changes):
    data = {**PLAN, **changes}
    return {key: value.strftime("%d/%m/%Y") if isinstance(value, date) else value for key, value in data.items()}


def test_the_unit_plans_each_criterion_where_it_lost_points(client, finance_assessment, published, staff):
    client.force_login(staff)
    plan = reverse("assessment:assessment-plan", args=[finance_assessment.pk])
    page = client.get(plan)
    assert [row.code for row, item in page.context["rows"]] == ["1.1", "1.2", "2.2", "3.1", "9.2"]
    assert all(item is None for row, item in page.context["rows"])
    url = reverse("assessment:assessment-plan-item", args=[finance_assessment.pk, "1.1"])
    response = client.post(url, form())
    assert response.status_code == 302 and response["Location"] == plan
    item = ImprovementItem.objects.get()
    assert (item.criterion.code, item.cause, item.lead, item.due, item.status, item.updated_by) == (
        "1.1",
        "Kế hoạch ban hành muộn",
        "Văn phòng Sở",
        date(2024, 12, 15),
        "planned",
        staff,
    )
    document = DocumentFactory(unit=finance_assessment.unit)
    client.post(url, form(status="done", evidence=document.pk))
    item.refresh_from_db()
    assert (item.status, item.evidence) == ("done", document)
    assert [h.status for h in item.history.order_by("history_id")] == ["planned", "done"]
    html = client.get(plan).content.decode()
    assert "Đã hoàn thành" in html


def test_bad_plans_are_refused_with_a_message_and_change_nothing(client, finance_assessment, published, staff, ba_dinh):
    client.force_login(staff)
    url = reverse("assessment:assessment-plan-item", args=[finance_assessment.pk, "1.1"])
    html = client.post(url, form(due=date(2024, 4, 30))).content.decode()
    assert "Ngày hoàn thành không được trước ngày bắt đầu." in html
    html = client.post(url, form(status="done")).content.decode()
    assert "Mục đã hoàn thành cần có tài liệu chứng minh." in html
    # A criterion at its maximum has no plan: no page, and the service refuses it too.
    assert (
        client.get(reverse("assessment:assessment-plan-item", args=[finance_assessment.pk, "2.1"])).status_code == 404
    )
    with pytest.raises(ValidationError) as refused:
        improvement_item_save(assessment=finance_assessment, code="2.1", actor=staff, evidence_id=None, **PLAN)
    assert refused.value.messages == ["Đơn vị không bị mất điểm ở tiêu chí 2.1: không cần kế hoạch khắc phục."]
    # Another unit's document cannot be the evidence.
    foreign = DocumentFactory(unit=ba_dinh)
    with pytest.raises(ValidationError) as refused:
        improvement_item_save(assessment=finance_assessment, code="1.1", actor=staff, evidence_id=foreign.pk, **PLAN)
    assert refused.value.message_dict == {"evidence": ["Hãy chọn một tài liệu trong thư viện của đơn vị."]}
    assert not ImprovementItem.objects.exists()


def test_only_the_unit_s_people_keep_the_plan_and_only_after_publication(
    client, finance_assessment, staff, other_unit_staff, appraiser, coordinator, coordinator_publishes
):
    plan = reverse("assessment:assessment-plan", args=[finance_assessment.pk])
    client.force_login(staff)
    assert client.get(plan).status_code == 404  # not published yet
    coordinator_publishes()
    assert client.get(plan).status_code == 200
    for person in (other_unit_staff, appraiser, coordinator):
        client.force_login(person)
        assert client.get(plan).status_code == 404, person.username


@pytest.fixture
def coordinator_publishes(block_period, coordinator):
    from tests.assessment.conftest import approve_all, publish

    def run():
        approve_all(block_period)
        publish(block_period, coordinator)

    return run


def test_home_affairs_follows_each_unit_s_plan(
    client, finance_assessment, published, staff, coordinator, council_member
):
    today = timezone.localdate()
    for code, status, due in [
        ("1.1", "in_progress", today - timedelta(days=1)),
        ("1.2", "planned", today),
        ("2.2", "planned", today - timedelta(days=3)),
    ]:
        improvement_item_save(
            assessment=finance_assessment,
            code=code,
            actor=staff,
            evidence_id=None,
            **{**PLAN, "status": status, "starts": today - timedelta(days=30), "due": due},
        )
    url = reverse("admin:assessment_period_plans", args=[finance_assessment.period.pk])
    client.force_login(council_member)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    rows = {row.unit_name: row for row in client.get(url).context["rows"]}
    finance = rows["Sở Tài chính"]
    assert (finance.items, finance.planned, finance.in_progress, finance.done, finance.overdue) == (3, 2, 1, 0, 2)
    assert rows["Sở A"].items == 0
    assert len(rows) == 6


@pytest.mark.parametrize("count", [4, 50])
def test_the_progress_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, departments, agencies, coordinator, count
):
    from tests.assessment.conftest import mini_framework, open_period

    period = open_period(
        mini_framework(departments), year=2023, units=[UnitFactory(block=departments) for _ in range(count)]
    )
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:assessment_period_plans", args=[period.pk]))
    assert len(response.context["rows"]) == count
    assert Assessment.objects.filter(period=period).count() == count
