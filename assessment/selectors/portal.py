"""Reads of the unit's portal: its assessments and their progress, what stops a submission, the fields of an
assessment and the leaves of one field, its library, and everything the detail page shows (``assessment_page``).

Imports Django, the policy, the scoring rules, the models and the other selector modules; never a service."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.selectors import user_access
from assessment import policy, scoring
from assessment.models import Assessment, AssessmentStatus, Criterion, Document, Evidence, Method, Score
from assessment.selectors.guidance import Guidance, criteria_guidance
from assessment.selectors.visibility import assessments_visible_to


def _with_evidence_flag(scores):
    return scores.annotate(has_evidence=Exists(Evidence.objects.filter(score=OuterRef("pk"))))


APPRAISAL = Q(criterion__method=Method.APPRAISAL)
ANSWERED = APPRAISAL & (Q(self_points__isnull=False) | Q(is_na=True))
LACKS_EVIDENCE = APPRAISAL & Q(
    criterion__evidence_required=True, is_na=False, has_evidence=False, no_evidence_reason=""
)


@dataclass(frozen=True)
class Progress:
    """How far a unit is: answered leaves, leaves lacking evidence, and the self-assessed share of its points."""

    total: int
    answered: int
    missing_evidence: int
    self_points: Decimal
    applicable_max: Decimal

    @property
    def percent_answered(self) -> int:
        return round(self.answered * 100 / self.total) if self.total else 0

    @property
    def self_index(self) -> Decimal | None:
        index = scoring.index_percent(self.self_points, self.applicable_max)
        return None if index is None else scoring.shown(index)


def assessments_progress(assessment_ids) -> dict[int, Progress]:
    """Progress of several assessments in one query."""
    rows = (
        _with_evidence_flag(Score.objects.filter(assessment_id__in=list(assessment_ids)))
        .values("assessment_id")
        .annotate(
            total=Count("id", filter=APPRAISAL),
            answered=Count("id", filter=ANSWERED),
            missing_evidence=Count("id", filter=LACKS_EVIDENCE),
            self_points=Sum("self_points", filter=APPRAISAL & Q(is_na=False)),
            applicable_max=Sum("max_points", filter=APPRAISAL & Q(is_na=False)),
        )
    )
    return {
        row["assessment_id"]: Progress(
            total=row["total"],
            answered=row["answered"],
            missing_evidence=row["missing_evidence"],
            self_points=row["self_points"] or Decimal("0.00"),
            applicable_max=row["applicable_max"] or Decimal("0.00"),
        )
        for row in rows
    }


@dataclass(frozen=True)
class MissingItem:
    """Why a leaf stops the submission, with the leaf to link to."""

    score_id: int
    field_code: str
    code: str
    reason: str

    def __str__(self):
        return _("Criterion %(code)s: %(reason)s") % {"code": self.code, "reason": self.reason}


def assessment_missing(assessment) -> list[MissingItem]:
    """What must be done before the head can submit: every appraisal leaf answered, evidence or a reason."""
    rows = (
        _with_evidence_flag(Score.objects.filter(assessment=assessment).filter(APPRAISAL))
        .filter(~Q(ANSWERED) | LACKS_EVIDENCE)
        .select_related("criterion")
        .order_by("criterion__order")
    )
    return [
        _missing_item(
            score.pk, score.criterion.field_code, score.criterion.code, score.self_points is not None or score.is_na
        )
        for score in rows
    ]


def _missing_item(score_id: int, field_code: str, code: str, answered: bool) -> MissingItem:
    """A leaf that stops the submission: unanswered, else answered without the evidence it requires."""
    if not answered:
        reason = _("no self score and not marked “not applicable”.")
    else:
        reason = _("evidence is required: attach a document or write why there is none.")
    return MissingItem(score_id, field_code, code, reason)


def unit_assessments(user) -> QuerySet[Assessment]:
    """The portal's face of ``assessments_visible_to``: those of the user's own unit, newest period first."""
    access = user_access(user)
    if access.unit is None:
        return Assessment.objects.none()
    return assessments_visible_to(user).filter(unit_id=access.unit.pk).order_by("-period__year")


def unit_documents(unit_id: int) -> QuerySet[Document]:
    """The unit's library, to attach a document it already uploaded."""
    return Document.objects.filter(unit_id=unit_id).order_by("-uploaded_at")


