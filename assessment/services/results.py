"""The period's results: computed set-based from the final scores, then frozen in a publication."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Max, Sum
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_snapshot, audited_save, governance_event_record
from accounts.models import Block, GovernanceAction
from assessment import scoring
from assessment.formatting import compact
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    ChangeReason,
    Criterion,
    Method,
    Period,
    Publication,
    PublishedBlock,
    PublishedBlockField,
    PublishedField,
    PublishedUnit,
    PublishedWeakness,
    Score,
)
from assessment.outbox import BUILD_PUBLICATION_FILES, job_enqueue
from assessment.policy import may_import_survey, may_publish
from assessment.selectors.results import (
    UnitChange,
    UnitPosition,
    published_figures,
    published_positions,
    unit_changes,
)
from assessment.services.publication import snapshot_write
from assessment.services.publication_signing import publication_sign
from assessment.sql import (
    counted_filter,
    lost_points_expression,
    scored_points_expression,
    weakest_position_window,
)
from assessment.workflow import assert_can_transition

WEAKEST = 5
WORK_MEM = "64MB"  # for the publication's one pass over every score row (500,000 at national size)


@dataclass
class UnitRow:
    assessment_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    status: str
    result: scoring.UnitResult
    weakest: list[tuple[str, str, Decimal, Decimal]]
    rank: int | None = None

    @property
    def status_label(self) -> str:
        return AssessmentStatus(self.status).label

    def field_indices(self, codes: list[str]) -> list[Decimal | None]:
        """The unit's index in each of the block's fields, in their order (None where it has none)."""
        indices = {result.code: result.index for result in self.result.fields}
        return [indices.get(code) for code in codes]


@dataclass
class BlockRows:
    block: Block
    fields: list[tuple[str, str]]  # (code, title) of the scored fields, in order
    units: list[UnitRow] = field(default_factory=list)
    _field_averages: dict[str, Decimal | None] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def average(self) -> Decimal | None:
        return scoring.average([row.result.shown_index for row in self.units])

    def field_average(self, code: str) -> Decimal | None:
        return self.field_averages().get(code)

    def field_averages(self) -> dict[str, Decimal | None]:
        """Each field's block average: the mean of the units' shown field indices (None where no unit has one).

        One pass over the units' fields (computed once; call it when the rows are complete)."""
        if self._field_averages is None:
            values: dict[str, list[Decimal]] = defaultdict(list)
            for row in self.units:
                for result in row.result.fields:
                    if result.index is not None:
                        values[result.code].append(scoring.shown(result.index))
            self._field_averages = {code: scoring.average(found) for code, found in values.items()}
        return self._field_averages


def _counted_scores(period: Period):
    """The score rows that count (assessment.sql.counted_filter)."""
    return Score.objects.filter(counted_filter(), assessment__period=period)


def provisional_version(period: Period) -> str:
    """A fingerprint of everything the provisional ranking reads, in three cheap queries: the period's assessments
    (unit, name, block, framework, status), its score rows (how many, the sum of their versions, which every
    write bumps, the last write) and the history of its bonus and penalty entries (every entry, change or removal
    adds a row). Any grade, survey point, entry or state change gives another fingerprint."""
    assessments = list(
        Assessment.objects.filter(period=period)
        .order_by("pk")
        .values_list("id", "unit__code", "unit__name", "unit__block_id", "framework_id", "status")
    )
    scores = Score.objects.filter(assessment__period=period).aggregate(
        rows=Count("id"), versions=Sum("version"), last=Max("updated_at")
    )
    entries = Adjustment.history.filter(assessment__period=period).aggregate(
        rows=Count("history_id"), last=Max("history_id")
    )
    state = repr((assessments, sorted(scores.items()), sorted(entries.items())))
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def provisional_results(period: Period) -> list[BlockRows]:
    """period_results kept in the (shared) cache while nothing it reads changes: the key names the period and the
    fingerprint of its inputs, so a changed grade is never served stale and every node serves the same rows."""
    key = f"provisional-results:{period.pk}:{provisional_version(period)}"
    rows = cache.get(key)
    if rows is None:
        rows = period_results(period)
        cache.set(key, rows, timeout=settings.PROVISIONAL_RESULTS_CACHE_SECONDS)
    return rows


