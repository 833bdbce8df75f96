"""Frameworks (draft, active, archived, versions) and opening periods."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from assessment.models import Assessment, Criterion, Framework, FrameworkState, Method, Period, Score
from assessment.selectors import framework_is_in_use, framework_nodes, units_taking_part
from assessment.tree import tree_problems

SCORE_BATCH = 20_000


def _locked_framework(framework: Framework) -> Framework:
    return Framework.objects.select_for_update().get(pk=framework.pk)


def framework_check(framework: Framework) -> None:
    """Raise a ValidationError listing every problem of the tree (parents, leaves, sums, rules)."""
    messages = [problem.message for problem in tree_problems(framework_nodes(framework))]
    for criterion in Criterion.objects.filter(framework=framework).order_by("order", "id"):
        try:
            criterion.clean()
        except ValidationError as exc:
            messages.extend(
                _("Criterion %(code)s: %(message)s") % {"code": criterion.code, "message": message}
                for message in exc.messages
            )
    if not Criterion.objects.filter(framework=framework).exists():
        messages.append(_("The framework has no criteria yet."))
    if messages:
        raise ValidationError(messages)


@transaction.atomic
def framework_activate(*, framework: Framework) -> Framework:
    """A draft becomes usable by periods once its whole tree is valid."""
    framework = _locked_framework(framework)
    if framework.state == FrameworkState.ACTIVE:
        return framework
    framework_check(framework)
    framework.state = FrameworkState.ACTIVE
    framework.save(update_fields=["state"])
    return framework


@transaction.atomic
def framework_back_to_draft(*, framework: Framework) -> Framework:
    """An active framework that no period uses may be edited again."""
    framework = _locked_framework(framework)
    if framework_is_in_use(framework):
        raise ValidationError(
            _("“%(framework)s” is used by a period and cannot be changed; copy it as a new version instead.")
            % {"framework": framework}
        )
    framework.state = FrameworkState.DRAFT
    framework.save(update_fields=["state"])
    return framework


@transaction.atomic
def framework_archive(*, framework: Framework) -> Framework:
    """An archived framework is kept for the record and can no longer be chosen for a period."""
    framework = _locked_framework(framework)
    framework.state = FrameworkState.ARCHIVED
    framework.save(update_fields=["state"])
    return framework


@transaction.atomic
def framework_copy(*, framework: Framework) -> Framework:
    """An editable draft copy of a framework and its whole tree, as the next version."""
    latest = Framework.objects.filter(block=framework.block, name=framework.name).order_by("-version").first().version
    copy = Framework.objects.create(
        block=framework.block,
        name=framework.name,
        decision_number=framework.decision_number,
        decision_date=framework.decision_date,
        first_year=framework.first_year,
        last_year=framework.last_year,
        version=latest + 1,
        copied_from=framework,
    )
    originals = list(Criterion.objects.filter(framework=framework).order_by("order", "id"))
    copies = {}
    for original in originals:
        copies[original.code] = Criterion(
            framework=copy,
            code=original.code,
            title=original.title,
            max_points=original.max_points,
            method=original.method,
            rule=original.rule,
            rule_params=original.rule_params,
            allows_na=original.allows_na,
            evidence_required=original.evidence_required,
            appraising_agency_id=original.appraising_agency_id,
            guidance=original.guidance,
            order=original.order,
        )
    Criterion.objects.bulk_create(copies.values())
    for original in originals:
        if original.parent_code:
            copies[original.code].parent = copies[original.parent_code]
    Criterion.objects.bulk_update([c for c in copies.values() if c.parent], ["parent"], batch_size=500)
    return copy


def _leaves_with_agency(framework_id: int) -> list[tuple[int, object, int | None]]:
    """Each leaf with its maximum and its appraising agency: its own, else its nearest ancestor's.

    Survey leaves have none: their points come from the survey import of Home Affairs.
    """
    rows = list(
        Criterion.objects.filter(framework_id=framework_id).values_list(
            "id", "code", "method", "max_points", "appraising_agency_id"
        )
    )
    agency_by_code = {code: agency for _id, code, _method, _max, agency in rows}

    def agency_of(code):
        while code is not None:
            if agency_by_code.get(code):
                return agency_by_code[code]
            code = code.rsplit(".", 1)[0] if "." in code else None
        return None

    return [
        (criterion_id, max_points, None if method == Method.SURVEY else agency_of(code))
        for criterion_id, code, method, max_points, _agency in rows
        if method
    ]


@dataclass(frozen=True)
class OpenResult:
    assessments_created: int
    scores_created: int
    assessments_total: int


def period_check_blocks(period: Period) -> dict[int, int]:
    """The framework id of each participating block, after checking each one is usable for the year."""
    frameworks = {}
    for period_block in period.blocks.select_related("framework", "block", "period"):
        period_block.full_clean()
        frameworks[period_block.block_id] = period_block.framework_id
    if not frameworks:
        raise ValidationError(_("Choose the framework of at least one block before opening the period."))
    return frameworks


@transaction.atomic
def period_open(*, period: Period, units=None) -> OpenResult:
    """Create one assessment per participating unit and one empty score row per leaf (idempotent, set-based).

    ``units`` defaults to the units of the period's blocks that existed at the end of the year; opening
    again later adds the units and rows that are missing and changes nothing else.
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    frameworks = period_check_blocks(period)
    if units is None:
        units = units_taking_part(list(frameworks), period.year)
    else:
        units = Unit.objects.filter(pk__in=[unit.pk for unit in units])
        outside = [unit.name for unit in units if unit.block_id not in frameworks]
        if outside:
            raise ValidationError(
                _("These units are not in a block of the period: %(units)s.") % {"units": ", ".join(sorted(outside))}
            )
    candidates = dict(units.values_list("id", "block_id"))
    present = set(Assessment.objects.filter(period=period, unit_id__in=candidates).values_list("unit_id", flat=True))
    new = [
        Assessment(period=period, unit_id=unit_id, framework_id=frameworks[block_id])
        for unit_id, block_id in candidates.items()
        if unit_id not in present
    ]
    Assessment.objects.bulk_create(new, batch_size=5000)

    leaves: dict[int, list[tuple[int, object, int | None]]] = {}
    for framework_id in set(frameworks.values()):
        leaves[framework_id] = _leaves_with_agency(framework_id)
    # Assessments whose rows are not all there yet (all the new ones; old ones only after an interruption).
    incomplete = (
        Assessment.objects.filter(period=period, unit_id__in=candidates)
        .annotate(rows=Count("scores"))
        .values_list("id", "framework_id", "rows")
    )
    rows_before = Score.objects.filter(assessment__period=period).count()
    batch = []
    for assessment_id, framework_id, rows in incomplete:
        if rows >= len(leaves.get(framework_id, [])):
            continue
        batch.extend(
            Score(assessment_id=assessment_id, criterion_id=leaf, max_points=max_points, agency_id=agency_id)
            for leaf, max_points, agency_id in leaves[framework_id]
        )
        if len(batch) >= SCORE_BATCH:
            Score.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Score.objects.bulk_create(batch, ignore_conflicts=True)
    scores_created = Score.objects.filter(assessment__period=period).count() - rows_before
    if period.opened_at is None:
        period.opened_at = timezone.now()
        period.save(update_fields=["opened_at"])
    return OpenResult(
        assessments_created=len(new),
        scores_created=scores_created,
        assessments_total=Assessment.objects.filter(period=period).count(),
    )