@dataclass
class FieldSection:
    code: str
    title: str
    max_points: Decimal | None
    total: int = 0
    answered: int = 0


def assessment_fields(assessment) -> list[FieldSection]:
    """The fields (top level of the tree) with how many of their appraisal leaves are answered: two queries."""
    return assessment_fields_with_points(assessment)[0]


@dataclass(frozen=True)
class AssessmentOverview:
    """What the summary page shows, read together (issue 12): the fields with their answered leaves, each field's
    self points and maximum (as assessment_fields_with_points), the progress (as assessments_progress, None without
    any score row) and what stops the submission (as assessment_missing)."""

    fields: list[FieldSection]
    points: dict[str, tuple[Decimal, Decimal]]
    progress: Progress | None
    missing: list[MissingItem]


def assessment_overview(assessment, tops=None) -> AssessmentOverview:
    """The summary's four reads in two queries: the fields, then every score row once, in tree order. ``tops``: the
    framework's top-level criteria in order when the caller read them (one query less)."""
    if tops is None:
        tops = Criterion.objects.filter(framework_id=assessment.framework_id, parent__isnull=True).order_by("order")
    fields = {criterion.code: FieldSection(criterion.code, criterion.title, criterion.max_points) for criterion in tops}
    rows = (
        _with_evidence_flag(Score.objects.filter(assessment=assessment))
        .order_by("criterion__order")
        .values_list(
            "pk",
            "criterion__code",
            "criterion__field_code",
            "criterion__method",
            "criterion__evidence_required",
            "self_points",
            "max_points",
            "is_na",
            "no_evidence_reason",
            "has_evidence",
        )
    )
    points: dict[str, tuple[Decimal, Decimal]] = {}
    missing: list[MissingItem] = []
    seen = total = answered_count = lacking = 0
    self_sum = maximum_sum = Decimal("0.00")
    for pk, code, field_code, method, evidence_required, self_points, max_points, is_na, reason, has_evidence in rows:
        seen += 1
        if method != Method.APPRAISAL:
            continue
        answered = self_points is not None or is_na
        lacks = evidence_required and not is_na and not has_evidence and reason == ""
        total += 1
        answered_count += answered
        lacking += lacks
        if not is_na:
            self_sum += self_points or 0
            maximum_sum += max_points or 0
            points_so_far, maximum_so_far = points.get(field_code, (Decimal("0.00"), Decimal("0.00")))
            points[field_code] = (points_so_far + (self_points or 0), maximum_so_far + (max_points or 0))
        section = fields.get(field_code)
        if section is not None:
            section.total += 1
            section.answered += answered
        if not answered or lacks:
            missing.append(_missing_item(pk, field_code, code, answered))
    progress = Progress(total, answered_count, lacking, self_sum, maximum_sum) if seen else None
    return AssessmentOverview(list(fields.values()), points, progress, missing)


def assessment_fields_with_points(
    assessment, tops=None
) -> tuple[list[FieldSection], dict[str, tuple[Decimal, Decimal]]]:
    """assessment_fields, and from the same two queries (issue 12: the summary read the scores twice) each field's
    self points and maximum over its applicable appraisal leaves (field code → (points, maximum); a field without
    such a leaf is absent)."""
    overview = assessment_overview(assessment, tops)
    return overview.fields, overview.points


def _in_field(field_code: str) -> Q:
    return Q(code=field_code) | Q(code__startswith=f"{field_code}.")


def field_rows(assessment, field_code: str, criteria=None):
    """The criteria of one field in tree order, each leaf with its score row and evidence: three queries (two when
    the caller read the field's ``criteria``, in order, with their appraising agency)."""
    if criteria is None:
        criteria = list(
            Criterion.objects.filter(framework_id=assessment.framework_id)
            .filter(_in_field(field_code))
            .select_related("appraising_agency")
            .order_by("order")
        )
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment, criterion__in=criteria)
        .select_related("updated_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("document")))
    }
    for criterion in criteria:
        criterion.score = scores.get(criterion.pk)
        if criterion.score is not None:
            criterion.score.criterion = criterion
    return criteria