def period_results(period: Period) -> list[BlockRows]:
    """Every participating unit's result, ranked inside its block.

    The database adds up each unit's fields (one row per unit, field and method, not one per leaf) and
    finds each unit's weakest leaves; scoring.unit_result then applies the rules to those sums exactly as to
    single leaves (Decimal addition is exact, so the sums are the same). A handful of queries whatever the size.
    """
    assessments = list(
        Assessment.objects.filter(period=period).values_list(
            "id", "unit_id", "unit__code", "unit__name", "unit__block_id", "framework_id", "status"
        )
    )
    framework_ids = {row[5] for row in assessments}
    field_titles: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for framework_id, code, title in (
        Criterion.objects.filter(framework_id__in=framework_ids, parent__isnull=True)
        .exclude(method__in=[Method.BONUS, Method.PENALTY])
        .order_by("order")
        .values_list("framework_id", "code", "title")
    ):
        field_titles[framework_id].append((code, title))  # fields without scored leaves are dropped below
    leaves: dict[int, list[scoring.LeafScore]] = defaultdict(list)
    sums, weakest = _sums_and_weakest(period)
    for assessment_id, field_code, method, points, maximum in sums:
        # Sums of 2-place values: exact in PostgreSQL; SQLite adds in floating point, so back to the 2 places.
        leaves[assessment_id].append(
            scoring.LeafScore(field_code, method, scoring.quantize_points(maximum), scoring.quantize_points(points))
        )
    for assessment_id, code, method, max_points, points in (
        Adjustment.objects.filter(assessment__period=period)
        .values("assessment_id", "criterion_id")
        .annotate(points=Sum("points"))
        .values_list("assessment_id", "criterion__code", "criterion__method", "criterion__max_points", "points")
    ):
        leaves[assessment_id].append(scoring.LeafScore(code, method, max_points, points))

    blocks = {block.pk: block for block in Block.objects.filter(pk__in={row[4] for row in assessments})}
    by_block: dict[int, BlockRows] = {}
    for assessment_id, unit_id, unit_code, unit_name, block_id, framework_id, status in assessments:
        block_rows = by_block.setdefault(block_id, BlockRows(blocks[block_id], field_titles[framework_id]))
        block_rows.units.append(
            UnitRow(
                assessment_id,
                unit_id,
                unit_code,
                unit_name,
                status,
                scoring.unit_result(leaves[assessment_id]),
                weakest.get(assessment_id, []),
            )
        )
    for block_rows in by_block.values():
        ranks = scoring.competition_ranks([row.result.shown_index for row in block_rows.units])
        for row, rank in zip(block_rows.units, ranks, strict=True):
            row.rank = rank
        block_rows.units.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit_code))
        scored = {result.code for row in block_rows.units for result in row.result.fields}
        block_rows.fields = [(code, title) for code, title in block_rows.fields if code in scored]
    return sorted(by_block.values(), key=lambda rows: (rows.block.order, rows.block.code))


def _sums_and_weakest(period: Period):
    """Each unit's sums by field and method of its counted leaves, and its weakest leaves, in one pass over the
    score rows: ([(assessment, field code, method, points, maximum)], {assessment: [(code, title, max, points)]}).

    The inner query reads each counted leaf once with its scored points, the points it lost and its place among
    its unit's losses (the expressions of assessment.sql); the outer one adds
    up each field by method and gathers, unordered, the (place, criterion) of the group's leaves that lost points
    and are among the unit's WEAKEST. Lost points are never negative (the database holds every score within its
    maximum), so the places of the leaves that lost points are the same as among those leaves alone. Codes and
    titles come from the criteria, not through the sort. The places are taken on the lost points in hundredths,
    an exact integer (lost points have 2 places), so SQLite's floating point cannot reorder ties.
    """
    inner, params = _leaf_rows(period)
    weak = f"leaf.leaf_lost > 0 AND leaf.leaf_position <= {int(WEAKEST)}"
    triple = "leaf.leaf_position, leaf.leaf_criterion, leaf.leaf_cents"
    postgresql = connection.vendor == "postgresql"
    # PostgreSQL gathers them as an array of arrays, SQLite as a JSON text.
    gather = f"array_agg(ARRAY[{triple}])" if postgresql else f"json_group_array(json_array({triple}))"
    triples = f"{gather} FILTER (WHERE {weak})"
    groups = "leaf.leaf_assessment, leaf.leaf_field, leaf.leaf_method"
    # No outside text: the inner query's own SQL, fixed names and a constant.
    sql = f"SELECT {groups}, SUM(leaf.leaf_points), SUM(leaf.leaf_max), {triples} FROM ({inner}) leaf GROUP BY {groups}"  # noqa: S608
    sums, found = [], defaultdict(list)
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")  # the sort of the window stays in memory
        cursor.execute(sql, params)
        for assessment_id, field_code, method, points, maximum, weakest in cursor.fetchall():
            if not postgresql:  # floating-point sums (back to the 2 places later) and JSON
                points, maximum, weakest = Decimal(str(points)), Decimal(str(maximum)), json.loads(weakest)
            sums.append((assessment_id, field_code, method, points, maximum))
            if weakest:
                found[assessment_id].extend(weakest)
    criteria = {
        pk: (code, title, max_points)
        for pk, code, title, max_points in Criterion.objects.filter(
            pk__in={pk for triples in found.values() for _position, pk, _lost in triples}
        ).values_list("pk", "code", "title", "max_points")
    }
    weakest: dict[int, list] = {}
    for assessment_id, triples in found.items():
        weakest[assessment_id] = []
        for _position, pk, hundredths in sorted(triples):
            code, title, max_points = criteria[pk]
            weakest[assessment_id].append((code, title, max_points, max_points - Decimal(hundredths).scaleb(-2)))
    return sums, weakest


