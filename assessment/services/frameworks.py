"""Frameworks (draft, active, archived, versions) and opening periods."""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_changes, audit_snapshot, audited_save, governance_event_record
from accounts.models import Block, GovernanceAction, Unit
from assessment.models import (
    CRITERION_FIELDS,
    Assessment,
    Criterion,
    Framework,
    FrameworkState,
    Period,
    PeriodBlock,
    Score,
)
from assessment.selectors.frameworks import (
    framework_is_in_use,
    framework_leaves_with_agency,
    framework_nodes,
    units_taking_part,
)
from assessment.tree import Node, group_maxima, tree_problems

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


FRAMEWORK_FIELDS = ("block", "name", "decision_number", "decision_date", "first_year", "last_year")


@transaction.atomic
def framework_save(*, framework: Framework, actor) -> Framework:
    """Create a framework or change the name, decision and years of a draft; logged with old → new."""
    before = {}
    if framework.pk is not None:
        old = _locked_framework(framework)
        if old.state != FrameworkState.DRAFT:
            raise ValidationError(_("Only a draft framework can be changed; copy it as a new version to change it."))
        before = audit_snapshot(old, FRAMEWORK_FIELDS)
    framework.full_clean()
    audited_save(
        framework,
        actor=actor,
        before=before,
        fields=FRAMEWORK_FIELDS,
        update_fields=FRAMEWORK_FIELDS,
        add=GovernanceAction.FRAMEWORK_ADD,
        change=GovernanceAction.FRAMEWORK_CHANGE,
    )
    return framework


@transaction.atomic
def framework_delete(*, framework: Framework, actor) -> None:
    """Delete a draft no period uses, with its criteria; the log keeps its name and how many criteria it had."""
    framework = _locked_framework(framework)
    if framework.state != FrameworkState.DRAFT or framework_is_in_use(framework):
        raise ValidationError(_("Only a draft framework can be changed; copy it as a new version to change it."))
    changes = {name: [value, None] for name, value in audit_snapshot(framework, FRAMEWORK_FIELDS).items()}
    changes["criteria"] = Criterion.objects.filter(framework=framework).count()
    governance_event_record(actor=actor, action=GovernanceAction.FRAMEWORK_DELETE, obj=framework, changes=changes)
    framework.delete()


def _framework_state_set(framework: Framework, state: str, actor, action: GovernanceAction) -> Framework:
    old = framework.state
    framework.state = state
    framework.full_clean()
    framework.save(update_fields=["state"])
    governance_event_record(actor=actor, action=action, obj=framework, changes={"state": [old, state]})
    return framework


@transaction.atomic
def framework_activate(*, framework: Framework, actor) -> Framework:
    """A draft becomes usable by periods once its whole tree is valid (logged; ``actor`` None is a command)."""
    framework = _locked_framework(framework)
    if framework.state == FrameworkState.ACTIVE:
        return framework
    framework_check(framework)
    return _framework_state_set(framework, FrameworkState.ACTIVE, actor, GovernanceAction.FRAMEWORK_ACTIVATE)


@transaction.atomic
def framework_back_to_draft(*, framework: Framework, actor) -> Framework:
    """An active framework that no period uses may be edited again."""
    framework = _locked_framework(framework)
    if framework_is_in_use(framework):
        raise ValidationError(
            _("“%(framework)s” is used by a period and cannot be changed; copy it as a new version instead.")
            % {"framework": framework}
        )
    if framework.state == FrameworkState.DRAFT:
        return framework
    return _framework_state_set(framework, FrameworkState.DRAFT, actor, GovernanceAction.FRAMEWORK_BACK_TO_DRAFT)


@transaction.atomic
def framework_archive(*, framework: Framework, actor) -> Framework:
    """An archived framework is kept for the record and can no longer be chosen for a period."""
    framework = _locked_framework(framework)
    if framework.state == FrameworkState.ARCHIVED:
        return framework
    return _framework_state_set(framework, FrameworkState.ARCHIVED, actor, GovernanceAction.FRAMEWORK_ARCHIVE)


@transaction.atomic
def framework_copy(*, framework: Framework, actor) -> Framework:
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
    governance_event_record(
        actor=actor,
        action=GovernanceAction.FRAMEWORK_COPY,
        obj=copy,
        changes={"copied_from": [framework.pk, str(framework)], "version": copy.version, "criteria": len(copies)},
    )
    return copy


# -- criteria ------------------------------------------------------------------------------------------