def field_leaves(assessment, field_code: str) -> list[Criterion]:
    """What saving a field reads (issue 12): its leaves that have a score row, in tree order, each with its score
    (``criterion.score``, ``score.criterion``), without headings or evidence: one query. When the field has no
    score row, its criteria as field_rows reads them (so that an unknown field is still told apart)."""
    scores = list(
        Score.objects.filter(assessment=assessment)
        .filter(Q(criterion__code=field_code) | Q(criterion__code__startswith=f"{field_code}."))
        .select_related("criterion__appraising_agency", "updated_by")
        .order_by("criterion__order")
    )
    if not scores:
        return field_rows(assessment, field_code)
    leaves = []
    for score in scores:
        criterion = score.criterion
        criterion.score = score
        leaves.append(criterion)
    return leaves


# Statuses in which the unit does not see the appraisal yet (its own answers only).
BEFORE_APPRAISAL_SHOWN = (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.UNDER_APPRAISAL)


@dataclass(frozen=True)
class AssessmentPage:
    """What the portal's detail page shows of one field of an assessment, read in one call."""

    fields: list[FieldSection]
    field_code: str | None  # the field asked for, else the first one (None when the tree is empty)
    current: FieldSection | None
    rows: list[Criterion]  # the field's criteria in tree order, leaves with their score and evidence
    round: str | None  # the round the unit may write now (policy.SELF, policy.EXPLANATION) or None
    window: policy.Window
    documents: QuerySet[Document] | list  # the unit's library, to attach from, while a round is open
    show_appraisal: bool
    is_head: bool
    guidance: dict[str, Guidance]  # code → what earlier years say, also on each leaf row as ``earlier``


def _page_criteria(assessment, field_code: str | None) -> tuple[list[Criterion], str | None, list[Criterion] | None]:
    """The framework's fields and, when ``field_code`` is one of them, that field's criteria, in one query (issue
    12): (the fields in order, the field shown, its criteria in order or None when it still has to be read)."""
    wanted = Q(parent__isnull=True)
    if field_code:
        wanted |= _in_field(field_code)
    criteria = list(
        Criterion.objects.filter(framework_id=assessment.framework_id)
        .filter(wanted)
        .select_related("appraising_agency")
        .order_by("order")
    )
    tops = [criterion for criterion in criteria if criterion.parent_id is None]
    if field_code in {top.code for top in tops}:
        prefix = f"{field_code}."
        return tops, field_code, [c for c in criteria if c.code == field_code or c.code.startswith(prefix)]
    return tops, (tops[0].code if tops else None), None


def assessment_page(assessment, *, user, field_code: str | None) -> AssessmentPage:
    """One field of ``assessment`` as ``user`` sees it: the fields, the chosen field's rows, the writing window
    and whether the user heads the unit, with the guidance of earlier years beside each appraisal leaf (eight
    queries, one more for a field not asked by its code; the library is read when the page lists it; two less when
    ``assessment`` was read with_guidance and the unit has no plan item of the year before, issue 12)."""
    tops, field_code, criteria = _page_criteria(assessment, field_code)
    fields = assessment_fields_with_points(assessment, tops)[0]
    round_, window = policy.writable_window(assessment)
    rows = field_rows(assessment, field_code, criteria) if field_code else []
    guidance = criteria_guidance(assessment, [row.code for row in rows if row.method == Method.APPRAISAL])
    for row in rows:
        row.earlier = guidance.get(row.code)
    return AssessmentPage(
        fields=fields,
        field_code=field_code,
        current=next((field for field in fields if field.code == field_code), None),
        rows=rows,
        round=round_,
        window=window,
        documents=unit_documents(assessment.unit_id) if round_ else [],
        show_appraisal=assessment.status not in BEFORE_APPRAISAL_SHOWN,
        is_head=policy.is_head(user, assessment),
        guidance=guidance,
    )
