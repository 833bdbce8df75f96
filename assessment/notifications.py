"""E-mails about an assessment: sent after the transaction commits, never blocking or failing the request."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import UNIT_MEMBER_ROLES, Membership, Role
from cchc.site import site_url

logger = logging.getLogger(__name__)


def _unit_people(unit) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(unit=unit, role__in=UNIT_MEMBER_ROLES, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _home_affairs() -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(role=Role.COORDINATOR, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _link(path: str) -> str:
    return site_url() + path


def _send_after_commit(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # a mail server down must not undo or break the work that was just saved
            logger.exception("could not send %r to %s", subject, recipients)

    transaction.on_commit(send)


def assessment_submitted(assessment) -> None:
    _send_after_commit(
        _("[CCHC] %(unit)s submitted its self-assessment") % {"unit": assessment.unit},
        _("%(unit)s submitted its self-assessment for %(period)s.\n\nAppraise it: %(link)s\n")
        % {
            "unit": assessment.unit,
            "period": assessment.period,
            "link": _link(reverse("admin:assessment_assessment_grade", args=[assessment.pk])),
        },
        _home_affairs(),
    )


def assessment_explained(assessment) -> None:
    _send_after_commit(
        _("[CCHC] %(unit)s submitted its explanation") % {"unit": assessment.unit},
        _("%(unit)s submitted its explanation for %(period)s.\n\nRound 2: %(link)s\n")
        % {
            "unit": assessment.unit,
            "period": assessment.period,
            "link": _link(reverse("admin:assessment_assessment_grade", args=[assessment.pk])),
        },
        _home_affairs(),
    )


def assessment_returned(assessment) -> None:
    _send_after_commit(
        _("[CCHC] The appraisal of %(unit)s is returned for explanation") % {"unit": assessment.unit},
        _(
            "The appraisal of %(unit)s for %(period)s has been returned. You may explain any criterion and add "
            "evidence from %(opens)s to %(closes)s.\n\n%(link)s\n"
        )
        % {
            "unit": assessment.unit,
            "period": assessment.period,
            "opens": assessment.period.explanation_opens.strftime("%d/%m/%Y"),
            "closes": assessment.period.explanation_closes.strftime("%d/%m/%Y"),
            "link": _link(reverse("assessment:assessment-detail", args=[assessment.pk])),
        },
        _unit_people(assessment.unit),
    )


def assessment_approved(assessment) -> None:
    _send_after_commit(
        _("[CCHC] The assessment of %(unit)s is approved") % {"unit": assessment.unit},
        _(
            "The council approved the assessment of %(unit)s for %(period)s "
            "(decision %(number)s of %(date)s).\n\n%(link)s\n"
        )
        % {
            "unit": assessment.unit,
            "period": assessment.period,
            "number": assessment.council_decision_number,
            "date": assessment.council_decision_date.strftime("%d/%m/%Y"),
            "link": _link(reverse("assessment:assessment-summary", args=[assessment.pk])),
        },
        _unit_people(assessment.unit),
    )


def assessment_reopened(assessment) -> None:
    _send_after_commit(
        _("[CCHC] The self-assessment of %(unit)s is reopened") % {"unit": assessment.unit},
        _("Home Affairs reopened the self-assessment of %(unit)s for %(period)s until %(date)s.\n\n%(link)s\n")
        % {
            "unit": assessment.unit,
            "period": assessment.period,
            "date": assessment.deadline_extended_to.strftime("%d/%m/%Y"),
            "link": _link(reverse("assessment:assessment-detail", args=[assessment.pk])),
        },
        _unit_people(assessment.unit),
    )