def _leaf_rows(period: Period) -> tuple[str, tuple]:
    """The SQL of the counted leaves, each once: its assessment, field code, method, criterion, max, scored points
    and lost points (the expressions of assessment.sql), the lost points in hundredths and its place among its
    unit's losses (assessment.sql.weakest_position_window)."""
    leaves = _leaf_values(period)
    leaves = leaves.annotate(leaf_position=weakest_position_window("leaf_cents")).values_list(
        "leaf_assessment",
        "leaf_field",
        "leaf_method",
        "leaf_criterion",
        "leaf_max",
        "leaf_points",
        "leaf_lost",
        "leaf_cents",
        "leaf_position",
    )
    return leaves.query.sql_with_params()


def _leaf_scan_rows(period: Period) -> tuple[str, tuple]:
    """The SQL of the counted leaves with their assessment, field code, method, criterion, framework order, max and
    scored points (no places: the publication reads them once, then adds them up and places the losses)."""
    leaves = _leaf_values(period).values_list(
        "leaf_assessment", "leaf_field", "leaf_method", "leaf_criterion", "leaf_order", "leaf_max", "leaf_points"
    )
    return leaves.query.sql_with_params()


def _leaf_values(period: Period):
    return (
        _counted_scores(period)
        .annotate(
            leaf_assessment=F("assessment_id"),
            leaf_field=F("criterion__field_code"),
            leaf_method=F("criterion__method"),
            leaf_criterion=F("criterion_id"),
            leaf_order=F("criterion__order"),
            leaf_max=F("criterion__max_points"),
            leaf_points=scored_points_expression(),
            leaf_lost=lost_points_expression(),
        )
        # The same order on the lost points in hundredths (exact: they have 2 places), an integer sort.
        .annotate(leaf_cents=Cast(Round(F("leaf_lost") * 100), BigIntegerField()))
    )


PUBLISHABLE = (AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED)


