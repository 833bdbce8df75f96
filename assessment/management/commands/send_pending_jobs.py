from datetime import timedelta

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.outbox import jobs_send_pending
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Hand to the job queue the background jobs it could not take when they were asked for (broker down). "
        "Celery beat runs it every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help=gettext_lazy("also the jobs asked for less than JOBS_PENDING_GRACE_SECONDS ago"),
        )

    def handle(self, *args, **options):
        sent, waiting = jobs_send_pending(older_than=timedelta(0) if options["all"] else None)
        with translation.override("vi"):
            self.stdout.write(
                _("%(sent)s job(s) sent, %(waiting)s still waiting.") % {"sent": sent, "waiting": waiting}
            )
        if waiting:
            raise SystemExit(1)
