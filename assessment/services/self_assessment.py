"""The unit's writes: self scores by section, explanations, submitting both."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import notifications, scoring
from assessment.exceptions import AssessmentIncomplete, ConflictError, ScoreErrors
from assessment.files import EvidenceFileError, check_upload
from assessment.formatting import compact
from assessment.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    ChangeReason,
    DocumentKind,
    Method,
    Score,
)
from assessment.policy import explanation_window, is_head, is_member, may_write_difficulties, self_assessment_window
from assessment.selectors.portal import assessment_missing
from assessment.services.evidence import document_store
from assessment.storage import StorageUnavailable
from assessment.workflow import transition

MAX_RATE = Decimal("1000")


@dataclass(frozen=True)
class ScoreInput:
    """What the unit typed for one leaf, with the version of the row it started from."""

    score_id: int
    version: int
    declared_value: Decimal | None = None
    self_points: Decimal | None = None
    is_na: bool = False
    na_reason: str = ""
    note: str = ""
    no_evidence_reason: str = ""


def _assert_member(assessment: Assessment, user) -> None:
    if not is_member(user, assessment):
        raise PermissionDenied(_("Only the people of %(unit)s can change this assessment.") % {"unit": assessment.unit})


SCORE_RELATIONS = [field.name for field in Score._meta.concrete_fields if field.is_relation]


def _locked_scores(assessment: Assessment, ids) -> dict[int, Score]:
    scores = {
        score.pk: score
        for score in Score.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, pk__in=ids)
        .select_related("criterion")
    }
    if len(scores) != len(set(ids)):
        raise PermissionDenied(_("These criteria are not part of the assessment."))
    return scores


def _stale(rows, scores) -> list[Score]:
    return [scores[row.score_id] for row in rows if scores[row.score_id].version != row.version]


def score_problems(score: Score, row: ScoreInput) -> dict[str, list[str]]:
    """The unit's rules for one leaf: only appraisal leaves, N/A where allowed and with a reason, typed values."""
    criterion = score.criterion
    if criterion.method != Method.APPRAISAL:
        return {"self_points": [_("This criterion is not self-scored.")]}
    errors: dict[str, list[str]] = {}
    if row.is_na:
        if not criterion.allows_na:
            errors["is_na"] = [_("This criterion cannot be marked “not applicable”.")]
        elif not row.na_reason.strip():
            errors["na_reason"] = [_("Give the reason the criterion does not apply.")]
        return errors
    value = row.declared_value
    if value is not None:
        if criterion.rule == scoring.YES_NO and value not in (Decimal(0), Decimal(1)):
            errors["declared_value"] = [_("Answer yes or no.")]
        elif criterion.rule in (scoring.COUNT, scoring.DEDUCTION) and (value < 0 or value != value.to_integral()):
            errors["declared_value"] = [_("The declared value must be a whole number, 0 or more.")]
        elif criterion.rule in (scoring.TIERS, scoring.RATIO) and not (0 <= value <= MAX_RATE):
            errors["declared_value"] = [_("The declared rate must be between 0 and 1,000%.")]
        elif criterion.rule == scoring.MANUAL:
            errors["declared_value"] = [_("This criterion has no declared value: give the self score.")]
    points = row.self_points
    if points is not None and (points < 0 or points > score.max_points or points != points.quantize(Decimal("0.01"))):
        errors["self_points"] = [
            _("The self score must be between 0 and %(max)s, with at most two decimals.")
            % {"max": compact(score.max_points)}
        ]
    return errors


def proposal_for(score: Score, declared_value) -> Decimal | None:
    """The rule's proposed score for a declared value (the server's own computation, never the browser's)."""
    rule = score.criterion.scoring_rule()
    if rule is None or declared_value is None:
        return None
    declared = bool(declared_value) if rule.kind == scoring.YES_NO else declared_value
    return scoring.propose_score(rule, declared, score.criterion.max_points)


