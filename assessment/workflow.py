"""The assessment's states, the one table of who may move it where, and the windows in which units may write."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_access
from assessment.models import Assessment, AssessmentEvent
from assessment.models import AssessmentStatus as S

UNIT_HEAD, COORDINATOR, APPRAISER = "unit_head", "coordinator", "appraiser"

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


def is_member(user, assessment: Assessment) -> bool:
    access = user_access(user)
    return access.unit is not None and access.unit.pk == assessment.unit_id


def is_head(user, assessment: Assessment) -> bool:
    return is_member(user, assessment) and user_access(user).has(Role.UNIT_HEAD)


def assert_can_transition(assessment: Assessment, to: str, actor, reason: str = "") -> None:
    """Refuse a move that the table does not allow for this actor (checked on the server, always)."""
    who = TRANSITIONS.get((assessment.status, to))
    if who is None:
        raise ValidationError(
            _("An assessment that is “%(status)s” cannot become “%(to)s”.")
            % {"status": assessment.get_status_display(), "to": S(to).label}
        )
    access = user_access(actor)
    if who == UNIT_HEAD:
        allowed = is_head(actor, assessment)
    elif who == APPRAISER:
        allowed = access.is_coordinator or access.is_appraiser
    else:
        allowed = access.is_coordinator
    if not allowed:
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


@dataclass(frozen=True)
class Window:
    """Whether the unit may write now, and if not, why (for the page and for the refusal)."""

    open: bool
    message: str = ""
    closes: date | None = None

    @property
    def days_left(self) -> int | None:
        return None if self.closes is None else (self.closes - today()).days


def today() -> date:
    return timezone.localdate()


def self_assessment_window(assessment: Assessment, on: date | None = None) -> Window:
    """Self-assessment: a draft, between the opening and the closing date (or the date Home Affairs extended it to)."""
    on = on or today()
    period = assessment.period
    closes = max(period.self_assessment_closes, assessment.deadline_extended_to or period.self_assessment_closes)
    if assessment.status != S.DRAFT:
        return Window(False, _("The self-assessment was submitted: it can no longer be changed."), closes)
    if on < period.self_assessment_opens:
        return Window(
            False,
            _("Self-assessment opens on %(date)s.") % {"date": date_format(period.self_assessment_opens)},
            closes,
        )
    if on > closes:
        return Window(
            False,
            _("Self-assessment closed on %(date)s; only Home Affairs can reopen it.") % {"date": date_format(closes)},
            closes,
        )
    return Window(True, closes=closes)


def explanation_window(assessment: Assessment, on: date | None = None) -> Window:
    """Explanation: returned by Home Affairs, inside the period's explanation window."""
    on = on or today()
    period = assessment.period
    closes = period.explanation_closes
    if assessment.status != S.RETURNED:
        return Window(False, _("The assessment is not open for explanation."), closes)
    if on < period.explanation_opens:
        return Window(
            False,
            _("The explanation window opens on %(date)s.") % {"date": date_format(period.explanation_opens)},
            closes,
        )
    if on > closes:
        return Window(False, _("The explanation window closed on %(date)s.") % {"date": date_format(closes)}, closes)
    return Window(True, closes=closes)


def writable_window(assessment: Assessment, on: date | None = None) -> tuple[str | None, Window]:
    """The round the unit can write in now ("self" or "explanation"), or None with the reason."""
    window = self_assessment_window(assessment, on)
    if window.open:
        return "self", window
    if assessment.status == S.RETURNED:
        explanation = explanation_window(assessment, on)
        return ("explanation" if explanation.open else None), explanation
    return None, window
