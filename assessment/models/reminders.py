"""Reminders before every deadline: the schedule Home Affairs sets and the record of every reminder sent."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Unit
from assessment.models.assessments import Assessment
from assessment.models.periods import Period

DEFAULT_DAYS_BEFORE = "14, 7, 3, 1"
DEFAULT_OVERDUE_DAYS = 3
MAX_DAYS_BEFORE = 90
MAX_OVERDUE_DAYS = 30


def parse_days(text: str) -> list[int]:
    """ "14, 7, 3, 1" → [14, 7, 3, 1] (largest first, no repeats); ValueError when a part is not a whole number."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]
    return sorted({int(part) for part in parts}, reverse=True)


def validate_days_before(text: str) -> None:
    try:
        days = parse_days(text)
    except ValueError:
        raise ValidationError(
            _("Write whole numbers of days separated by commas, e.g. “14, 7, 3, 1”."), code="days_format"
        ) from None
    if not days:
        raise ValidationError(_("Give at least one number of days."), code="days_empty")
    if days[0] > MAX_DAYS_BEFORE or days[-1] < 1:
        raise ValidationError(
            _("Each number of days must be between 1 and %(max)s.") % {"max": MAX_DAYS_BEFORE}, code="days_range"
        )


class ReminderWindow(models.TextChoices):
    """The deadlines people are reminded of."""

    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    EXPLANATION = "explanation", _("Explanation")
    APPRAISAL = "appraisal", _("Appraisal")


class ReminderSchedule(models.Model):
    """When reminders go out: so many days before a window closes, then daily for a few days once it is overdue.

    The schedule without a period is the default; a period may have its own."""

    period = models.OneToOneField(
        Period,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_schedule",
        verbose_name=_("period"),
        help_text=_("Empty: the default schedule, for every period without its own."),
    )
    days_before = models.CharField(
        _("days before the deadline"),
        max_length=100,
        default=DEFAULT_DAYS_BEFORE,
        validators=[validate_days_before],
        help_text=_("Numbers of days before a window closes, separated by commas, e.g. “14, 7, 3, 1”."),
    )
    overdue_days = models.PositiveSmallIntegerField(
        _("days of reminders when overdue"),
        default=DEFAULT_OVERDUE_DAYS,
        help_text=_("After the deadline, a reminder each day for this many days (0: none)."),
    )
    enabled = models.BooleanField(_("send reminders"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")
        ordering = [models.F("period__year").desc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                Coalesce("period", Value(0)),
                name="reminder_schedule_one_default",
                violation_error_message=_("There is already a schedule for this period (or a default one)."),
            ),
            models.CheckConstraint(
                condition=Q(overdue_days__lte=MAX_OVERDUE_DAYS),
                name="reminder_schedule_overdue_days_max",
                violation_error_message=_("At most 30 days of reminders after the deadline."),
            ),
        ]

    def __str__(self):
        if self.period_id is None:
            return str(_("Default schedule"))
        return str(_("Schedule of %(period)s") % {"period": self.period})

    @property
    def days(self) -> list[int]:
        return parse_days(self.days_before)

    def offset_due(self, closes: date, on: date) -> int | None:
        """The reminder due on ``on`` for a window closing on ``closes``: the days left (a scheduled number), or
        minus the days overdue (1 to ``overdue_days``), or None when no reminder is due that day."""
        if not self.enabled:
            return None
        left = (closes - on).days
        if left > 0:
            return left if left in self.days else None
        if left < 0 and -left <= self.overdue_days:
            return left
        return None


class ReminderSend(models.Model):
    """One reminder sent: to a unit's people (self-assessment, explanation) or to an agency's appraisers
    (appraisal), for one deadline and one day of the schedule; never twice the same."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", verbose_name=_("period"))
    window = models.CharField(_("deadline"), max_length=20, choices=ReminderWindow.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit or agency"),
        help_text=_("The unit reminded (self-assessment, explanation), or the appraising agency (appraisal)."),
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("assessment")
    )
    closes = models.DateField(_("deadline date"))
    offset = models.SmallIntegerField(
        _("days left"), help_text=_("Days left before the deadline; negative: days overdue.")
    )
    sent_on = models.DateField(_("sent on"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.TextField(_("recipients"), blank=True)
    pending = models.PositiveIntegerField(
        _("waiting"), default=0, help_text=_("Criteria waiting for their grade (appraisal reminders).")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
        help_text=_("Empty for the scheduled run."),
    )

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["period", "unit"], name="reminder_send_period_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "window", "unit", "closes", "offset"],
                name="reminder_send_once",
                violation_error_message=_("This reminder was already sent."),
            ),
            models.CheckConstraint(condition=Q(window__in=ReminderWindow.values), name="reminder_send_window_valid"),
        ]

    def __str__(self):
        return f"{self.unit} – {self.get_window_display()} – {self.sent_on:%d/%m/%Y}"

    @property
    def overdue(self) -> bool:
        return self.offset < 0
