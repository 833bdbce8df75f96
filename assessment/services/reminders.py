"""The reminders run: every reminder the schedule asks for today, sent once, each send recorded.

Called daily by the beat task ``assessment.tasks.send_reminders`` and by ``manage.py send_reminders``. Each e-mail
is recorded in the outbox (EmailSend, read by Home Affairs in the admin) and sent by its own job with retries."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment import outbox
from assessment.models import ReminderSend, ReminderWindow
from assessment.selectors.reminders import DueReminder, reminders_due, reminders_sent_keys
from cchc.site import site_url


@dataclass
class ReminderSummary:
    """What a run did (or, with ``dry_run``, would do)."""

    on: date
    dry_run: bool
    sent: list[DueReminder] = field(default_factory=list)
    already_sent: int = 0
    nobody_to_send_to: list[DueReminder] = field(default_factory=list)

    def count(self, window: str) -> int:
        return sum(1 for reminder in self.sent if reminder.window == window)

    @property
    def emails(self) -> int:
        return sum(len(reminder.recipients) for reminder in self.sent)


def _when(reminder: DueReminder) -> str:
    if reminder.offset > 0:
        return ngettext("%(days)s day left", "%(days)s days left", reminder.offset) % {"days": reminder.offset}
    days = -reminder.offset
    return ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}


def reminder_message(reminder: DueReminder) -> tuple[str, str]:
    """The subject and body of one reminder, in the active language, with the link to the work."""
    values = {
        "unit": reminder.unit.name,
        "period": reminder.period.name,
        "date": date_format(reminder.closes, "d/m/Y"),
        "when": _when(reminder),
    }
    if reminder.window == ReminderWindow.APPRAISAL:
        values["count"] = reminder.pending
        values["link"] = (
            site_url()
            + reverse("admin:assessment_score_changelist")
            + f"?assessment__period__id__exact={reminder.period.pk}&agency__id__exact={reminder.unit.pk}&state=ungraded"
        )
        subject = _("[CCHC] Reminder: appraisal of %(period)s closes on %(date)s (%(when)s)") % values
        body = (
            ngettext(
                "%(unit)s has %(count)s criterion waiting for its round 1 grade in %(period)s. "
                "The appraisal closes on %(date)s (%(when)s).\n\nGrade it: %(link)s\n",
                "%(unit)s has %(count)s criteria waiting for their round 1 grade in %(period)s. "
                "The appraisal closes on %(date)s (%(when)s).\n\nGrade them: %(link)s\n",
                reminder.pending,
            )
            % values
        )
        return subject, body
    values["link"] = site_url() + reverse("assessment:assessment-detail", args=[reminder.assessment.pk])
    progress = reminder.progress
    values["answered"], values["total"] = (progress.answered, progress.total) if progress else (0, 0)
    if reminder.window == ReminderWindow.SELF_ASSESSMENT:
        subject = _("[CCHC] Reminder: self-assessment of %(unit)s due on %(date)s (%(when)s)") % values
        if reminder.offset > 0:
            body = _(
                "The self-assessment of %(unit)s for %(period)s closes on %(date)s (%(when)s). "
                "%(answered)s of %(total)s criteria are filled in. The head of the unit signs and submits it.\n\n"
                "%(link)s\n"
            )
        else:
            body = _(
                "The self-assessment of %(unit)s for %(period)s closed on %(date)s (%(when)s) and was not submitted. "
                "%(answered)s of %(total)s criteria are filled in. Only Home Affairs can reopen it: contact the CCHC "
                "office of the Department of Home Affairs.\n\n%(link)s\n"
            )
        return subject, body % values
    subject = _("[CCHC] Reminder: explanation of %(unit)s due on %(date)s (%(when)s)") % values
    if reminder.offset > 0:
        body = _(
            "The explanation window of %(unit)s for %(period)s closes on %(date)s (%(when)s). You may explain any "
            "appraised criterion and add evidence; the head of the unit submits the explanation.\n\n%(link)s\n"
        )
    else:
        body = _(
            "The explanation window of %(unit)s for %(period)s closed on %(date)s (%(when)s) and no explanation was "
            "submitted: the round 1 scores will stand.\n\n%(link)s\n"
        )
    return subject, body % values


def reminders_send(*, today: date, actor=None, dry_run: bool = False) -> ReminderSummary:
    """Send every reminder the schedule asks for on ``today`` that was not sent yet (a reminder is sent once:
    the database refuses a second record of it), recording each; ``dry_run`` records and sends nothing.
    A fixed number of queries whatever the number of units."""
    summary = ReminderSummary(on=today, dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        due, summary.already_sent = reminders_due(today, already_sent=reminders_sent_keys(today))
        for reminder in due:
            if not reminder.recipients:
                summary.nobody_to_send_to.append(reminder)
            else:
                summary.sent.append(reminder)
        if dry_run or not summary.sent:
            return summary
        ReminderSend.objects.bulk_create(
            [
                ReminderSend(
                    period=reminder.period,
                    window=reminder.window,
                    unit=reminder.unit,
                    assessment=reminder.assessment,
                    closes=reminder.closes,
                    offset=reminder.offset,
                    sent_on=today,
                    recipients=", ".join(reminder.recipients),
                    pending=reminder.pending,
                    sent_by=actor if actor is not None and actor.pk else None,
                )
                for reminder in summary.sent
            ],
            batch_size=1000,
        )
        # each e-mail recorded in the outbox with its job, in this transaction: a second run (or a run at the same
        # time on another node, refused by the records' constraint) rolls back its e-mails with its records
        outbox.emails_queue([(*reminder_message(reminder), reminder.recipients) for reminder in summary.sent])
    return summary


@transaction.atomic
def reminder_schedule_save(*, schedule, actor):
    """Save Home Affairs' reminder schedule (the default one or a period's), validated, its history naming who."""
    schedule.full_clean()
    schedule._history_user = actor if actor is not None and actor.pk else None
    schedule.save()
    return schedule