def _draft_framework(framework_id: int) -> Framework:
    framework = Framework.objects.select_for_update().get(pk=framework_id)
    if framework.state != FrameworkState.DRAFT:
        raise ValidationError(_("Only a draft framework can be changed; copy it as a new version to change it."))
    return framework


@transaction.atomic
def criterion_save(*, criterion: Criterion, actor) -> Criterion:
    """Add or edit one criterion of a draft framework (parent found from its code; a new one goes last); logged."""
    framework = _draft_framework(criterion.framework_id)
    before = {}
    if criterion.pk is not None:
        old = Criterion.objects.select_for_update().get(pk=criterion.pk)
        if old.framework_id != framework.pk:
            _draft_framework(old.framework_id)
        before = audit_snapshot(old, CRITERION_FIELDS)
    criterion.parent = Criterion.objects.filter(framework=framework, code=criterion.parent_code).first()
    if criterion.pk is None:
        last = Criterion.objects.filter(framework=framework).order_by("-order").first()
        criterion.order = (last.order + 1) if last else 1
    criterion.full_clean()
    audited_save(
        criterion,
        actor=actor,
        before=before,
        fields=CRITERION_FIELDS,
        update_fields=["framework", "parent", *CRITERION_FIELDS],
        add=GovernanceAction.CRITERION_ADD,
        change=GovernanceAction.CRITERION_CHANGE,
    )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, actor) -> None:
    """Remove one criterion of a draft framework (and the criteria under it); logged with what it was."""
    _draft_framework(criterion.framework_id)
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    removed = sorted(
        Criterion.objects.filter(
            framework_id=criterion.framework_id, code__startswith=f"{criterion.code}."
        ).values_list("code", flat=True)
    )
    snapshot = audit_snapshot(criterion, CRITERION_FIELDS)
    governance_event_record(
        actor=actor,
        action=GovernanceAction.CRITERION_DELETE,
        obj=criterion,
        changes={name: [value, None] for name, value in snapshot.items()}
        | ({"removed_below": removed} if removed else {}),
    )
    criterion.delete()


@transaction.atomic
def criteria_tree_replace(
    *, framework: Framework, nodes: list[Node], added: list[str], changed: list[str], actor
) -> dict:
    """Finish an import that replaced the tree: drop criteria not in the file, link parents, keep the file's
    order, store group maxima, mark the appraising agencies; one log row counting added, removed, changed."""
    framework = _draft_framework(framework.pk)
    lines = {node.code: node.line for node in nodes}
    gone = Criterion.objects.filter(framework=framework).exclude(code__in=lines)
    removed = sorted(gone.values_list("code", flat=True))
    gone.delete()
    criteria = {criterion.code: criterion for criterion in Criterion.objects.filter(framework=framework)}
    maxima = group_maxima(nodes)
    regrouped = []
    for code, criterion in criteria.items():
        parent = code.rsplit(".", 1)[0] if "." in code else None
        criterion.parent = criteria.get(parent)
        criterion.order = lines[code]
        if code in maxima:
            if criterion.max_points != maxima[code] and code not in added:
                regrouped.append(code)
            criterion.max_points = maxima[code]
    Criterion.objects.bulk_update(criteria.values(), ["parent", "order", "max_points"], batch_size=500)
    agencies = {c.appraising_agency_id for c in criteria.values() if c.appraising_agency_id}
    # The framework decides who appraises: those units become appraising agencies.
    Unit.objects.filter(pk__in=agencies, is_appraising_agency=False).update(is_appraising_agency=True)
    changed = sorted(set(changed) | set(regrouped))
    summary = {
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "added_codes": sorted(added),
        "removed_codes": removed,
        "changed_codes": changed,
    }
    governance_event_record(actor=actor, action=GovernanceAction.CRITERIA_REPLACE, obj=framework, changes=summary)
    return summary


