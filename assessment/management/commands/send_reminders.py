from datetime import date

from django.core.management.base import BaseCommand, CommandError

from assessment.models import ReminderWindow
from assessment.policy import today
from assessment.services.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send today's reminders (self-assessment, explanation, appraisal) on Home Affairs' schedule; Celery beat "
        "runs the same every day. Idempotent: a reminder already sent is never sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today in Hanoi)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent; send and record nothing")

    def handle(self, *args, **options):
        on = today()
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from None
        summary = reminders_send(today=on, dry_run=options["dry_run"])
        verb = "would send" if summary.dry_run else "sent"
        for reminder in summary.sent:
            self.stdout.write(
                f"{verb}: {reminder.window} {reminder.period.year} {reminder.unit.code} "
                f"(closes {reminder.closes:%Y-%m-%d}, offset {reminder.offset:+d}) → {', '.join(reminder.recipients)}"
            )
        for reminder in summary.nobody_to_send_to:
            self.stdout.write(
                f"nobody to send to: {reminder.window} {reminder.period.year} {reminder.unit.code} "
                f"(no active person with an e-mail)"
            )
        counts = ", ".join(f"{window} {summary.count(window)}" for window in ReminderWindow.values)
        self.stdout.write(
            f"{on:%Y-%m-%d}: {verb} {len(summary.sent)} reminders ({counts}) to {summary.emails} addresses; "
            f"{summary.already_sent} already sent; {len(summary.nobody_to_send_to)} with nobody to send to"
        )