@transaction.atomic
def score_save(*, assessment: Assessment, user, rows: list[ScoreInput]) -> int:
    """Save the changed leaves of one section; refuse it whole on a conflict or an invalid value."""
    _assert_member(assessment, user)
    assessment = Assessment.objects.select_for_update().select_related("period").get(pk=assessment.pk)
    window = self_assessment_window(assessment)
    if not window.open:
        raise PermissionDenied(window.message)
    if not rows:
        return 0
    scores = _locked_scores(assessment, [row.score_id for row in rows])
    stale = _stale(rows, scores)
    if stale:
        raise ConflictError.on(stale)
    errors = {row.score_id: problems for row in rows if (problems := score_problems(scores[row.score_id], row))}
    if errors:
        raise ScoreErrors(errors)
    now = timezone.now()
    changed = []
    for row in rows:
        score = scores[row.score_id]
        score.is_na = row.is_na
        score.na_reason = row.na_reason.strip() if row.is_na else ""
        score.declared_value = None if row.is_na else row.declared_value
        score.self_points = None if row.is_na else row.self_points
        if not row.is_na and score.self_points is None:
            score.self_points = proposal_for(score, score.declared_value)  # the self score defaults to the proposal
        if row.note.strip() != score.note:
            score.note_from_year = None  # carry over: editing a carried note confirms it
        score.note = row.note.strip()
        score.no_evidence_reason = row.no_evidence_reason.strip()
        score.version += 1
        score.updated_at, score.updated_by = now, user
        # Field checks only: the rules were checked above and the database holds the constraints. The foreign keys
        # are not the person's input (set here or kept as read): checking each would cost 2 queries per leaf.
        score.full_clean(exclude=SCORE_RELATIONS, validate_unique=False, validate_constraints=False)
        changed.append(score)
    _update_with_history(
        changed,
        [
            "is_na",
            "na_reason",
            "declared_value",
            "self_points",
            "note",
            "note_from_year",
            "no_evidence_reason",
            "version",
            "updated_at",
            "updated_by",
        ],
        user,
        ChangeReason.SELF_ASSESSMENT,
    )
    return len(changed)


def _update_with_history(scores: list[Score], fields: list[str], user, reason: str) -> None:
    """simple_history's bulk_update_with_history, in the same two statements, with one leaf (most saves) written by a
    plain UPDATE: bulk_update's CASE over every field costs about 2 ms of CPU to build for one row (issue 12)."""
    if len(scores) == 1:
        Score.objects.filter(pk=scores[0].pk).update(**{name: getattr(scores[0], name) for name in fields})
    else:
        Score.objects.bulk_update(scores, fields)
    Score.history.bulk_history_create(scores, update=True, default_user=user, default_change_reason=reason)


@transaction.atomic
def score_explain(*, assessment: Assessment, user, rows: list[tuple[int, int, str]]) -> int:
    """Save the unit's explanations (score id, version, text) during the explanation window."""
    _assert_member(assessment, user)
    assessment = Assessment.objects.select_for_update().select_related("period").get(pk=assessment.pk)
    window = explanation_window(assessment)
    if not window.open:
        raise PermissionDenied(window.message)
    if not rows:
        return 0
    scores = _locked_scores(assessment, [score_id for score_id, _version, _text in rows])
    stale = _stale([ScoreInput(score_id=i, version=v) for i, v, _text in rows], scores)
    if stale:
        raise ConflictError.on(stale)
    now = timezone.now()
    for score_id, _version, text in rows:
        score = scores[score_id]
        score.explanation = text.strip()
        score.version += 1
        score.updated_at, score.updated_by = now, user
    _update_with_history(
        list(scores.values()), ["explanation", "version", "updated_at", "updated_by"], user, ChangeReason.EXPLANATION
    )
    return len(scores)


