"""The appraisers' and Home Affairs' writes: grades in two rounds, the council's overrides, the rounds themselves."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import Unit
from assessment import notifications
from assessment.exceptions import ConflictError, ScoreErrors
from assessment.formatting import compact
from assessment.models import (
    Assessment,
    AssessmentStatus,
    ChangeReason,
    Criterion,
    Evidence,
    EvidenceRound,
    Method,
    Period,
    Score,
)
from assessment.policy import (
    COUNCIL,
    ROUND_1,
    ROUND_2,
    appraisal_round,
    explained_filter,
    grade_refusal,
    is_coordinator,
    today,
)
from assessment.workflow import transition

S = AssessmentStatus


@dataclass(frozen=True)
class GradeInput:
    """What the appraiser (or Home Affairs for the council) typed for one leaf."""

    score_id: int
    version: int
    points: Decimal | None = None
    comment: str = ""
    na_confirmed: bool | None = None


def grade_problems(score: Score, round_: str, row: GradeInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    points = row.points
    if points is not None and (points < 0 or points > score.max_points or points != points.quantize(Decimal("0.01"))):
        errors["points"] = [
            _("The score must be between 0 and %(max)s, with at most two decimals.")
            % {"max": compact(score.max_points)}
        ]
    if round_ == COUNCIL:
        if points is not None and not row.comment.strip():
            errors["comment"] = [_("Give the council's reason for changing the score.")]
        return errors
    if row.na_confirmed and not score.is_na:
        errors["na_confirmed"] = [_("The unit did not mark this criterion “not applicable”.")]
    if row.na_confirmed and points is not None:
        errors["points"] = [_("A criterion confirmed “not applicable” has no score.")]
    return errors


def _write(score: Score, round_: str, row: GradeInput, actor, now) -> None:
    if round_ == ROUND_1:
        score.appraised_points, score.appraised_comment = row.points, row.comment.strip()
        score.appraised_by, score.appraised_at = actor, now
        score.na_confirmed = row.na_confirmed if score.is_na else None
    elif round_ == ROUND_2:
        score.reappraised_points, score.reappraised_comment = row.points, row.comment.strip()
        score.reappraised_by, score.reappraised_at = actor, now
        if score.is_na and row.na_confirmed is not None:
            score.na_confirmed = row.na_confirmed
    else:
        score.council_points = row.points
        score.council_reason = row.comment.strip() if row.points is not None else ""


# The history's change reason of each round (the audit trail names them; a conflict tells a grade by them).
CHANGE_REASONS = {
    ROUND_1: ChangeReason.APPRAISAL,
    ROUND_2: ChangeReason.APPRAISAL_ROUND_2,
    COUNCIL: ChangeReason.COUNCIL,
}

GRADE_FIELDS = {
    ROUND_1: ["appraised_points", "appraised_comment", "appraised_by", "appraised_at", "na_confirmed"],
    ROUND_2: ["reappraised_points", "reappraised_comment", "reappraised_by", "reappraised_at", "na_confirmed"],
    COUNCIL: ["council_points", "council_reason"],
}


@transaction.atomic
def scores_grade(*, actor, rows: list[GradeInput]) -> int:
    """Write grades of any leaves (one page, one queue, one import): checked all, saved all or none."""
    if not rows:
        return 0
    scores = {
        score.pk: score
        for score in Score.objects.select_for_update(of=("self",))
        .filter(pk__in=[row.score_id for row in rows])
        .select_related("assessment__period", "assessment__unit", "criterion")
        # round 2 asks whether each leaf was explained: its explanation evidence, read in one query for all
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.filter(round=EvidenceRound.EXPLANATION)))
    }
    missing = [row.score_id for row in rows if row.score_id not in scores]
    if missing:
        raise PermissionDenied(_("These criteria do not exist."))
    conflicts, errors, rounds = [], {}, {}
    for row in rows:
        score = scores[row.score_id]
        round_ = rounds.setdefault(score.assessment_id, appraisal_round(score.assessment))
        refusal = grade_refusal(actor, score, round_)
        if refusal:
            raise PermissionDenied(refusal)
        if score.version != row.version:
            conflicts.append(score)
        elif problems := grade_problems(score, round_, row):
            errors[score.pk] = problems
    if conflicts:
        raise ConflictError.on(conflicts)
    if errors:
        raise ScoreErrors(errors)
    _start_appraisal(actor, {score.assessment for score in scores.values() if score.assessment.status == S.SUBMITTED})
    now = timezone.now()
    by_round: dict[str, list[Score]] = {}
    for row in rows:
        score = scores[row.score_id]
        round_ = rounds[score.assessment_id]
        _write(score, round_, row, actor, now)
        score.version += 1
        score.updated_at, score.updated_by = now, actor
        by_round.setdefault(round_, []).append(score)
    for round_, changed in by_round.items():
        bulk_update_with_history(
            changed,
            Score,
            [*GRADE_FIELDS[round_], "version", "updated_at", "updated_by"],
            default_user=actor,
            default_change_reason=CHANGE_REASONS[round_],
        )
    return len(rows)


def _start_appraisal(actor, assessments) -> None:
    for assessment in assessments:
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status == S.SUBMITTED:
            transition(locked, S.UNDER_APPRAISAL, actor, reason=_("Appraisal started."))
            assessment.status = locked.status


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("period", "unit").get(pk=assessment.pk)


def ungraded(assessment: Assessment) -> list[str]:
    """Appraisal leaves without a round 1 grade (a score, or the confirmation of the unit's N/A)."""
    return list(
        Score.objects.filter(assessment=assessment, criterion__method=Method.APPRAISAL, appraised_points__isnull=True)
        .exclude(is_na=True, na_confirmed__isnull=False)
        .order_by("criterion__order")
        .values_list("criterion__code", flat=True)
    )


@transaction.atomic
def assessment_return(*, assessment: Assessment, actor, reason: str = "") -> Assessment:
    """Send the appraisal back to the unit for explanation (every leaf must have its round 1 grade)."""
    assessment = _locked(assessment)
    missing = ungraded(assessment)
    if missing and assessment.status in (S.SUBMITTED, S.UNDER_APPRAISAL):
        raise ValidationError(
            _("%(unit)s: these criteria are not graded yet: %(codes)s.")
            % {"unit": assessment.unit, "codes": ", ".join(missing)}
        )
    transition(assessment, S.RETURNED, actor, reason=reason)
    notifications.assessment_returned(assessment)
    return assessment


@transaction.atomic
def assessment_finish_round_two(*, assessment: Assessment, actor, reason: str = "") -> Assessment:
    """Close round 2: every explained leaf regraded; a return left unexplained closes once its window has passed."""
    assessment = _locked(assessment)
    if assessment.status == S.RETURNED and today() <= assessment.period.explanation_closes:
        raise ValidationError(
            _("%(unit)s: the explanation window is open until %(date)s.")
            % {"unit": assessment.unit, "date": date_format(assessment.period.explanation_closes)}
        )
    pending = list(
        Score.objects.filter(assessment=assessment, criterion__method=Method.APPRAISAL, reappraised_points__isnull=True)
        .filter(explained_filter())
        .exclude(is_na=True, na_confirmed=True)
        .order_by("criterion__order")
        .values_list("criterion__code", flat=True)
    )
    if pending:
        raise ValidationError(
            _("%(unit)s: these explained criteria have no round 2 score yet: %(codes)s.")
            % {"unit": assessment.unit, "codes": ", ".join(pending)}
        )
    transition(assessment, S.REAPPRAISED, actor, reason=reason)
    return assessment


@transaction.atomic
def assessment_approve(*, assessment: Assessment, actor, decision_number: str, decision_date: date) -> Assessment:
    """Record the council's decision: the scores are final and can no longer change."""
    assessment = _locked(assessment)
    if not decision_number.strip() or decision_date is None:
        raise ValidationError(_("Give the number and the date of the council's decision."))
    assessment.council_decision_number = decision_number.strip()
    assessment.council_decision_date = decision_date
    assessment.approved_at, assessment.approved_by = timezone.now(), actor
    transition(
        assessment,
        S.APPROVED,
        actor,
        reason=_("Council decision %(number)s of %(date)s")
        % {"number": assessment.council_decision_number, "date": date_format(decision_date)},
        fields=("council_decision_number", "council_decision_date", "approved_at", "approved_by"),
    )
    notifications.assessment_approved(assessment)
    return assessment


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, actor, reason: str, until: date) -> Assessment:
    """Give the unit its self-assessment back, until a new date, for a recorded reason."""
    assessment = _locked(assessment)
    if until is None or until < today():
        raise ValidationError(_("Give a new closing date from today on."))
    assessment.deadline_extended_to = until
    transition(assessment, S.DRAFT, actor, reason=reason, fields=("deadline_extended_to",))
    notifications.assessment_reopened(assessment)
    return assessment


@transaction.atomic
def agency_reassign(*, period: Period, criterion: Criterion, agency: Unit, actor, reason: str) -> int:
    """Home Affairs gives a leaf to another appraising agency for one period (recorded on every row)."""
    if not is_coordinator(actor):
        raise PermissionDenied(_("Only Home Affairs reassigns criteria."))
    if not agency.is_appraising_agency:
        raise ValidationError(_("%(unit)s is not an appraising agency.") % {"unit": agency})
    if not reason.strip():
        raise ValidationError(_("Give the reason for this change."))
    scores = list(
        Score.objects.select_for_update()
        .filter(assessment__period=period, criterion=criterion)
        .exclude(assessment__status__in=[S.APPROVED, S.PUBLISHED])
    )
    for score in scores:
        score.agency = agency
    bulk_update_with_history(scores, Score, ["agency"], default_user=actor, default_change_reason=reason.strip())
    return len(scores)
