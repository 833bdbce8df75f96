"""Reads of the reminders: which reminders are due on a day (and to whom), and Home Affairs' "who to chase" table.

Each read runs a fixed number of queries whatever the number of units. Imports Django, the policy, the models and
the portal selectors; never a service."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, Subquery

from accounts.models import UNIT_MEMBER_ROLES, Membership, Role, Unit
from assessment.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Evidence,
    Method,
    Period,
    ReminderSchedule,
    ReminderSend,
    ReminderWindow,
    Score,
)
from assessment.models.reminders import MAX_DAYS_BEFORE, MAX_OVERDUE_DAYS
from assessment.selectors.portal import Progress, assessments_progress
from cchc.db import vi_order

S = AssessmentStatus


def reminder_schedules() -> tuple[ReminderSchedule, dict[int, ReminderSchedule]]:
    """The default schedule (the built-in one when Home Affairs has none) and each period's own: one query."""
    schedules = list(ReminderSchedule.objects.all())
    default = next((s for s in schedules if s.period_id is None), None) or ReminderSchedule()
    return default, {s.period_id: s for s in schedules if s.period_id is not None}


@dataclass
class DueReminder:
    """A reminder due today: one unit's people (or one agency's appraisers) for one deadline."""

    window: str
    period: Period
    unit: Unit
    closes: date
    offset: int
    assessment: Assessment | None = None
    pending: int = 0  # criteria waiting for their grade (appraisal)
    progress: Progress | None = None
    recipients: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.period.pk, self.window, self.unit.pk, self.closes, self.offset)


def _candidate_assessments(on: date):
    """Drafts and returned assessments whose deadline is near enough (the schedule decides the exact day)."""
    earliest, latest = on - timedelta(days=MAX_OVERDUE_DAYS), on + timedelta(days=MAX_DAYS_BEFORE)
    drafts = Q(status=S.DRAFT, period__self_assessment_opens__lte=on) & (
        Q(period__self_assessment_closes__range=(earliest, latest)) | Q(deadline_extended_to__range=(earliest, latest))
    )
    returned = Q(
        status=S.RETURNED,
        period__explanation_opens__lte=on,
        period__explanation_closes__range=(earliest, latest),
    )
    return (
        Assessment.objects.filter(period__opened_at__isnull=False)
        .filter(drafts | returned)
        .select_related("period", "unit")
        .order_by("period__year", "unit__code")
    )


UNGRADED = Q(
    criterion__method=Method.APPRAISAL,
    assessment__status__in=[S.SUBMITTED, S.UNDER_APPRAISAL],
    appraised_points__isnull=True,
    na_confirmed__isnull=True,
    agency__isnull=False,
)


def reminders_due(on: date, *, already_sent: frozenset | set = frozenset()) -> tuple[list[DueReminder], int]:
    """The reminders the schedule asks for on ``on`` that are not in ``already_sent`` (their keys), with their
    recipients, and how many were left out as already sent. At most seven queries, whatever the number of units."""
    default, by_period = reminder_schedules()
    due: list[DueReminder] = []
    for assessment in _candidate_assessments(on):
        schedule = by_period.get(assessment.period_id, default)
        period = assessment.period
        if assessment.status == S.DRAFT:
            window = ReminderWindow.SELF_ASSESSMENT
            closes = max(
                period.self_assessment_closes, assessment.deadline_extended_to or period.self_assessment_closes
            )
        else:
            window, closes = ReminderWindow.EXPLANATION, period.explanation_closes
        offset = schedule.offset_due(closes, on)
        if offset is not None:
            due.append(DueReminder(window, period, assessment.unit, closes, offset, assessment=assessment))

    earliest, latest = on - timedelta(days=MAX_OVERDUE_DAYS), on + timedelta(days=MAX_DAYS_BEFORE)
    waiting = list(
        Score.objects.filter(UNGRADED, assessment__period__appraisal_closes__range=(earliest, latest))
        .values("assessment__period_id", "agency_id")
        .annotate(pending=Count("id"))
        .order_by("assessment__period_id", "agency_id")
    )
    if waiting:
        periods = Period.objects.in_bulk({row["assessment__period_id"] for row in waiting})
        agencies = Unit.objects.in_bulk({row["agency_id"] for row in waiting})
        for row in waiting:
            period = periods[row["assessment__period_id"]]
            offset = by_period.get(period.pk, default).offset_due(period.appraisal_closes, on)
            if offset is not None:
                due.append(
                    DueReminder(
                        ReminderWindow.APPRAISAL,
                        period,
                        agencies[row["agency_id"]],
                        period.appraisal_closes,
                        offset,
                        pending=row["pending"],
                    )
                )
    fresh = [reminder for reminder in due if reminder.key not in already_sent]
    _add_recipients(fresh)
    progress = assessments_progress(r.assessment.pk for r in fresh if r.assessment is not None) if fresh else {}
    for reminder in fresh:
        if reminder.assessment is not None:
            reminder.progress = progress.get(reminder.assessment.pk)
    return fresh, len(due) - len(fresh)