@transaction.atomic
def difficulties_save(*, assessment: Assessment, user, text: str, seen: str) -> bool:
    """The unit's "difficulties, obstacles and recommendations" (printed in the report), while the self-assessment
    is writable; refused if somebody changed it since ``seen`` (the text the form was built from). Audited as an
    entry of the assessment's trail with the new text. Returns whether anything changed."""
    _assert_member(assessment, user)
    assessment = Assessment.objects.select_for_update().select_related("period").get(pk=assessment.pk)
    if not may_write_difficulties(user, assessment):
        raise PermissionDenied(self_assessment_window(assessment).message)
    if assessment.difficulties != seen:
        raise ValidationError(
            _("Somebody else changed this text meanwhile: the page now shows their version; add yours again."),
            code="conflict",
        )
    text = text.strip()
    if text == assessment.difficulties:
        return False
    assessment.difficulties = text
    assessment.save(update_fields=["difficulties"])
    AssessmentEvent.objects.create(
        assessment=assessment,
        from_status=assessment.status,
        to_status=assessment.status,
        actor=user,
        reason=_("Difficulties, obstacles and recommendations: %(text)s") % {"text": text or "—"},
    )
    return True


SIGNED_SCAN_KINDS = {DocumentKind.PDF, DocumentKind.JPG, DocumentKind.PNG}


def _check_signed_scan(signed_scan):
    """The signed report checked by content: (the checked file, None) or (None, why it is refused)."""
    if signed_scan is None:
        return None, _("Upload the signed self-assessment report (a scan, PDF, JPG or PNG).")
    try:
        checked = check_upload(signed_scan)
    except EvidenceFileError as error:
        return None, str(error)
    if checked.kind not in SIGNED_SCAN_KINDS:
        return None, _("The signed report must be a PDF, JPG or PNG scan.")
    return checked, None


def submission_problems(*, assessment: Assessment, signed_scan) -> tuple[list, list[str]]:
    """Everything that stops the submission, in one pass: the leaves still missing and the signed scan's problem.

    Reads only; the page asks it to list every problem at once, ``assessment_submit`` to refuse with all of them.
    """
    _checked, scan_problem = _check_signed_scan(signed_scan)
    return assessment_missing(assessment), [scan_problem] if scan_problem else []


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user, signed_scan) -> Assessment:
    """The unit head submits the self-assessment with its signed report; refused with everything that is missing."""
    assessment = Assessment.objects.select_for_update().select_related("period", "unit").get(pk=assessment.pk)
    if not is_head(user, assessment):
        raise PermissionDenied(_("Only the head of the unit submits the self-assessment."))
    window = self_assessment_window(assessment)
    if not window.open:
        raise PermissionDenied(window.message)
    missing = assessment_missing(assessment)
    checked, scan_problem = _check_signed_scan(signed_scan)
    if missing or scan_problem:
        raise AssessmentIncomplete(missing, scan_problems=[scan_problem] if scan_problem else [])
    try:
        document = document_store(unit=assessment.unit, user=user, upload=signed_scan, checked=checked)
    except StorageUnavailable as error:  # nothing is submitted without its signed report stored
        raise AssessmentIncomplete([], scan_problems=error.messages) from error
    assessment.signed_report = document
    assessment.submitted_at, assessment.submitted_by = timezone.now(), user
    transition(assessment, AssessmentStatus.SUBMITTED, user, fields=("signed_report", "submitted_at", "submitted_by"))
    notifications.assessment_submitted(assessment)
    return assessment


@transaction.atomic
def assessment_submit_explanation(*, assessment: Assessment, user) -> Assessment:
    """The unit head submits the explanation; the assessment is read-only again."""
    assessment = Assessment.objects.select_for_update().select_related("period", "unit").get(pk=assessment.pk)
    if not is_head(user, assessment):
        raise PermissionDenied(_("Only the head of the unit submits the explanation."))
    window = explanation_window(assessment)
    if not window.open:
        raise PermissionDenied(window.message)
    assessment.explanation_submitted_at, assessment.explanation_submitted_by = timezone.now(), user
    transition(
        assessment,
        AssessmentStatus.EXPLAINED,
        user,
        fields=("explanation_submitted_at", "explanation_submitted_by"),
    )
    notifications.assessment_explained(assessment)
    return assessment
