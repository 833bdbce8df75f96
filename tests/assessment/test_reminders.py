"""Reminders: the schedule across a calendar with time frozen, nothing twice, dry runs, the command, the queries."""

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment.models import (
    Assessment,
    AssessmentStatus,
    EmailSend,
    EmailState,
    Job,
    JobState,
    ReminderSchedule,
    ReminderSend,
    ReminderWindow,
)
from assessment.policy import today
from assessment.services.reminders import reminders_send
from tests.conftest import make_user
from tests.factories import AGENCY_A, AGENCY_B, ActiveFrameworkFactory, AssessmentFactory, PeriodFactory, UnitFactory
from tests.factories import agency as agency_unit

S = AssessmentStatus
CALENDAR = {
    "self_assessment_opens": date(2026, 1, 1),
    "self_assessment_closes": date(2026, 1, 31),
    "appraisal_closes": date(2026, 2, 20),
    "explanation_opens": date(2026, 2, 21),
    "explanation_closes": date(2026, 3, 6),
    "council_date": date(2026, 3, 20),
    "publication_date": date(2026, 3, 31),
}


def at(day: date):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 7, 0)), tick=False)


def make_period(year=2025, **changes):
    return PeriodFactory(
        year=year,
        name=f"Chỉ số CCHC năm {year}",
        opened_at=timezone.make_aware(datetime(2025, 12, 20, 8, 0)),
        **{**CALENDAR, **changes},
    )


@pytest.fixture
def cycle(db):
    """A period of 2025 (assessed in 2026): Sở Tài chính never submits; Sở Xây dựng submits on 25/1 (its leaves
    then wait for Sở Nội vụ and Sở Tư pháp); Sở Y tế is returned for explanation; Sở Công Thương has nobody."""
    framework = ActiveFrameworkFactory()
    block = framework.block
    period = make_period()
    units = {
        code: UnitFactory(code=code, name=name, block=block)
        for code, name in [
            ("so-tai-chinh", "Sở Tài chính"),
            ("so-xay-dung", "Sở Xây dựng"),
            ("so-y-te", "Sở Y tế"),
            ("so-cong-thuong", "Sở Công Thương"),
        ]
    }
    assessments = {
        code: AssessmentFactory(period=period, unit=unit, framework=framework) for code, unit in units.items()
    }
    Assessment.objects.filter(pk=assessments["so-y-te"].pk).update(status=S.RETURNED)
    make_user("tc-canbo", (Role.UNIT_STAFF, units["so-tai-chinh"]), email="canbo@stc.hanoi.gov.vn")
    make_user("tc-lanhdao", (Role.UNIT_HEAD, units["so-tai-chinh"]), email="giamdoc@stc.hanoi.gov.vn")
    make_user("tc-nghiviec", (Role.UNIT_STAFF, units["so-tai-chinh"]), email="cu@stc.hanoi.gov.vn", is_active=False)
    make_user("xd-canbo", (Role.UNIT_STAFF, units["so-xay-dung"]), email="canbo@sxd.hanoi.gov.vn")
    make_user("yt-lanhdao", (Role.UNIT_HEAD, units["so-y-te"]), email="giamdoc@syt.hanoi.gov.vn")
    make_user("noivu-td", (Role.APPRAISER, agency_unit(AGENCY_A)), email="thamdinh@snv.hanoi.gov.vn")
    make_user("tuphap-td", (Role.APPRAISER, agency_unit(AGENCY_B)), email="thamdinh@stp.hanoi.gov.vn")
    return period, assessments


def _run_calendar(first: date, last: date, on_day=None):
    """Run the reminders every day from ``first`` to ``last`` (time frozen at 7:00 in Hanoi), as cron would."""
    sent = []
    day = first
    while day <= last:
        with at(day):
            if on_day:
                on_day(day)
            summary = reminders_send(today=today())
            sent += [(r.window, r.unit.code, r.offset, day.isoformat()) for r in summary.sent]
        day += timedelta(days=1)
    return sent


