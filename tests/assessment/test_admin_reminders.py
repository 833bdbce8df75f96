"""The reminders in the admin: Home Affairs edits the schedule (its history names who) and reads every send."""

from datetime import date

import pytest
from django.urls import reverse

from assessment.models import ReminderSend
from tests.factories import UnitFactory

from .test_reminders import default_schedule, make_period  # noqa: F401 - fixture

SCHEDULES = reverse("admin:assessment_reminderschedule_changelist")
SENDS = reverse("admin:assessment_remindersend_changelist")


@pytest.fixture
def sent(db):
    period = make_period()
    unit = UnitFactory(code="so-tai-chinh", name="Sở Tài chính")
    return ReminderSend.objects.create(
        period=period,
        window="self_assessment",
        unit=unit,
        closes=date(2026, 1, 31),
        offset=7,
        sent_on=date(2026, 1, 24),
        recipients="canbo@stc.hanoi.gov.vn",
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("appraiser", 403), ("council_member", 403), ("unit_staff", 302), ("superuser", 200)],
)
@pytest.mark.parametrize("url", [SCHEDULES, SENDS])
def test_only_home_affairs_opens_the_reminder_pages(client, sent, request, who, status, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == status


def test_home_affairs_edits_the_default_schedule(client, coordinator, default_schedule):  # noqa: F811
    schedule = default_schedule
    client.force_login(coordinator)
    url = reverse("admin:assessment_reminderschedule_change", args=[schedule.pk])
    response = client.post(url, {"days_before": "10, 5, 2", "overdue_days": "2", "enabled": "on", "period": ""})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.days, schedule.overdue_days) == ([10, 5, 2], 2)
    assert schedule.history.latest().history_user == coordinator


def test_a_bad_schedule_is_refused_in_vietnamese_and_nothing_changes(
    client,
    coordinator,
    default_schedule,  # noqa: F811
):
    schedule = default_schedule
    client.force_login(coordinator)
    url = reverse("admin:assessment_reminderschedule_change", args=[schedule.pk])
    response = client.post(url, {"days_before": "mười bốn", "overdue_days": "31", "enabled": "on", "period": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hãy ghi số ngày nguyên, cách nhau bởi dấu phẩy, ví dụ “14, 7, 3, 1”." in page
    assert "Nhắc tối đa 30 ngày sau khi hết hạn." in page
    schedule.refresh_from_db()
    assert (schedule.days_before, schedule.overdue_days) == ("14, 7, 3, 1", 3)


def test_the_sends_are_listed_and_cannot_be_changed(client, coordinator, sent):
    client.force_login(coordinator)
    page = client.get(SENDS).content.decode()
    assert "Sở Tài chính" in page and "canbo@stc.hanoi.gov.vn" in page
    assert client.get(reverse("admin:assessment_remindersend_change", args=[sent.pk])).status_code == 200
    response = client.post(reverse("admin:assessment_remindersend_delete", args=[sent.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ReminderSend.objects.filter(pk=sent.pk).exists()
