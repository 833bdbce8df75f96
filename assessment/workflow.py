"""The assessment's states and the one table of who may move it where (the policy says who that person is)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from assessment.models import Assessment, AssessmentEvent
from assessment.models import AssessmentStatus as S

# The windows and the membership answers moved to ``assessment.policy``; these names stay importable from here.
from assessment.policy import (  # noqa: F401, E402
    APPRAISER,
    COORDINATOR,
    UNIT_HEAD,
    Window,
    explanation_window,
    is_head,
    is_member,
    may_act_as,
    self_assessment_window,
    today,
    writable_window,
)

# (from, to) → who may make the move. A reopening (back to draft) always needs a reason.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): UNIT_HEAD,
    (S.SUBMITTED, S.UNDER_APPRAISAL): APPRAISER,  # the first grade starts the appraisal
    (S.SUBMITTED, S.RETURNED): COORDINATOR,
    (S.UNDER_APPRAISAL, S.RETURNED): COORDINATOR,
    (S.RETURNED, S.EXPLAINED): UNIT_HEAD,
    (S.RETURNED, S.REAPPRAISED): COORDINATOR,
    (S.EXPLAINED, S.REAPPRAISED): COORDINATOR,
    (S.REAPPRAISED, S.APPROVED): COORDINATOR,
    (S.APPROVED, S.PUBLISHED): COORDINATOR,
    **{(status, S.DRAFT): COORDINATOR for status in (S.SUBMITTED, S.UNDER_APPRAISAL, S.RETURNED)},
}
NEEDS_REASON = {(from_status, to) for (from_status, to) in TRANSITIONS if to == S.DRAFT}


def assert_can_transition(assessment: Assessment, to: str, actor, reason: str = "") -> None:
    """Refuse a move that the table does not allow for this actor (checked on the server, always)."""
    who = TRANSITIONS.get((assessment.status, to))
    if who is None:
        raise ValidationError(
            _("An assessment that is “%(status)s” cannot become “%(to)s”.")
            % {"status": assessment.get_status_display(), "to": S(to).label}
        )
    if not may_act_as(actor, assessment, who):
        raise PermissionDenied(_("You may not make this change."))
    if (assessment.status, to) in NEEDS_REASON and not reason.strip():
        raise ValidationError(_("Give the reason for this change."))


def transition(assessment: Assessment, to: str, actor, reason: str = "", fields: tuple[str, ...] = ()) -> None:
    """Move the (locked) assessment and record who, when, from where and why, in the same transaction."""
    assert_can_transition(assessment, to, actor, reason)
    AssessmentEvent.objects.create(
        assessment=assessment, from_status=assessment.status, to_status=to, actor=actor, reason=reason
    )
    assessment.status = to
    assessment.save(update_fields=["status", *fields])
