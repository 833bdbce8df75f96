"""Start from last year: a unit carries last year's notes and evidence links (never scores) into the leaves that
continue under the same code, each marked with the year until the unit confirms or replaces it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessment.models import Assessment, CarryOver, ChangeReason, Evidence, EvidenceRound, Score
from assessment.policy import carry_over_refusal
from assessment.selectors.carry_over import carry_over_source, continuing_leaves


@transaction.atomic
def assessment_carry_over(*, assessment: Assessment, actor) -> CarryOver:
    """Copy last year's note (where this year's is empty) and link last year's documents (the same files of the
    unit's library, never copies) into every leaf that continues under the same code; scores stay untouched.
    Recorded once: a second call returns the first record and changes nothing."""
    assessment = (
        Assessment.objects.select_for_update().select_related("period", "unit", "framework").get(pk=assessment.pk)
    )
    refusal = carry_over_refusal(actor, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    done = CarryOver.objects.filter(assessment=assessment).first()
    if done is not None:
        return done
    source = carry_over_source(assessment)
    if source is None:
        raise ValidationError(
            _("%(unit)s has no assessment of %(year)s in this block to carry over from.")
            % {"unit": assessment.unit, "year": assessment.period.year - 1}
        )
    year = source.period.year
    continuing, _gone = continuing_leaves(assessment, source)
    locked = {
        score.pk: score
        for score in Score.objects.select_for_update(of=("self",)).filter(pk__in=[item.score.pk for item in continuing])
    }
    attached = set(
        Evidence.objects.filter(score_id__in=list(locked)).values_list("score_id", "document_id")
    )  # what the unit attached already this year stays as it is
    now = timezone.now()
    notes, links, touched = [], [], set()
    for item in continuing:
        score = locked[item.score.pk]
        previous_note = item.previous.note.strip()
        if previous_note and not score.note.strip():
            score.note, score.note_from_year = previous_note, year
            score.version += 1
            score.updated_at, score.updated_by = now, actor
            notes.append(score)
            touched.add(score.pk)
        for evidence in item.previous.evidence.all():
            if (score.pk, evidence.document_id) in attached:
                continue
            attached.add((score.pk, evidence.document_id))
            links.append(
                Evidence(
                    score=score,
                    document_id=evidence.document_id,
                    locator=evidence.locator,
                    round=EvidenceRound.SELF_ASSESSMENT,
                    added_by=actor,
                    from_year=year,
                )
            )
            touched.add(score.pk)
    if notes:
        bulk_update_with_history(
            notes,
            Score,
            ["note", "note_from_year", "version", "updated_at", "updated_by"],
            default_user=actor,
            default_change_reason=ChangeReason.CARRY_OVER,
        )
    if links:
        bulk_create_with_history(links, Evidence, default_user=actor, default_change_reason=ChangeReason.CARRY_OVER)
    return CarryOver.objects.create(
        assessment=assessment,
        source=source,
        from_year=year,
        actor=actor,
        criteria=len(touched),
        notes=len(notes),
        evidence=len(links),
    )


@transaction.atomic
def score_confirm_carried(*, score: Score, actor) -> bool:
    """The unit confirms what was carried over into one leaf (its note and its evidence links): the marks go.
    Returns whether anything was still marked."""
    assessment = Assessment.objects.select_for_update().select_related("period", "unit").get(pk=score.assessment_id)
    refusal = carry_over_refusal(actor, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    score = Score.objects.select_for_update().get(pk=score.pk)
    links = Evidence.objects.filter(score=score, from_year__isnull=False).update(from_year=None)
    if score.note_from_year is None:
        return links > 0
    score.note_from_year = None
    score.updated_at, score.updated_by = timezone.now(), actor
    score._change_reason = ChangeReason.CARRY_OVER_CONFIRMED
    score._history_user = actor
    score.save(update_fields=["note_from_year", "updated_at", "updated_by"])
    return True
