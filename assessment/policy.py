"""Who may do what to which assessment object, now: state × role × window × agency × own unit, in one place.

The portal, the admin, the imports, the services and the selectors ask here; nothing else decides. This module
imports only Django, ``accounts`` (the roles of a user) and the assessment models: never a service, a selector,
a view or the workflow (the workflow asks here, not the other way round).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import Access, user_access
from assessment.models import Assessment, AssessmentStatus, Evidence, EvidenceRound, GradeRound, Method, Score

S = AssessmentStatus

# Who makes a move of the workflow (the values of ``workflow.TRANSITIONS``).
UNIT_HEAD, COORDINATOR, APPRAISER = "unit_head", "coordinator", "appraiser"

# The rounds in which grades are written.
ROUND_1, ROUND_2, COUNCIL = GradeRound.ROUND_1, GradeRound.ROUND_2, GradeRound.COUNCIL

# The rounds in which the unit writes.
SELF, EXPLANATION = EvidenceRound.SELF_ASSESSMENT, EvidenceRound.EXPLANATION


def today() -> date:
    return timezone.localdate()


# -- own unit and roles ---------------------------------------------------------------------------------


def is_member(user, assessment: Assessment) -> bool:
    """The user belongs to the unit of the assessment (staff or head)."""
    access = user_access(user)
    return access.unit is not None and access.unit.pk == assessment.unit_id


def is_head(user, assessment: Assessment) -> bool:
    return is_member(user, assessment) and user_access(user).has(Role.UNIT_HEAD)


def may_act_as(user, assessment: Assessment, who: str) -> bool:
    """Whether ``user`` is ``who`` (a value of the workflow's table) for this assessment."""
    access = user_access(user)
    if who == UNIT_HEAD:
        return is_head(user, assessment)
    if who == APPRAISER:
        return access.is_coordinator or access.is_appraiser
    return access.is_coordinator


def is_coordinator(user) -> bool:
    """Home Affairs (or a superuser): the governance writes, publishing, reassigning, reopening."""
    return user_access(user).is_coordinator


def may_publish(user, period=None) -> bool:
    """Home Affairs publishes a period's results (and any later correction: a new version), whatever the period."""
    return user_access(user).is_coordinator


def may_import_survey(user) -> bool:
    """Home Affairs imports the survey results (the survey leaves' points)."""
    return user_access(user).is_coordinator


def may_manage_rounds(user) -> bool:
    """Home Affairs moves assessments between rounds (return for explanation, close round 2, approve)."""
    return user_access(user).is_coordinator


def reads_block_overview(user) -> bool:
    """Home Affairs and the council start from the overview of the blocks (units and agencies per block)."""
    access = user_access(user)
    return access.is_coordinator or access.is_council


def reads_cycle_dashboard(user) -> bool:
    """Home Affairs lands on the cycle: periods ready to publish, progress by block and agency, units overdue."""
    return user_access(user).is_coordinator


def reads_own_queue(user) -> bool:
    """Appraisers land on their agency's waiting grades."""
    return user_access(user).is_appraiser


def overdue_filter(on: date | None = None) -> Q:
    """Assessments past their window: a draft after its closing date (or its extension), a returned one after
    the explanation window (the same dates as self_assessment_window and explanation_window)."""
    on = on or today()
    draft_late = Q(status=S.DRAFT, period__self_assessment_closes__lt=on) & (
        Q(deadline_extended_to__isnull=True) | Q(deadline_extended_to__lt=on)
    )
    return draft_late | Q(status=S.RETURNED, period__explanation_closes__lt=on)


def reads_provisional_results(user) -> bool:
    """Home Affairs and the council read the period's results before they are published."""
    access = user_access(user)
    return access.is_coordinator or access.is_council


def reads_submitted_assessments(access: Access) -> bool:
    """Appraisers and the council read every unit's assessment once it is submitted."""
    return access.is_appraiser or access.is_council


def reads_appraisal_progress(user) -> bool:
    """Home Affairs, appraisers and the council follow the appraisal of the current period."""
    access = user_access(user)
    return access.is_coordinator or access.is_appraiser or access.is_council


def reads_agency_work(user, agency_id: int | None) -> bool:
    """Home Affairs and the council follow every agency's grading; an appraiser their own agency's."""
    access = user_access(user)
    if access.is_coordinator or access.is_council:
        return True
    return access.is_appraiser and access.agency is not None and access.agency.pk == agency_id


def queue_scope(user) -> Q | None:
    """The grading queue's worklist, as a filter on scores: every leaf for Home Affairs and the council; an
    appraiser's agency's leaves; None (no queue) for anybody else."""
    access = user_access(user)
    if access.is_coordinator or access.is_council:
        return Q()
    if access.is_appraiser and access.agency is not None:
        return Q(agency_id=access.agency.pk)
    return None


# -- the unit's windows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Whether the unit may write now, and if not, why (for the page and for the refusal)."""

    open: bool
    message: str = ""
    closes: date | None = None

    @property
    def days_left(self) -> int | None:
        return None if self.closes is None else (self.closes - today()).days


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


def may_write_difficulties(user, assessment: Assessment, on: date | None = None) -> bool:
    """The unit's people write its "difficulties, obstacles and recommendations" while the self-assessment is
    writable, like its self scores."""
    return is_member(user, assessment) and self_assessment_window(assessment, on).open


def writable_window(assessment: Assessment, on: date | None = None) -> tuple[str | None, Window]:
    """The round the unit can write in now (``SELF`` or ``EXPLANATION``), or None with the reason."""
    window = self_assessment_window(assessment, on)
    if window.open:
        return SELF, window
    if assessment.status == S.RETURNED:
        explanation = explanation_window(assessment, on)
        return (EXPLANATION if explanation.open else None), explanation
    return None, window


# -- grading ----------------------------------------------------------------------------------------------


def appraisal_round(assessment: Assessment, on: date | None = None) -> str | None:
    """Which grades can be written now: round 1, round 2 (on explained leaves), the council's, or none."""
    on = on or today()
    if assessment.status in (S.SUBMITTED, S.UNDER_APPRAISAL):
        return ROUND_1
    if assessment.status == S.EXPLAINED:
        return ROUND_2
    if assessment.status == S.RETURNED and on > assessment.period.explanation_closes:
        return ROUND_2
    if assessment.status in (S.REAPPRAISED, S.APPROVED, S.PUBLISHED):
        # After approval, and after publication, only a decision of the council corrects a score (recorded by
        # Home Affairs, with its reason); a published version never changes: the correction is a new version.
        return COUNCIL
    return None


def explained_filter():
    """Leaves the unit explained: a written explanation or evidence added in the explanation round (the SQL
    twin of ``is_explained``)."""
    return ~Q(explanation="") | Exists(Evidence.objects.filter(score=OuterRef("pk"), round=EvidenceRound.EXPLANATION))


def is_explained(score: Score) -> bool:
    """A written explanation, or evidence of the explanation round; reads the prefetched evidence when there is."""
    if score.explanation.strip():
        return True
    prefetched = getattr(score, "_prefetched_objects_cache", {}).get("evidence")
    if prefetched is not None:
        return any(evidence.round == EvidenceRound.EXPLANATION for evidence in prefetched)
    return Evidence.objects.filter(score=score, round=EvidenceRound.EXPLANATION).exists()


def grade_refusal(user, score: Score, round_: str | None) -> str | None:
    """Why ``user`` may not write this leaf's grade now, or None if they may."""
    access = user_access(user)
    assessment = score.assessment
    if round_ is None:
        return _("The assessment of %(unit)s is not in an appraisal round.") % {"unit": assessment.unit}
    if not (access.is_appraiser or access.is_coordinator):
        return _("Only appraisers and Home Affairs grade.")
    if score.criterion.method != Method.APPRAISAL:
        return _("Criterion %(code)s is not appraised.") % {"code": score.criterion.code}
    if access.unit is not None and access.unit.pk == assessment.unit_id:
        return _("Nobody grades the assessment of their own unit: another appraiser of the agency does.")
    if round_ == COUNCIL:
        if not access.is_coordinator:
            return _("The council's decisions are recorded by Home Affairs.")
        return None
    mine = access.is_appraiser and access.agency is not None and score.agency_id == access.agency.pk
    if not access.is_coordinator and not mine:
        return _("Criterion %(code)s is appraised by another agency.") % {"code": score.criterion.code}
    if round_ == ROUND_2 and not is_explained(score):
        return _("Criterion %(code)s was not explained: its round 1 score stands.") % {"code": score.criterion.code}
    return None


# -- what a user reads (the selectors build their querysets on these) ---------------------------------------


def assessment_scope(user, prefix: str = "") -> Q:
    """The assessments ``user`` may read, as a filter (``prefix`` reaches them from a related row, such as
    ``"assessment__"``): all for Home Affairs; their own unit's; and, for appraisers and the council, every
    submitted one (a unit's draft stays its own until it submits). Anonymous people read none."""
    access = user_access(user)
    if access.is_coordinator:
        return Q()
    allowed = Q(pk__in=[]) if access.unit is None else Q(**{f"{prefix}unit_id": access.unit.pk})
    if reads_submitted_assessments(access):
        allowed |= ~Q(**{f"{prefix}status": S.DRAFT})
    return allowed


# -- insights: what if ------------------------------------------------------------------------------------------


def may_see_what_if(user, assessment: Assessment, *, published: bool, on: date | None = None) -> bool:
    """A unit's own people try "what if" on their assessment once its period is published, or while they explain
    (the returned assessment inside its explanation window); nobody else, and never before."""
    if not is_member(user, assessment):
        return False
    return published or explanation_window(assessment, on).open


def reads_accuracy(user) -> bool:
    """Home Affairs and the council read every unit's self-assessment accuracy (each unit reads its own on its
    results page)."""
    access = user_access(user)
    return access.is_coordinator or access.is_council


# -- the council's review, online ---------------------------------------------------------------------------------


def reads_council_review(user) -> bool:
    """Home Affairs and the council members follow the council's review of a period."""
    access = user_access(user)
    return access.is_coordinator or access.is_council


def may_manage_council_review(user) -> bool:
    """Home Affairs opens the council's review and records its decision."""
    return user_access(user).is_coordinator


def council_answer_refusal(user, review) -> str | None:
    """Why ``user`` may not answer in this council review now, or None if they may (a member, before the decision)."""
    if not user_access(user).is_council:
        return _("Only the council's members answer in its review.")
    if review.state != review.State.OPEN:
        return _("The council's decision is recorded: the answers can no longer change.")
    return None


# -- the improvement plan ---------------------------------------------------------------------------------------


def may_plan_improvements(user, assessment: Assessment, *, published: bool) -> bool:
    """The unit's own people keep its improvement plan once its results are published."""
    return published and is_member(user, assessment)


def reads_improvement_progress(user) -> bool:
    """Home Affairs follows every unit's improvement plan."""
    return user_access(user).is_coordinator


# -- where a unit stands; start from last year (issue 13) ----------------------------------------------------

# Once Home Affairs returned the appraisal, the unit reads its self scores against the appraisers' (round 1); once
# round 2 is closed, against round 2 as well.
STANDING_SHOWN = (S.RETURNED, S.EXPLAINED, S.REAPPRAISED, S.APPROVED, S.PUBLISHED)
ROUND_2_SHOWN = (S.REAPPRAISED, S.APPROVED, S.PUBLISHED)


def standing_refusal(user, assessment: Assessment) -> str | None:
    """Why ``user`` may not read where the unit stands (self score against the appraisal), or None: only the unit's
    own people, and only once the appraisal was returned to the unit."""
    if not is_member(user, assessment):
        return _("Only the people of %(unit)s read where it stands.") % {"unit": assessment.unit}
    if assessment.status not in STANDING_SHOWN:
        return _("The appraisal has not been returned to the unit yet.")
    return None


def reads_standing(user, assessment: Assessment) -> bool:
    return standing_refusal(user, assessment) is None


def standing_shows_round_2(assessment: Assessment) -> bool:
    """Round 2 is shown to the unit once it is closed (re-appraised, approved, published)."""
    return assessment.status in ROUND_2_SHOWN


def carry_over_refusal(user, assessment: Assessment, on: date | None = None) -> str | None:
    """Why ``user`` may not carry last year's notes and evidence into ``assessment`` (or confirm what was carried),
    or None: the unit's own people, while its self-assessment is open."""
    if not is_member(user, assessment):
        return _("Only the people of %(unit)s can change this assessment.") % {"unit": assessment.unit}
    window = self_assessment_window(assessment, on)
    if not window.open:
        return window.message
    return None


def may_carry_over(user, assessment: Assessment, on: date | None = None) -> bool:
    return carry_over_refusal(user, assessment, on) is None


# -- digitally signed reports (issue 15) --------------------------------------------------------------------


def signed_report_refusal(user, assessment: Assessment) -> str | None:
    """Why ``user`` may not upload a digitally signed report of ``assessment`` now (None: they may): only the
    unit head, while the self-assessment is a draft or submitted (before the appraisal starts)."""
    if not is_head(user, assessment):
        return _("Only the head of the unit uploads the digitally signed report.")
    if assessment.status not in (S.DRAFT, S.SUBMITTED):
        return _("The digitally signed report is uploaded with the self-assessment, before the appraisal starts.")
    return None


# -- reminders and who to chase (issue 13) -------------------------------------------------------------------


def reads_chase_list(user) -> bool:
    """Home Affairs follows, per period, where each unit stands and which reminders it was sent ("who to chase"),
    and sets the reminder schedule."""
    return user_access(user).is_coordinator
