"""E-mails about an assessment: recorded, then sent by a background job after the transaction commits, never
blocking or failing the request."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import UNIT_MEMBER_ROLES, Membership, Role
from assessment.outbox import email_queue
from cchc.site import site_url


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
    """Recorded now, sent by a background job after the commit, with retries (assessment/outbox.py)."""
    email_queue(subject=subject, body=body, recipients=recipients)


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