@transaction.atomic
def period_publish(
    *, period: Period, actor, decision_number: str, decision_date: date, reason: str = ""
) -> Publication:
    """Freeze the period's results in one transaction; a later call is a correction (a new version, with a reason)."""
    if not may_publish(actor, period):
        raise PermissionDenied(_("Only Home Affairs publishes the results."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    waiting = list(
        Assessment.objects.filter(period=period)
        .exclude(status__in=PUBLISHABLE)
        .order_by("unit__name")
        .values_list("unit__name", flat=True)
    )
    if waiting:
        raise ValidationError(_waiting_message(waiting))
    if not decision_number.strip() or decision_date is None:
        raise ValidationError(_("Give the number and the date of the decision that publishes the results."))
    version = (period.publications.aggregate(last=Max("version"))["last"] or 0) + 1
    if version > 1 and not reason.strip():
        raise ValidationError(_("Give the reason for this corrected version."))
    in_sql = connection.vendor == "postgresql"  # the snapshot computed and written by the database (issue 12)
    if in_sql:
        if not Assessment.objects.filter(period=period).exists():
            raise ValidationError(_("The period has no assessment to publish."))
    else:
        results = period_results(period)
        if not results:
            raise ValidationError(_("The period has no assessment to publish."))
        publication_new_check(period=period, results=results)
    now = timezone.now()
    publication = Publication.objects.create(
        period=period,
        version=version,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        reason=reason.strip(),
        published_at=now,
        published_by=actor,
    )
    if in_sql:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")  # the sort of the window stays in memory
        snapshot_write(publication, _leaf_scan_rows(period), WEAKEST)
        # The same refusal as publication_new_check, on what was just written (the transaction is undone).
        last = period.publications.exclude(pk=publication.pk).order_by("-version").first()
        if last is not None and published_figures(last) == published_figures(publication):
            raise ValidationError(_unchanged_message(last))
    else:
        _freeze(publication, results)
    publication_sign(publication=publication)  # issue 15: signed once here when the city's key is configured
    _mark_published(period, actor, now, publication)
    job_enqueue(BUILD_PUBLICATION_FILES, publication.pk)  # issue 14: files built after the commit, not on first read
    return publication


def _results_figures(results: list[BlockRows]) -> dict[int, tuple]:
    """Each unit's figures as a publication freezes them: its block, name, totals, index, rank and fields."""
    return {
        row.unit_id: (
            rows.block.pk,
            row.unit_name,
            *_figures(row),
            tuple(
                (item.code, dict(rows.fields).get(item.code, ""), item.achieved, item.maximum, item.index)
                for item in row.result.fields
            ),
        )
        for rows in results
        for row in rows.units
    }


def publication_new_check(*, period: Period, results: list[BlockRows]) -> None:
    """A new version must differ from the last one: the same index, rank and field scores for every unit (and the
    same names) is refused; Decimal comparison, so 22 and 22.00 are the same figure."""
    last = period.publications.order_by("-version").first()
    if last is None:
        return
    if published_figures(last) == _results_figures(results):
        raise ValidationError(_unchanged_message(last))


def _waiting_message(names: list[str]) -> str:
    return _("These units are not approved yet: %(units)s.") % {"units": ", ".join(names[:20])} + (
        " …" if len(names) > 20 else ""
    )


def _unchanged_message(last: Publication) -> str:
    return _(
        "Nothing has changed since version %(version)s (decision %(number)s): every unit has the same index, "
        "rank and field scores. A new version is published only to correct the results."
    ) % {"version": last.version, "number": last.decision_number}


def publish_blockers(preview: "PublishPreview") -> list[str]:
    """Why publishing now would be refused, in the service's own words (empty: it may go ahead)."""
    blockers = []
    if preview.waiting:
        blockers.append(_waiting_message(preview.waiting))
    if not preview.blocks:
        blockers.append(_("The period has no assessment to publish."))
    if preview.unchanged:
        blockers.append(_unchanged_message(preview.last))
    return blockers


@dataclass
class PublishPreview:
    """What publishing now would freeze: each block with its units and average, and against the last version
    the units whose index or rank changes."""

    blocks: list[BlockRows]
    last: Publication | None
    changes: list[UnitChange]
    waiting: list[str]
    unchanged: bool

    @property
    def units(self) -> int:
        return sum(len(rows.units) for rows in self.blocks)


def publish_preview(*, period: Period) -> PublishPreview:
    """The confirmation page's summary (reads only)."""
    results = period_results(period)
    waiting = sorted(
        (row.unit_name for rows in results for row in rows.units if row.status not in PUBLISHABLE), key=str.lower
    )
    last = period.publications.order_by("-version").first()
    changes, unchanged = [], False
    if last is not None:
        after = {
            row.unit_id: UnitPosition(row.unit_code, row.unit_name, rows.block.name, row.result.shown_index, row.rank)
            for rows in results
            for row in rows.units
        }
        changes = unit_changes(published_positions(last), after)
        unchanged = published_figures(last) == _results_figures(results)
    return PublishPreview(results, last, changes, waiting, unchanged)


PUBLISHED_UNIT_COLUMNS = ["publication_id", "block_id", "unit_id", "unit_code", "unit_name", *PublishedUnit.FIGURES]


def _figures(row) -> tuple:
    """A unit row's frozen figures, in the order of ``PublishedUnit.FIGURES``."""
    result = row.result
    return (
        result.appraised,
        result.survey,
        result.bonus,
        result.penalty,
        result.total,
        result.maximum,
        result.index,
        result.shown_index,
        row.rank,
    )


def _freeze(publication: Publication, results: list[BlockRows]) -> None:
    blocks = PublishedBlock.objects.bulk_create(
        PublishedBlock(
            publication=publication,
            block=rows.block,
            name=rows.block.name,
            order=rows.block.order,
            average=rows.average,
            units=len(rows.units),
        )
        for rows in results
    )
    PublishedBlockField.objects.bulk_create(
        PublishedBlockField(block=block, code=code, title=title, average=rows.field_average(code), order=order)
        for block, rows in zip(blocks, results, strict=True)
        for order, (code, title) in enumerate(rows.fields)
    )
    _insert(
        PublishedUnit,
        PUBLISHED_UNIT_COLUMNS,
        [
            (
                publication.pk,
                block.pk,
                row.unit_id,
                row.unit_code,
                row.unit_name,
                *_figures(row),
            )
            for block, rows in zip(blocks, results, strict=True)
            for row in rows.units
        ],
    )
    ids = dict(PublishedUnit.objects.filter(publication=publication).values_list("unit_id", "pk"))
    fields, weaknesses = [], []
    for rows in results:
        titles = dict(rows.fields)  # each unit's fields titled by its own block's framework
        _freeze_rows(rows.units, ids, titles, fields, weaknesses)
    _insert(PublishedField, ["result_id", "code", "title", "achieved", "maximum", "index", "order"], fields)
    _insert(PublishedWeakness, ["result_id", "code", "title", "max_points", "points", "order"], weaknesses)


def _freeze_rows(units: list[UnitRow], ids: dict[int, int], titles: dict[str, str], fields, weaknesses) -> None:
    for row in units:
        result_id = ids[row.unit_id]
        for order, field_result in enumerate(row.result.fields):
            fields.append(
                (
                    result_id,
                    field_result.code,
                    titles.get(field_result.code, ""),
                    field_result.achieved,
                    field_result.maximum,
                    field_result.index,
                    order,
                )
            )
        for order, (code, title, max_points, got) in enumerate(row.weakest):
            weaknesses.append((result_id, code, title, max_points, got, order))


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain inserts for the snapshot's many small rows on the embedded database (PostgreSQL writes its snapshot
    in SQL: snapshot_write). The values are already exact (Decimal with their places, short texts): building a
    model instance per row and preparing each field again would take most of the publication's time.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(column).column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def _mark_published(period: Period, actor, now, publication: Publication) -> None:
    """Approved assessments become published, each with its recorded transition (set-based)."""
    approved = Assessment.objects.filter(period=period, status=AssessmentStatus.APPROVED)
    if not approved.exists():
        return
    # Every row makes the same move (approved → published), so the transition table is asked once for all.
    assert_can_transition(Assessment(status=AssessmentStatus.APPROVED), AssessmentStatus.PUBLISHED, actor)
    reason = _("Published with decision %(number)s (version %(version)s)") % {
        "number": publication.decision_number,
        "version": publication.version,
    }
    quote = connection.ops.quote_name
    event = AssessmentEvent._meta
    columns = ", ".join(
        quote(event.get_field(name).column)
        for name in ("assessment", "from_status", "to_status", "actor", "at", "reason")
    )
    assessment = Assessment._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(event.db_table)} ({columns}) "  # noqa: S608 (names from the models)
            f"SELECT a.{quote(assessment.pk.column)}, %s, %s, %s, %s, %s FROM {quote(assessment.db_table)} a "
            f"WHERE a.{quote(assessment.get_field('period').column)} = %s "
            f"AND a.{quote(assessment.get_field('status').column)} = %s ORDER BY a.{quote(assessment.pk.column)}",
            [
                AssessmentStatus.APPROVED.value,
                AssessmentStatus.PUBLISHED.value,
                actor.pk,
                event.get_field("at").get_db_prep_value(now, connection),  # as the ORM would store it
                reason,
                period.pk,
                AssessmentStatus.APPROVED.value,
            ],
        )
    approved.update(status=AssessmentStatus.PUBLISHED)


