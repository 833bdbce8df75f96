"""The improvement plan: one item per criterion where the unit lost points, kept by the unit after publication."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment import policy
from assessment.models import Assessment, Criterion, Document, ImprovementItem, PlanStatus
from assessment.selectors.results import lost_points, unit_published_result


@transaction.atomic
def improvement_item_save(
    *,
    assessment: Assessment,
    code: str,
    actor,
    cause: str,
    action: str,
    lead: str,
    starts: date,
    due: date,
    status: str,
    evidence_id: int | None = None,
) -> ImprovementItem:
    """Plan (or update) the fix of one criterion where the unit lost points; done needs its evidence."""
    if not policy.may_plan_improvements(actor, assessment, published=unit_published_result(assessment) is not None):
        raise PermissionDenied
    if code not in {row.code for row in lost_points(assessment)}:
        raise ValidationError(
            _("The unit did not lose points on criterion %(code)s: it needs no improvement plan.") % {"code": code}
        )
    errors = {}
    if due < starts:
        errors["due"] = _("The end date cannot be before the start date.")
    evidence = None
    if evidence_id is not None:
        evidence = Document.objects.filter(pk=evidence_id, unit_id=assessment.unit_id).first()
        if evidence is None:
            errors["evidence"] = _("Choose a document of your unit's library.")
    if status == PlanStatus.DONE and evidence_id is None:
        errors["evidence"] = _("A finished item needs the document that shows it is done.")
    if errors:
        raise ValidationError(errors)
    criterion = Criterion.objects.get(framework_id=assessment.framework_id, code=code)
    item = ImprovementItem.objects.select_for_update().filter(
        assessment=assessment, criterion=criterion
    ).first() or ImprovementItem(assessment=assessment, criterion=criterion)
    item.cause, item.action, item.lead = cause.strip(), action.strip(), lead.strip()
    item.starts, item.due, item.status, item.evidence, item.updated_by = starts, due, status, evidence, actor
    item.full_clean(exclude=["assessment", "criterion", "evidence", "updated_by"])
    item.save()
    return item