def test_the_schedule_across_the_cycle_reminds_who_is_late_and_nobody_else(cycle, django_capture_on_commit_callbacks):
    period, assessments = cycle

    def submit_on_25_january(day):
        if day == date(2026, 1, 25):
            Assessment.objects.filter(pk=assessments["so-xay-dung"].pk).update(status=S.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        sent = _run_calendar(date(2026, 1, 1), date(2026, 3, 20), on_day=submit_on_25_january)

    self_assessment = [
        ("self_assessment", "so-tai-chinh", 14, "2026-01-17"),
        ("self_assessment", "so-xay-dung", 14, "2026-01-17"),
        ("self_assessment", "so-tai-chinh", 7, "2026-01-24"),
        ("self_assessment", "so-xay-dung", 7, "2026-01-24"),
        ("self_assessment", "so-tai-chinh", 3, "2026-01-28"),
        ("self_assessment", "so-tai-chinh", 1, "2026-01-30"),
        ("self_assessment", "so-tai-chinh", -1, "2026-02-01"),
        ("self_assessment", "so-tai-chinh", -2, "2026-02-02"),
        ("self_assessment", "so-tai-chinh", -3, "2026-02-03"),
    ]
    appraisal = [
        (window, agency, offset, day)
        for offset, day in [
            (14, "2026-02-06"),
            (7, "2026-02-13"),
            (3, "2026-02-17"),
            (1, "2026-02-19"),
            (-1, "2026-02-21"),
            (-2, "2026-02-22"),
            (-3, "2026-02-23"),
        ]
        for window, agency in [("appraisal", AGENCY_A), ("appraisal", AGENCY_B)]
    ]
    explanation = [  # the window opens on 21/2: no reminder 14 days before its close (20/2)
        ("explanation", "so-y-te", 7, "2026-02-27"),
        ("explanation", "so-y-te", 3, "2026-03-03"),
        ("explanation", "so-y-te", 1, "2026-03-05"),
        ("explanation", "so-y-te", -1, "2026-03-07"),
        ("explanation", "so-y-te", -2, "2026-03-08"),
        ("explanation", "so-y-te", -3, "2026-03-09"),
    ]
    assert sorted(sent, key=lambda row: (row[3], row[0], row[1])) == sorted(
        self_assessment + appraisal + explanation, key=lambda row: (row[3], row[0], row[1])
    )
    assert ReminderSend.objects.count() == len(sent) == 9 + 14 + 6
    # Sở Công Thương has nobody with an e-mail: it is never recorded as reminded.
    assert not ReminderSend.objects.filter(unit__code="so-cong-thuong").exists()
    # Who received what: the active people of the unit (the one who left gets nothing), the agency's appraisers.
    to = {(message.subject, tuple(message.to)) for message in mail.outbox}
    assert (
        "[CCHC] Nhắc việc: tự đánh giá của Sở Tài chính hạn 31/01/2026 (còn 14 ngày)",
        ("canbo@stc.hanoi.gov.vn", "giamdoc@stc.hanoi.gov.vn"),
    ) in to
    assert (
        "[CCHC] Nhắc việc: tự đánh giá của Sở Tài chính hạn 31/01/2026 (quá hạn 3 ngày)",
        ("canbo@stc.hanoi.gov.vn", "giamdoc@stc.hanoi.gov.vn"),
    ) in to
    assert (
        "[CCHC] Nhắc việc: thẩm định kỳ Chỉ số CCHC năm 2025 hạn 20/02/2026 (còn 1 ngày)",
        ("thamdinh@stp.hanoi.gov.vn",),
    ) in to
    assert (
        "[CCHC] Nhắc việc: giải trình của Sở Y tế hạn 06/03/2026 (còn 7 ngày)",
        ("giamdoc@syt.hanoi.gov.vn",),
    ) in to
    assert len(mail.outbox) == len(sent)


def test_the_e_mails_say_what_is_due_with_a_link(cycle, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://cchc.hanoi.gov.vn"
    period, assessments = cycle
    Assessment.objects.filter(pk=assessments["so-xay-dung"].pk).update(status=S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=date(2026, 1, 30))
        reminders_send(today=date(2026, 2, 19))
    by_subject = {message.subject: message.body for message in mail.outbox}
    finance = assessments["so-tai-chinh"]
    assert by_subject["[CCHC] Nhắc việc: tự đánh giá của Sở Tài chính hạn 31/01/2026 (còn 1 ngày)"] == (
        "Kỳ tự đánh giá Chỉ số CCHC năm 2025 của Sở Tài chính kết thúc ngày 31/01/2026 (còn 1 ngày). "
        "Đã nhập 0/3 tiêu chí. Lãnh đạo đơn vị ký và gửi hồ sơ.\n\n"
        f"https://cchc.hanoi.gov.vn/assessments/{finance.pk}/\n"
    )
    appraisal = "[CCHC] Nhắc việc: thẩm định kỳ Chỉ số CCHC năm 2025 hạn 20/02/2026 (còn 1 ngày)"
    to_agencies = {message.to[0]: message.body for message in mail.outbox if message.subject == appraisal}
    queue = f"https://cchc.hanoi.gov.vn/admin/assessment/score/?assessment__period__id__exact={period.pk}"
    assert to_agencies == {
        "thamdinh@snv.hanoi.gov.vn": "Sở Nội vụ còn 2 tiêu chí chờ chấm điểm vòng 1 trong kỳ Chỉ số CCHC năm 2025. "
        "Hạn thẩm định là ngày 20/02/2026 (còn 1 ngày).\n\n"
        f"Chấm điểm: {queue}&agency__id__exact={agency_unit(AGENCY_A).pk}&state=ungraded\n",
        "thamdinh@stp.hanoi.gov.vn": "Sở Tư pháp còn 1 tiêu chí chờ chấm điểm vòng 1 trong kỳ Chỉ số CCHC năm 2025. "
        "Hạn thẩm định là ngày 20/02/2026 (còn 1 ngày).\n\n"
        f"Chấm điểm: {queue}&agency__id__exact={agency_unit(AGENCY_B).pk}&state=ungraded\n",
    }


def test_a_second_run_on_the_same_day_sends_nothing(cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders_send(today=date(2026, 1, 24))
    assert [(r.unit.code, r.offset) for r in first.sent] == [("so-tai-chinh", 7), ("so-xay-dung", 7)]
    records = list(ReminderSend.objects.values_list("id", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        again = reminders_send(today=date(2026, 1, 24))
    assert (again.sent, again.already_sent) == ([], 2)
    assert list(ReminderSend.objects.values_list("id", flat=True)) == records
    assert len(mail.outbox) == 2


def test_the_beat_task_sends_todays_reminders_once(cycle, django_capture_on_commit_callbacks):
    """The daily beat entry runs the service itself (no command looked up): today's reminders, then nothing."""
    from assessment import tasks

    with at(date(2026, 1, 24)), django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_reminders.apply().get()
        again = tasks.send_reminders.apply().get()
    assert first == {"on": "2026-01-24", "sent": 2, "already_sent": 0}
    assert again == {"on": "2026-01-24", "sent": 0, "already_sent": 2}
    assert sorted(ReminderSend.objects.values_list("unit__code", "offset")) == [
        ("so-tai-chinh", 7),
        ("so-xay-dung", 7),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == ["canbo@stc.hanoi.gov.vn", "canbo@sxd.hanoi.gov.vn"]


def test_a_dry_run_lists_the_reminders_and_sends_and_records_nothing(cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = reminders_send(today=date(2026, 1, 24), dry_run=True)
    assert [(r.window, r.unit.code, r.offset, r.recipients) for r in summary.sent] == [
        ("self_assessment", "so-tai-chinh", 7, ["canbo@stc.hanoi.gov.vn", "giamdoc@stc.hanoi.gov.vn"]),
        ("self_assessment", "so-xay-dung", 7, ["canbo@sxd.hanoi.gov.vn"]),
    ]
    assert [r.unit.code for r in summary.nobody_to_send_to] == ["so-cong-thuong"]
    assert ReminderSend.objects.count() == 0
    assert mail.outbox == []


def test_an_extended_deadline_starts_its_own_reminders(cycle, django_capture_on_commit_callbacks):
    period, assessments = cycle
    Assessment.objects.filter(pk=assessments["so-tai-chinh"].pk).update(deadline_extended_to=date(2026, 2, 10))
    with django_capture_on_commit_callbacks(execute=True):
        sent = _run_calendar(date(2026, 1, 25), date(2026, 2, 20))
    assert [row for row in sent if row[1] == "so-tai-chinh"] == [
        ("self_assessment", "so-tai-chinh", 14, "2026-01-27"),
        ("self_assessment", "so-tai-chinh", 7, "2026-02-03"),
        ("self_assessment", "so-tai-chinh", 3, "2026-02-07"),
        ("self_assessment", "so-tai-chinh", 1, "2026-02-09"),
        ("self_assessment", "so-tai-chinh", -1, "2026-02-11"),
        ("self_assessment", "so-tai-chinh", -2, "2026-02-12"),
        ("self_assessment", "so-tai-chinh", -3, "2026-02-13"),
    ]


def test_a_period_schedule_replaces_the_default_and_a_disabled_one_sends_nothing(cycle):
    period, _assessments = cycle
    ReminderSchedule.objects.create(period=period, days_before="5, 2", overdue_days=1)
    summary = reminders_send(today=date(2026, 1, 24), dry_run=True)
    assert summary.sent == []
    assert [(r.unit.code, r.offset) for r in reminders_send(today=date(2026, 1, 26), dry_run=True).sent] == [
        ("so-tai-chinh", 5),
        ("so-xay-dung", 5),
    ]
    assert [(r.unit.code, r.offset) for r in reminders_send(today=date(2026, 2, 1), dry_run=True).sent] == [
        ("so-tai-chinh", -1),
        ("so-xay-dung", -1),
    ]
    assert reminders_send(today=date(2026, 2, 2), dry_run=True).sent == []
    ReminderSchedule.objects.filter(period=period).update(enabled=False)
    assert reminders_send(today=date(2026, 1, 26), dry_run=True).sent == []


@pytest.fixture
def default_schedule(db):
    """The default schedule the migration creates (a flushed database of an earlier browser test has lost it)."""
    return ReminderSchedule.objects.get_or_create(period=None)[0]


@pytest.mark.parametrize("stored", [True, False])
def test_the_default_schedule_is_14_7_3_1_then_3_days_overdue(default_schedule, stored):
    from assessment.selectors.reminders import reminder_schedules

    if not stored:  # without any row, the built-in default applies
        ReminderSchedule.objects.all().delete()
    schedule = reminder_schedules()[0]
    assert (schedule.pk is not None, schedule.days, schedule.overdue_days, schedule.enabled) == (
        stored,
        [14, 7, 3, 1],
        3,
        True,
    )
    closes = date(2026, 1, 31)
    due = {
        (closes - timedelta(days=left)).isoformat(): schedule.offset_due(closes, closes - timedelta(days=left))
        for left in range(20, -10, -1)
    }
    assert {day: offset for day, offset in due.items() if offset is not None} == {
        "2026-01-17": 14,
        "2026-01-24": 7,
        "2026-01-28": 3,
        "2026-01-30": 1,
        "2026-02-01": -1,
        "2026-02-02": -2,
        "2026-02-03": -3,
    }


@pytest.mark.parametrize(
    ("days_before", "message"),
    [
        ("14, bảy", "Hãy ghi số ngày nguyên, cách nhau bởi dấu phẩy, ví dụ “14, 7, 3, 1”."),
        (", ,", "Hãy ghi ít nhất một số ngày."),
        ("", "Trường này không được để trống."),
        ("0, 3", "Mỗi số ngày phải từ 1 đến 90."),
        ("120", "Mỗi số ngày phải từ 1 đến 90."),
    ],
)
def test_a_schedule_with_bad_days_is_refused(db, coordinator, days_before, message):
    from django.core.exceptions import ValidationError

    from assessment.services.reminders import reminder_schedule_save

    with pytest.raises(ValidationError) as error:
        reminder_schedule_save(
            schedule=ReminderSchedule(period=make_period(), days_before=days_before), actor=coordinator
        )
    assert error.value.message_dict["days_before"] == [message]
    assert ReminderSchedule.objects.filter(period__isnull=False).count() == 0


def test_a_second_default_schedule_is_refused(default_schedule, coordinator):
    from django.core.exceptions import ValidationError

    from assessment.services.reminders import reminder_schedule_save

    with pytest.raises(ValidationError):
        reminder_schedule_save(schedule=ReminderSchedule(days_before="3"), actor=coordinator)
    assert ReminderSchedule.objects.count() == 1


def test_saving_the_schedule_records_who_changed_it(default_schedule, coordinator):
    from assessment.services.reminders import reminder_schedule_save

    schedule = default_schedule
    schedule.days_before = "10, 5, 1"
    reminder_schedule_save(schedule=schedule, actor=coordinator)
    latest = schedule.history.latest()
    assert (latest.days_before, latest.history_user) == ("10, 5, 1", coordinator)


def test_the_command_runs_for_a_date_and_a_dry_run_changes_nothing(cycle, capsys, django_capture_on_commit_callbacks):
    call_command("send_reminders", "--date", "2026-01-24", "--dry-run")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "would send: self_assessment 2025 so-tai-chinh (closes 2026-01-31, offset +7) → "
        "canbo@stc.hanoi.gov.vn, giamdoc@stc.hanoi.gov.vn",
        "would send: self_assessment 2025 so-xay-dung (closes 2026-01-31, offset +7) → canbo@sxd.hanoi.gov.vn",
        "nobody to send to: self_assessment 2025 so-cong-thuong (no active person with an e-mail)",
        "2026-01-24: would send 2 reminders (self_assessment 2, explanation 0, appraisal 0) to 3 addresses; "
        "0 already sent; 1 with nobody to send to",
    ]
    assert ReminderSend.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", "2026-01-24")
        call_command("send_reminders", "--date", "2026-01-24")
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (
        "2026-01-24: sent 0 reminders (self_assessment 0, explanation 0, appraisal 0) to 0 addresses; "
        "2 already sent; 1 with nobody to send to"
    )
    assert ReminderSend.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_command_without_a_date_runs_for_today_in_hanoi(cycle, capsys):
    with at(date(2026, 1, 30)):
        call_command("send_reminders", "--dry-run")
    assert capsys.readouterr().out.splitlines()[-1].startswith("2026-01-30: would send 2 reminders")


def test_the_command_refuses_a_malformed_date(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("send_reminders", "--date", "30/01/2026")


def _units_with_people(count: int, period, framework):
    """``count`` units of the framework's block in ``period``, each a draft with its staff member (set-based)."""
    from accounts.models import Membership, Unit, User
    from assessment.models import Score
    from assessment.selectors.frameworks import framework_leaves_with_agency

    units = Unit.objects.bulk_create(
        [Unit(code=f"xa-{n:03d}", name=f"Xã {n:03d}", block=framework.block) for n in range(count)]
    )
    assessments = Assessment.objects.bulk_create(
        [Assessment(period=period, unit=unit, framework=framework) for unit in units]
    )
    leaves = list(framework_leaves_with_agency(framework.pk))
    Score.objects.bulk_create(
        Score(assessment=a, criterion_id=leaf, max_points=points, agency_id=agency)
        for a in assessments
        for leaf, points, agency in leaves
    )
    users = User.objects.bulk_create(
        [User(username=f"xa-{n:03d}", full_name=f"Cán bộ {n}", email=f"xa{n}@hanoi.gov.vn") for n in range(count)]
    )
    Membership.objects.bulk_create(
        [Membership(user=user, unit=unit, role=Role.UNIT_STAFF) for user, unit in zip(users, units, strict=True)]
    )


@pytest.mark.parametrize("units", [10, 200])
def test_the_reminder_run_takes_the_same_number_of_queries_for_10_and_200_units(
    db, units, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    framework = ActiveFrameworkFactory()
    period = make_period()
    _units_with_people(units, period, framework)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        summary = reminders_send(today=date(2026, 1, 24))
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # schedules, sent today, candidates, waiting grades, recipients, progress; the savepoint and its release
    assert len([verb for verb in statements if verb != "INSERT"]) == 8
    # the records, the e-mails of the outbox and their jobs, each in batches of 1,000 rows (SQLite: as many as its
    # 999 parameters a statement hold): three on PostgreSQL
    inserts = 0
    for model in (ReminderSend, EmailSend, Job):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        inserts += -(-units // min(1000, connection.ops.bulk_batch_size(fields, [None] * units)))
    assert statements.count("INSERT") == inserts
    if connection.vendor == "postgresql":
        assert len(statements) == 11
    assert (len(summary.sent), mail.outbox, len(callbacks)) == (units, [], 1)  # nothing sent before the commit
    assert (
        EmailSend.objects.filter(state=EmailState.QUEUED).count()
        == Job.objects.filter(task="assessment.tasks.send_email", state=JobState.PENDING).count()
        == units
    )
    # after the commit: the jobs handed over in a fixed number of statements, each e-mail then sent by its job
    with CaptureQueriesContext(connection) as handover, mock.patch("assessment.tasks.send_email.apply_async") as send:
        callbacks[0]()
    assert (len(handover.captured_queries), send.call_count) == (3, units)
    assert Job.objects.filter(state=JobState.SENT).count() == units
    assert ReminderSend.objects.filter(window=ReminderWindow.SELF_ASSESSMENT, offset=7).count() == units


def test_each_reminder_e_mail_is_in_the_outbox_and_sent_by_its_job(cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = reminders_send(today=date(2026, 1, 24))
    records = list(EmailSend.objects.order_by("pk"))
    assert [(r.recipients, r.state, r.attempts) for r in records] == [
        (", ".join(reminder.recipients), EmailState.SENT, 1) for reminder in summary.sent
    ]
    jobs = Job.objects.order_by("pk")
    assert [(j.task, j.arguments, j.task_id, j.state) for j in jobs] == [
        ("assessment.tasks.send_email", [r.pk], r.task_id, JobState.SENT) for r in records
    ]
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [(r.subject, r.body, r.recipient_list) for r in records]


def test_a_failing_mail_server_is_retried_and_its_failure_shown_to_home_affairs(
    cycle, django_capture_on_commit_callbacks, settings, client, caplog, coordinator
):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BACKOFF = 30
    with django_capture_on_commit_callbacks(execute=True):
        summary = reminders_send(today=date(2026, 1, 24))
    assert len(summary.sent) == 2
    records = list(EmailSend.objects.order_by("pk"))
    assert [(r.state, r.attempts, r.last_error) for r in records] == [
        (EmailState.FAILED, 3, "ConnectionRefusedError: smtp down")
    ] * 2  # the first attempt and EMAIL_MAX_RETRIES = 2 retries
    retries = [r.getMessage() for r in caplog.records if r.name == "assessment.tasks"]
    assert retries == [
        f"e-mail {record.pk}: retry {n} in {countdown} s" for record in records for n, countdown in [(1, 30), (2, 60)]
    ]
    # the reminder stays recorded (sent once: the next run does not send it again) ...
    assert ReminderSend.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(today=date(2026, 1, 24)).sent == []
    assert EmailSend.objects.count() == 2
    # ... and Home Affairs reads the failure in the admin's list of e-mails, as for every other e-mail
    client.force_login(coordinator)
    page = client.get(reverse("admin:assessment_emailsend_changelist") + "?state__exact=failed")
    assert page.status_code == 200
    text = page.content.decode()
    for record in records:
        assert record.subject in text
    detail = client.get(reverse("admin:assessment_emailsend_change", args=[records[0].pk])).content.decode()
    assert "ConnectionRefusedError: smtp down" in detail


def test_with_the_broker_down_the_reminders_are_recorded_and_their_e_mails_wait(
    cycle, django_capture_on_commit_callbacks
):
    from assessment import outbox
    from tests.jobs import CLOSED_PORT_BROKER, broker

    with broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        summary = reminders_send(today=date(2026, 1, 24))
    assert (len(summary.sent), ReminderSend.objects.count(), mail.outbox) == (2, 2, [])
    jobs = list(Job.objects.order_by("pk"))
    # the first refusal of the broker: every job left pending with the error, tried once, none lost
    assert [(job.state, job.send_attempts, job.last_error) for job in jobs] == [
        (JobState.PENDING, 1, "OperationalError: Error 111 connecting to 127.0.0.1:9. Connection refused.")
    ] * 2
    assert set(EmailSend.objects.values_list("state", flat=True)) == {EmailState.QUEUED}
    # the broker back (eager here): send_pending_jobs hands them over and each e-mail is sent once
    assert outbox.jobs_send_pending(older_than=timedelta(0)) == (2, 0)
    assert set(EmailSend.objects.values_list("state", flat=True)) == {EmailState.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["canbo@stc.hanoi.gov.vn", "canbo@sxd.hanoi.gov.vn"]