def _scores_insert_select(
    assessment_ids: list[int], leaves: dict[int, list[tuple[int, object, int | None]]], *, new: bool = False
) -> int:
    """PostgreSQL: one empty score row per leaf of each given assessment, in one ``INSERT … SELECT`` (the leaves
    travel as arrays); rows already there are left alone (``ON CONFLICT DO NOTHING``). Returns the rows inserted.

    ``new``: assessments created by this transaction (the period's row is locked), which can have no row yet: a
    plain insert, without the unique index's check before each row that ``ON CONFLICT`` costs (a quarter more at
    national size).

    Every column without a NULL default gets the model's default, as bulk_create would have written it.
    """
    if not assessment_ids:
        return 0
    framework_ids, criterion_ids, maxima, agencies = [], [], [], []
    for framework_id, rows in leaves.items():
        for criterion_id, max_points, agency_id in rows:
            framework_ids.append(framework_id)
            criterion_ids.append(criterion_id)
            maxima.append(max_points)
            agencies.append(agency_id)
    given = {"assessment", "criterion", "max_points", "agency"}
    defaults = [
        model_field
        for model_field in Score._meta.concrete_fields
        if not model_field.primary_key and model_field.name not in given and not model_field.null
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(Score._meta.get_field(name).column) for name in ("assessment", "criterion", "max_points", "agency")
    )
    columns += "".join(f", {quote(model_field.column)}" for model_field in defaults)
    constants = "".join(", %s" for _model_field in defaults)
    sql = (
        f"INSERT INTO {quote(Score._meta.db_table)} ({columns}) "  # noqa: S608 (names from the models)
        f"SELECT a.id, leaf.criterion_id, leaf.max_points, leaf.agency_id{constants} "
        f"FROM {quote(Assessment._meta.db_table)} a "
        "JOIN unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::bigint[]) "
        "AS leaf(framework_id, criterion_id, max_points, agency_id) ON leaf.framework_id = a.framework_id "
        "WHERE a.id = ANY(%s::bigint[])"
    )
    if not new:
        sql += (
            f" ON CONFLICT ({quote(Score._meta.get_field('assessment').column)}, "
            f"{quote(Score._meta.get_field('criterion').column)}) DO NOTHING"
        )
    params = [model_field.get_db_prep_save(model_field.get_default(), connection) for model_field in defaults]
    params += [framework_ids, criterion_ids, maxima, agencies, list(assessment_ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _assessments_insert_select(period: Period, units, frameworks: dict[int, int]) -> list[int]:
    """PostgreSQL: one assessment per unit of ``units`` (a queryset) in the framework of its block, in one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (a unit that has one already keeps it). Returns the ids inserted.

    Every other column gets the model's default, as bulk_create would have written it (``created_at``: now).
    """
    blocks, framework_ids = list(frameworks), [frameworks[block] for block in frameworks]
    given = {"period", "unit", "framework", "created_at"}
    defaults = [
        model_field
        for model_field in Assessment._meta.concrete_fields
        if not model_field.primary_key and model_field.name not in given and not model_field.null
    ]
    quote = connection.ops.quote_name
    meta = Assessment._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("period", "unit", "framework", "created_at"))
    columns += "".join(f", {quote(model_field.column)}" for model_field in defaults)
    constants = "".join(", %s" for _model_field in defaults)
    try:
        units_sql, units_params = units.values("id", "block_id").query.sql_with_params()
    except EmptyResultSet:  # an empty list of units (``period_open(units=[])``): nothing to insert
        return []
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (names from the models, the ORM's own SQL)
        f"SELECT %s, u.id, chosen.framework_id, %s{constants} FROM ({units_sql}) u "
        "JOIN unnest(%s::bigint[], %s::bigint[]) AS chosen(block_id, framework_id) ON chosen.block_id = u.block_id "
        f"ORDER BY u.id ON CONFLICT ({quote(meta.get_field('period').column)}, "
        f"{quote(meta.get_field('unit').column)}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    params = [period.pk, meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)]
    params += [model_field.get_db_prep_save(model_field.get_default(), connection) for model_field in defaults]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *units_params, blocks, framework_ids])
        return [row[0] for row in cursor.fetchall()]


def _open_portable(period: Period, units, frameworks: dict[int, int], leaves) -> tuple[int, int]:
    """SQLite (the demo): the same rows through bulk_create, in batches; returns (assessments, score rows) created."""
    candidates = dict(units.values_list("id", "block_id"))
    present = set(Assessment.objects.filter(period=period, unit_id__in=candidates).values_list("unit_id", flat=True))
    new = [
        Assessment(period=period, unit_id=unit_id, framework_id=frameworks[block_id])
        for unit_id, block_id in candidates.items()
        if unit_id not in present
    ]
    Assessment.objects.bulk_create(new, batch_size=5000)
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
    return len(new), Score.objects.filter(assessment__period=period).count() - rows_before


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


PERIOD_FIELDS = (
    "year",
    "name",
    "self_assessment_opens",
    "self_assessment_closes",
    "appraisal_closes",
    "explanation_opens",
    "explanation_closes",
    "council_date",
    "publication_date",
)