SURVEY_UPDATE_BATCH = 500  # ids in one UPDATE … WHERE id IN (…), well below SQLite's limit of parameters


@transaction.atomic
def survey_points_set(*, actor, rows: list[tuple[int, Decimal | None]]) -> int:
    """Home Affairs' survey results (score id, points): survey leaves only, 0..max, audited."""
    if not may_import_survey(actor):
        raise PermissionDenied(_("Only Home Affairs imports the survey results."))
    wanted = [pk for pk, _ in rows]
    scores = {
        score.pk: score
        for start in range(0, len(wanted), SURVEY_UPDATE_BATCH)
        for score in Score.objects.select_for_update()
        .filter(pk__in=wanted[start : start + SURVEY_UPDATE_BATCH])
        .select_related("criterion")
    }
    if len(scores) != len({pk for pk, _points in rows}):
        raise ValidationError(_("These criteria do not exist."))
    changed, now = [], timezone.now()
    for score_id, points in rows:
        score = scores[score_id]
        if score.criterion.method != Method.SURVEY:
            raise ValidationError(_("Criterion %(code)s is not a survey criterion.") % {"code": score.criterion.code})
        if points is not None and not (0 <= points <= score.max_points):
            raise ValidationError(
                _("The survey points of %(code)s must be between 0 and %(max)s.")
                % {"code": score.criterion.code, "max": compact(score.max_points)}
            )
        score.survey_points = points
        score.version += 1
        score.updated_at, score.updated_by = now, actor
        changed.append(score)
    # One UPDATE per distinct value (a few hundred rows each) rather than Django's bulk_update, whose CASE per row
    # costs seconds for a city's survey file (issue 14); the rows are locked above, so version + 1 is theirs.
    by_points = defaultdict(list)
    for score in changed:
        by_points[score.survey_points].append(score.pk)
    for points, ids in by_points.items():
        for start in range(0, len(ids), SURVEY_UPDATE_BATCH):
            Score.objects.filter(pk__in=ids[start : start + SURVEY_UPDATE_BATCH]).update(
                survey_points=points, version=F("version") + 1, updated_at=now, updated_by=actor
            )
    Score.history.bulk_history_create(
        changed, update=True, default_user=actor, default_change_reason=ChangeReason.SURVEY
    )
    return len(changed)


