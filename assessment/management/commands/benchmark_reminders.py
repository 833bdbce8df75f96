import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from accounts.models import Membership, Role, User
from assessment.management.commands.benchmark_open_period import Command as OpenBenchmark
from assessment.management.commands.benchmark_open_period import peak_rss_mib
from assessment.models import ReminderSend
from assessment.services import period_open
from assessment.services.reminders import reminders_send


class _Rollback(Exception):
    pass


class _Counter:
    """The SQL statements run inside it (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapping = connection.execute_wrapper(self)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapping.__exit__(*exc)


class Command(BaseCommand):
    help = (
        "Benchmark: send_reminders for a national-size period (default 5,000 units, each with a head and a staff "
        "member, every unit a draft 7 days before the deadline); prints the times. Everything is rolled back; "
        "the e-mails are recorded in the outbox and delivered (eagerly, by their jobs) to memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=5000)
        parser.add_argument("--leaves", type=int, default=20)

    def handle(self, *args, **options):
        units, leaves = options["units"], options["leaves"]
        self.stdout.write(f"database: {connection.vendor}; {units} units × {leaves} leaves")
        try:
            with transaction.atomic(), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                started = time.perf_counter()
                period = OpenBenchmark()._setup(units, leaves)
                period_open(period=period, actor=None)
                self._people(period)
                self.stdout.write(f"setup (units, people, opened period): {time.perf_counter() - started:.2f} s")
                on = period.self_assessment_closes - timedelta(days=7)

                for label in ("send_reminders", "send_reminders again (same day: nothing to send)"):
                    started = time.perf_counter()
                    with _Counter() as queries:
                        summary = reminders_send(today=on)
                    sending = time.perf_counter() - started
                    # the e-mails leave after the commit; here, inside the benchmark's transaction, by hand: their
                    # jobs handed over and (eager, as in `make run`) each e-mail delivered by its job in this process
                    from django.core import mail

                    mail.outbox = []
                    started_mail = time.perf_counter()
                    with _Counter() as delivery:
                        for callback in list(connection.run_on_commit):
                            callback[1]()
                        connection.run_on_commit = []
                    mailing = time.perf_counter() - started_mail
                    self.stdout.write(
                        f"{label}: {sending:.2f} s to select and record the reminders and their e-mails in the "
                        f"outbox ({queries.count} SQL statements), {mailing:.2f} s to hand over and "
                        f"deliver the e-mails ({delivery.count} SQL statements, {len(mail.outbox)} "
                        f"messages) — {len(summary.sent)} reminders to {summary.emails} addresses, "
                        f"{summary.already_sent} already sent"
                    )
                self.stdout.write(f"records: {ReminderSend.objects.filter(period=period).count()}")
                self.stdout.write(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _people(self, period):
        """A head and a staff member with an e-mail in every unit of the period (set-based)."""
        tag = f"bench-{int(time.time())}"
        unit_ids = list(period.assessments.values_list("unit_id", flat=True))
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{tag}-{kind}-{unit_id}",
                    full_name=f"{kind} {unit_id}",
                    email=f"{kind}{unit_id}@bench.test",
                )
                for unit_id in unit_ids
                for kind in ("head", "staff")
            ],
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, unit_id=int(user.username.rsplit("-", 1)[1]), role=role)
                for user in users
                for role in [Role.UNIT_HEAD if "-head-" in user.username else Role.UNIT_STAFF]
            ],
            batch_size=5000,
        )
