"""Reads of the audit trail of one assessment (the admin, Home Affairs): its transitions, every change of its score
rows (old → new, from simple-history's ``diff_against``) and the evidence added and removed.

Imports Django, the models and the framework selectors; never a service, a view or the admin."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext

from accounts.models import Unit
from assessment.models import AssessmentEvent, ChangeReason, Evidence, Score
from assessment.selectors.frameworks import framework_leaves_with_agency

# The fields of a score row the trail follows, in the order a record's changes are listed.
AUDITED = [
    "declared_value",
    "self_points",
    "is_na",
    "na_reason",
    "appraised_points",
    "appraised_comment",
    "na_confirmed",
    "reappraised_points",
    "reappraised_comment",
    "council_points",
    "council_reason",
    "agency",
    "explanation",
]

# The history's change reasons shown by name; any other (the survey import, a reassignment's reason) as written.
REASONS = {
    reason: reason.label
    for reason in (
        ChangeReason.SELF_ASSESSMENT,
        ChangeReason.EXPLANATION,
        ChangeReason.APPRAISAL,
        ChangeReason.APPRAISAL_ROUND_2,
        ChangeReason.COUNCIL,
        # carry over
        ChangeReason.CARRY_OVER,
        ChangeReason.CARRY_OVER_CONFIRMED,
    )
}


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, Decimal):
        return number_format(value, 2)
    return str(value)


def _as_opened(record, agency_id):
    """The row as opening the period created it (no answer, no grade, the leaf's appraising agency), as a
    historical record to diff the row's first record against: opening writes no history of its own."""
    baseline = Score.history.model(id=record.id, assessment_id=record.assessment_id, criterion_id=record.criterion_id)
    baseline.agency_id = agency_id
    return baseline


def score_changes(assessment) -> list[dict]:
    """old → new of every audited field of every historical record of the assessment's score rows, oldest row and
    record first (three queries). The first record of a row is compared with the row as the period's opening created
    it, so the agency the opening assigned is not shown as somebody's change."""
    history = list(
        Score.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "criterion")
        .order_by("id", "history_date", "history_id")
    )
    opened_with = {leaf: agency for leaf, _max, agency in framework_leaves_with_agency(assessment.framework_id)}
    agency_ids = {record.agency_id for record in history} | set(opened_with.values())
    agencies = Unit.objects.in_bulk([pk for pk in agency_ids if pk is not None])
    labels = {name: Score._meta.get_field(name).verbose_name for name in AUDITED}
    position = {name: index for index, name in enumerate(AUDITED)}
    previous = {}
    changes = []
    for record in history:
        before = previous.get(record.id) or _as_opened(record, opened_with.get(record.criterion_id))
        delta = record.diff_against(before, included_fields=AUDITED)
        for change in sorted(delta.changes, key=lambda change: position[change.field]):
            if change.field == "agency":
                old, new = (str(agencies[pk]) if pk in agencies else "—" for pk in (change.old, change.new))
            else:
                old, new = _shown(change.old), _shown(change.new)
            changes.append(
                {
                    "at": record.history_date,
                    "user": record.history_user,
                    "code": record.criterion.code if record.criterion_id else "",
                    "field": labels[change.field],
                    "old": old,
                    "new": new,
                    "reason": str(REASONS.get(record.history_change_reason, record.history_change_reason or "")),
                }
            )
        previous[record.id] = record
    return changes


@dataclass(frozen=True)
class AuditTrail:
    """What the audit page of an assessment lists, each newest first."""

    events: list[AssessmentEvent]
    changes: list[dict]
    evidence: list


def assessment_audit(assessment) -> AuditTrail:
    """The transitions, the changes of the score rows and the evidence records of ``assessment`` (five queries)."""
    events = list(AssessmentEvent.objects.filter(assessment=assessment).select_related("actor"))
    evidence = list(
        Evidence.history.filter(score__assessment_id=assessment.pk)
        .select_related("history_user", "document", "score__criterion")
        .order_by("-history_date")
    )
    return AuditTrail(
        events=sorted(events, key=lambda event: event.at, reverse=True),
        changes=sorted(score_changes(assessment), key=lambda change: change["at"], reverse=True),
        evidence=evidence,
    )