def adjustment_check(adjustment: Adjustment) -> None:
    """A bonus or penalty entry belongs to a bonus or penalty criterion of the unit's framework."""
    criterion, assessment = adjustment.criterion, adjustment.assessment
    if criterion.method not in (Method.BONUS, Method.PENALTY) or criterion.framework_id != assessment.framework_id:
        raise ValidationError({"criterion": _("Choose a bonus or penalty criterion of the unit's framework.")})
    if adjustment.points is not None and adjustment.points > criterion.max_points:
        raise ValidationError(
            {"points": _("At most %(max)s points for this criterion.") % {"max": compact(criterion.max_points)}}
        )


ADJUSTMENT_FIELDS = ("assessment", "criterion", "points", "reason", "decision_reference")


@transaction.atomic
def adjustment_save(*, adjustment: Adjustment, actor) -> Adjustment:
    """Enter or correct a bonus or penalty entry (checked against its criterion); logged with old → new."""
    before = {}
    if adjustment.pk is not None:
        before = audit_snapshot(Adjustment.objects.select_for_update().get(pk=adjustment.pk), ADJUSTMENT_FIELDS)
    adjustment.created_by_id = adjustment.created_by_id or actor.pk
    adjustment_check(adjustment)
    adjustment.full_clean()
    adjustment.points = adjustment.points.quantize(Decimal("0.01"))  # as stored, so the log's label reads the same
    adjustment._history_user = actor
    audited_save(
        adjustment,
        actor=actor,
        before=before,
        fields=ADJUSTMENT_FIELDS,
        update_fields=ADJUSTMENT_FIELDS,
        add=GovernanceAction.ADJUSTMENT_ADD,
        change=GovernanceAction.ADJUSTMENT_CHANGE,
    )
    return adjustment


@transaction.atomic
def adjustment_delete(*, adjustment: Adjustment, actor) -> None:
    """Remove a bonus or penalty entry; the log keeps what it was."""
    adjustment = (
        Adjustment.objects.select_for_update().select_related("assessment__unit", "criterion").get(pk=adjustment.pk)
    )
    snapshot = audit_snapshot(adjustment, ADJUSTMENT_FIELDS)
    governance_event_record(
        actor=actor,
        action=GovernanceAction.ADJUSTMENT_DELETE,
        obj=adjustment,
        changes={name: [value, None] for name, value in snapshot.items()},
    )
    adjustment._history_user = actor
    adjustment.delete()