def _period_blocks_set(period: Period, blocks: list[tuple[int, int]]) -> dict:
    """Make the period's blocks and frameworks exactly ``blocks`` (block id, framework id); old → new by block."""
    existing = {row.block_id: row for row in PeriodBlock.objects.filter(period=period).select_related("framework")}
    wanted = dict(blocks)
    names = dict(Block.objects.filter(pk__in=set(existing) | set(wanted)).values_list("pk", "name"))
    frameworks = {f.pk: f for f in Framework.objects.filter(pk__in=set(wanted.values()))}
    changes = {}
    for block_id, row in existing.items():
        if block_id not in wanted:
            changes[names[block_id]] = [str(row.framework), None]
            row.delete()
    for block_id, framework_id in wanted.items():
        row = existing.get(block_id)
        if row is not None and row.framework_id == framework_id:
            continue
        old = str(row.framework) if row is not None else None
        row = row or PeriodBlock(period=period, block_id=block_id)
        row.framework = frameworks[framework_id]
        row.full_clean()
        row.save()
        changes[names[block_id]] = [old, str(row.framework)]
    if changes and period.opened_at:
        # Once open, the assessments keep the framework they were opened with.
        raise ValidationError(_("The period is open: its blocks and frameworks can no longer change."))
    return changes


@transaction.atomic
def period_save(*, period: Period, actor, blocks: list[tuple[int, int]] | None = None) -> Period:
    """Create a period or change its name, calendar and (before opening) the framework of each block; logged
    with old → new of each date and each block's framework."""
    before = {}
    if period.pk is not None:
        before = audit_snapshot(Period.objects.select_for_update().get(pk=period.pk), PERIOD_FIELDS)
    period.full_clean()
    changes = audit_changes(before, audit_snapshot(period, PERIOD_FIELDS))
    adding = period.pk is None
    if adding:
        period.save()
    else:
        period.save(update_fields=list(PERIOD_FIELDS))
    if blocks is not None:
        block_changes = _period_blocks_set(period, blocks)
        if block_changes:
            changes["blocks"] = block_changes
    if changes or adding:
        action = GovernanceAction.PERIOD_ADD if adding else GovernanceAction.PERIOD_CHANGE
        governance_event_record(actor=actor, action=action, obj=period, changes=changes)
    return period


@transaction.atomic
def period_open(*, period: Period, actor, units=None) -> OpenResult:
    """Create one assessment per participating unit and one empty score row per leaf (idempotent, set-based).

    ``units`` defaults to the units of the period's blocks that existed at the end of the year; opening
    again later adds the units and rows that are missing and changes nothing else.
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    frameworks = period_check_blocks(period)
    chosen = units is not None
    if units is None:
        units = units_taking_part(list(frameworks), period.year)
    else:
        units = Unit.objects.filter(pk__in=[unit.pk for unit in units])
        outside = [unit.name for unit in units if unit.block_id not in frameworks]
        if outside:
            raise ValidationError(
                _("These units are not in a block of the period: %(units)s.") % {"units": ", ".join(sorted(outside))}
            )
    leaves: dict[int, list[tuple[int, object, int | None]]] = {}
    for framework_id in set(frameworks.values()):
        leaves[framework_id] = framework_leaves_with_agency(framework_id)
    if connection.vendor == "postgresql":
        # Set-based: the missing rows of the assessments already there (after an interruption or a deleted row),
        # then the new assessments and their rows, each in one INSERT … SELECT; counts from the inserts.
        incomplete = (
            Assessment.objects.filter(period=period, unit__in=units)
            .annotate(rows=Count("scores"))
            .values_list("id", "framework_id", "rows")
        )
        todo = [
            assessment_id
            for assessment_id, framework_id, rows in incomplete
            if rows < len(leaves.get(framework_id, []))
        ]
        scores_created = _scores_insert_select(todo, leaves)
        created = _assessments_insert_select(period, units, frameworks)
        assessments_created = len(created)
        scores_created += _scores_insert_select(created, leaves, new=True)
    else:
        assessments_created, scores_created = _open_portable(period, units, frameworks, leaves)
    if period.opened_at is None:
        period.opened_at = timezone.now()
        period.save(update_fields=["opened_at"])
    result = OpenResult(
        assessments_created=assessments_created,
        scores_created=scores_created,
        assessments_total=Assessment.objects.filter(period=period).count(),
    )
    governance_event_record(
        actor=actor,
        action=GovernanceAction.PERIOD_OPEN,
        obj=period,
        changes={
            "assessments_created": result.assessments_created,
            "scores_created": result.scores_created,
            "assessments_total": result.assessments_total,
            **({"units": sorted(unit.name for unit in units)} if chosen else {}),
        },
    )
    return result
