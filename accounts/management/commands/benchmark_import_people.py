import time

from django.core import mail
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from accounts.models import Block, Membership, Unit, User
from accounts.resources import PersonResource
from cchc.imports import import_table, read_table


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark: import N people (default 1,000) with their roles and invitations, print the time, roll back."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1000)
        parser.add_argument("--units", type=int, default=140)
        parser.add_argument("--keep", action="store_true", help="keep the data (default: roll everything back)")

    def handle(self, *args, **options):
        people, units = options["people"], options["units"]
        self.stdout.write(f"database: {connection.vendor}; {people} people over {units} units")
        try:
            with transaction.atomic(), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                started = time.perf_counter()
                content = self._file(people, units)
                setup = time.perf_counter() - started
                rows = content.count(b"\n") - 1

                started = time.perf_counter()
                dry = import_table(PersonResource(), read_table(content, "people.csv"), commit=False)
                checked = time.perf_counter() - started

                started = time.perf_counter()
                outcome = import_table(PersonResource(), read_table(content, "people.csv"), commit=True)
                imported = time.perf_counter() - started

                # The invitations go out when the import commits; here they are sent before the rollback.
                mail.outbox = []
                started = time.perf_counter()
                for _savepoints, callback, _robust in list(connection.run_on_commit):
                    callback()
                invited = time.perf_counter() - started

                assert dry.ok and outcome.ok, [str(problem) for problem in (dry.problems or outcome.problems)[:5]]
                self.stdout.write(f"setup (units, file of {rows} rows): {setup:.2f} s")
                self.stdout.write(f"dry run (preview): {checked:.2f} s — {dry.new} new, {dry.updated} more roles")
                self.stdout.write(
                    f"import: {imported:.2f} s — {User.objects.filter(username__startswith='bench-').count()} people, "
                    f"{Membership.objects.filter(user__username__startswith='bench-').count()} roles"
                )
                self.stdout.write(f"invitations: {invited:.2f} s — {len(mail.outbox)} e-mails (in memory)")
                self.stdout.write(f"total import + invitations: {imported + invited:.2f} s (target < 30 s)")
                connection.run_on_commit = []
                if not options["keep"]:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back (use --keep to keep the data)")

    def _file(self, people: int, units: int) -> bytes:
        """One head and staff per unit, the rest staff; every tenth person also an appraiser of the agency."""
        block, _ = Block.objects.get_or_create(code="bench-block", defaults={"name": "Benchmark block", "order": 99})
        made = Unit.objects.bulk_create(
            [Unit(code=f"bench-unit-{n}", name=f"Đơn vị thử {n}", block=block) for n in range(units)]
        )
        agency = Unit.objects.create(code="bench-agency", name="Cơ quan thử", block=block, is_appraising_agency=True)
        # The file the benchmark reads (not a spreadsheet for people): plain values without commas or quotes.
        lines = ["username,full_name,email,phone,unit,role,agency"]
        for n in range(people):
            unit = made[n % units]
            role = "unit_head" if n < units else "unit_staff"
            name = f"bench-{n}"
            lines.append(f"{name},Người thử {n},{name}@hanoi.example,09{n:08d},{unit.code},{role},")
            if n % 10 == 0:
                lines.append(f"{name},,,,,appraiser,{agency.code}")
        return ("\n".join(lines) + "\n").encode()