def _add_recipients(due: list[DueReminder]) -> None:
    """The e-mail addresses of each reminder's people: the unit's staff and head, or the agency's appraisers."""
    unit_ids = {r.unit.pk for r in due if r.window != ReminderWindow.APPRAISAL}
    agency_ids = {r.unit.pk for r in due if r.window == ReminderWindow.APPRAISAL}
    if not due:
        return
    people: dict[tuple[bool, int], set[str]] = {}
    rows = (
        Membership.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .filter(Q(role__in=UNIT_MEMBER_ROLES, unit_id__in=unit_ids) | Q(role=Role.APPRAISER, unit_id__in=agency_ids))
        .values_list("role", "unit_id", "user__email")
    )
    for role, unit_id, email in rows:
        people.setdefault((role in UNIT_MEMBER_ROLES, unit_id), set()).add(email)
    for reminder in due:
        reminder.recipients = sorted(people.get((reminder.window != ReminderWindow.APPRAISAL, reminder.unit.pk), ()))


def reminders_sent_keys(on: date) -> set[tuple]:
    """The keys of the reminders already sent on ``on`` (a reminder's key includes its day): one query."""
    return set(
        ReminderSend.objects.filter(sent_on=on).values_list("period_id", "window", "unit_id", "closes", "offset")
    )


# -- who to chase ----------------------------------------------------------------------------------------------

STATUS_ORDER = {status: index for index, status in enumerate(S.values)}


@dataclass(frozen=True)
class ChaseRow:
    """One unit of the period as Home Affairs follows it."""

    assessment: Assessment
    last_activity: datetime | None
    progress: Progress | None
    reminders: int
    last_reminder: date | None

    @property
    def answered(self) -> int:
        return self.progress.answered if self.progress else 0

    @property
    def total(self) -> int:
        return self.progress.total if self.progress else 0

    @property
    def missing_evidence(self) -> int:
        return self.progress.missing_evidence if self.progress else 0


def chase_periods():
    """The opened periods, newest first (the page's choice of period)."""
    return Period.objects.filter(opened_at__isnull=False).order_by("-year")


def chase_rows(period: Period, *, block_id: int | None = None, status: str | None = None) -> list[ChaseRow]:
    """The units of ``period`` by state (the workflow's order), then block and name, with their last activity,
    completion, missing required evidence and reminders sent (the last activity: a change of state, a score
    written, evidence attached): three queries whatever the number of units."""
    last_event = AssessmentEvent.objects.filter(assessment=OuterRef("pk")).order_by("-at").values("at")[:1]
    last_edit = (
        Score.objects.filter(assessment=OuterRef("pk"), updated_at__isnull=False)
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    last_evidence = (
        Evidence.objects.filter(score__assessment=OuterRef("pk")).order_by("-added_at").values("added_at")[:1]
    )
    assessments = (
        Assessment.objects.filter(period=period)
        .select_related("unit__block")
        .annotate(last_event=Subquery(last_event), last_edit=Subquery(last_edit), last_evidence=Subquery(last_evidence))
        .order_by("unit__block__order", vi_order("unit__name").asc())
    )
    if block_id:
        assessments = assessments.filter(unit__block_id=block_id)
    if status:
        assessments = assessments.filter(status=status)
    assessments = list(assessments)
    if not assessments:
        return []
    progress = assessments_progress(a.pk for a in assessments)
    sends = {
        row["unit_id"]: row
        for row in ReminderSend.objects.filter(period=period)
        .exclude(window=ReminderWindow.APPRAISAL)
        .values("unit_id")
        .annotate(count=Count("id"), last=Max("sent_on"))
        .order_by()
    }
    rows = []
    for assessment in assessments:
        moments = [
            moment
            for moment in (assessment.last_event, assessment.last_edit, assessment.last_evidence)
            if moment is not None
        ]
        sent = sends.get(assessment.unit_id, {})
        rows.append(
            ChaseRow(
                assessment=assessment,
                last_activity=max(moments) if moments else None,
                progress=progress.get(assessment.pk),
                reminders=sent.get("count", 0),
                last_reminder=sent.get("last"),
            )
        )
    rows.sort(key=lambda row: STATUS_ORDER[row.assessment.status])
    return rows
