"""Guidance from earlier years beside each criterion of the self-assessment (issue 16): the appraisers' comments
behind the points units lost on the criterion with the same code in earlier published periods of the block (never
naming a unit), the kinds of evidence attached to the leaves that got full points, and the unit's own improvement
plan item of the year before.

A criterion continues under the same code in the frameworks of the same block, as for the carry-over
(selectors.carry_over). Only published assessments of earlier years are read: never another unit's grades of the
current year, never a period not yet published. At most four queries for a whole field page, however many leaves and
years; two once the block's earlier years are in the cache, none when the page's assessment was read with_guidance and
the unit has no plan item of the year before.

Imports Django and the models; never a service."""

import functools
import hashlib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import pgettext_lazy

from assessment.models import AssessmentStatus, Evidence, Framework, ImprovementItem, Method, Publication, Score
from assessment.selectors.carry_over import year_before
from assessment.sql import counted_filter, final_points_expression

COMMENTS_SHOWN = 3  # the most recent distinct comments shown per criterion; the rest are counted
CACHE_SECONDS = 24 * 3600  # the earlier years of a block, keyed by their newest publication

# The abbreviations of document types in an official number (Decree 30/2020/NĐ-CP, appendix III, and the legal
# documents most often cited), such as 224/KH-UBND: a plan.
DOCUMENT_TYPES = {
    "NQ": pgettext_lazy("document type", "Resolution"),
    "NĐ": pgettext_lazy("document type", "Decree"),
    "TT": pgettext_lazy("document type", "Circular"),
    "QĐ": pgettext_lazy("document type", "Decision"),
    "CT": pgettext_lazy("document type", "Directive"),
    "QC": pgettext_lazy("document type", "Regulation"),
    "QYĐ": pgettext_lazy("document type", "Rules"),
    "TB": pgettext_lazy("document type", "Notice"),
    "HD": pgettext_lazy("document type", "Instructions"),
    "CTR": pgettext_lazy("document type", "Programme"),
    "KH": pgettext_lazy("document type", "Plan"),
    "PA": pgettext_lazy("document type", "Scheme"),
    "ĐA": pgettext_lazy("document type", "Project proposal"),
    "DA": pgettext_lazy("document type", "Project"),
    "BC": pgettext_lazy("document type", "Report"),
    "BB": pgettext_lazy("document type", "Minutes"),
    "TTR": pgettext_lazy("document type", "Submission"),
    "HĐ": pgettext_lazy("document type", "Contract"),
    "CĐ": pgettext_lazy("document type", "Official telegram"),
    "GM": pgettext_lazy("document type", "Invitation"),
}
OTHER_KINDS = {
    "letter": pgettext_lazy("document type", "Official letter"),
    "picture": pgettext_lazy("document type", "Photo or scan without a number"),
    "spreadsheet": pgettext_lazy("document type", "Spreadsheet without a number"),
    "unnumbered": pgettext_lazy("document type", "Document without a number"),
}


@functools.lru_cache(maxsize=4096)
def _type_key(number: str, kind: str) -> str:
    """The key of a document's kind in DOCUMENT_TYPES or OTHER_KINDS (parsed once per number)."""
    number = unicodedata.normalize("NFC", number.strip()).upper()
    if "/" in number:
        for part in number.split("/")[1:]:
            head = part.split("-")[0].strip()
            if head in DOCUMENT_TYPES:
                return head
        return "letter"
    if kind in ("jpg", "png"):
        return "picture"
    if kind in ("xls", "xlsx", "ods"):
        return "spreadsheet"
    return "unnumbered"


def document_type(number: str, kind: str) -> str:
    """The kind of a document as an appraiser reads it: the type in its official number (224/KH-UBND: a plan;
    a number without a type, such as 123/UBND-VP, is an official letter), else what the file is."""
    key = _type_key(number, kind)
    return str(DOCUMENT_TYPES.get(key) or OTHER_KINDS[key])


@dataclass(frozen=True)
class PastComment:
    """One appraisers' comment behind lost points: the latest year it was written and on how many leaves."""

    text: str
    year: int
    times: int


@dataclass(frozen=True)
class EvidenceKind:
    """A kind of document and on how many full-score leaves at least one of that kind was attached."""

    name: str
    leaves: int


@dataclass
class Guidance:
    """What the earlier years say about one criterion (by its code), and the unit's own plan of the year before."""

    code: str
    first_year: int | None = None
    last_year: int | None = None
    graded: int = 0  # leaves graded in earlier published years (the confirmed N/A left out)
    lost: int = 0  # of which lost points
    full: int = 0  # of which got full points (the others)
    comments: list[PastComment] = field(default_factory=list)  # most recent first, at most COMMENTS_SHOWN
    more_comments: int = 0  # distinct comments not shown
    kinds: list[EvidenceKind] = field(default_factory=list)  # most frequent first
    plan_items: list[ImprovementItem] = field(default_factory=list)  # the unit's own, of the year before

    @property
    def shown(self) -> bool:
        """Whether there is anything to say from earlier years (the plan items are shown on their own)."""
        return self.graded > 0


def _comment_expression() -> Case:
    """The comment behind a leaf's final score, as selectors.results.lost_points reads it: the council's reason,
    else round 2's comment (or round 1's when round 2 wrote none), else round 1's."""
    return Case(
        When(council_points__isnull=False, then=F("council_reason")),
        When(Q(reappraised_points__isnull=False) & ~Q(reappraised_comment=""), then=F("reappraised_comment")),
        default=F("appraised_comment"),
        output_field=CharField(),
    )


def _earlier_scores(block, year: int, codes):
    """The graded appraisal leaves with these codes of the earlier published assessments of the block."""
    return (
        Score.objects.filter(
            assessment__status=AssessmentStatus.PUBLISHED,
            assessment__period__year__lt=year,
            assessment__framework__block__in=block,
            criterion__method=Method.APPRAISAL,
            criterion__code__in=codes,
        )
        .filter(counted_filter())
        .annotate(final=final_points_expression())
    )


def _earlier_years(block, year: int, codes) -> dict[str, tuple]:
    """code → (first year, last year, graded, lost, full, comments shown, comments not shown, [(kind's key,
    leaves)]) for the codes the earlier published years graded (two queries)."""
    scores = _earlier_scores(block, year, codes)
    period_year = "assessment__period__year"
    lost = Q(final__lt=F("max_points"))
    counts: dict[str, list] = {}  # code → [first, last, graded, lost, full]
    comments: dict[str, dict[str, list[int]]] = defaultdict(dict)  # code → text → [latest year, times]
    # One row per criterion, whether the leaves lost points and the comment behind it (blank at full points).
    for code, lost_points, text, first, last, times in (
        scores.annotate(
            lost=Case(When(lost, then=Value(True)), default=Value(False), output_field=BooleanField()),
            comment=Case(When(lost, then=_comment_expression()), default=Value(""), output_field=CharField()),
        )
        .values("criterion__code", "lost", "comment")
        .annotate(first=Min(period_year), last=Max(period_year), times=Count("id"))
        .order_by()
        .values_list("criterion__code", "lost", "comment", "first", "last", "times")
    ):
        row = counts.setdefault(code, [first, last, 0, 0, 0])
        row[0], row[1], row[2] = min(row[0], first), max(row[1], last), row[2] + times
        if not lost_points:
            row[4] += times
            continue
        row[3] += times
        text = text.strip()
        if text:
            seen = comments[code].setdefault(text, [last, 0])
            seen[0], seen[1] = max(seen[0], last), seen[1] + times
    kinds: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))  # code → kind's key → leaves
    for code, score_id, number, kind in (
        Evidence.objects.filter(score__in=scores.filter(final__gte=F("max_points")).values("pk"))
        .order_by()
        .values_list("score__criterion__code", "score_id", "document__number", "document__kind")
    ):
        kinds[code][_type_key(number, kind)].add(score_id)
    earlier = {}
    for code, row in counts.items():
        ordered = sorted(comments[code].items(), key=lambda pair: (-pair[1][0], -pair[1][1], pair[0]))
        shown = [PastComment(text, latest, times) for text, (latest, times) in ordered[:COMMENTS_SHOWN]]
        by_kind = [(key, len(leaves)) for key, leaves in kinds[code].items()]
        earlier[code] = (*row, shown, len(ordered) - len(shown), by_kind)
    return earlier


def cache_key(assessment, newest: int, codes: list[str]) -> str:
    """Where the earlier years of the assessment's block are kept for these codes, while ``newest`` is the newest
    publication of those years."""
    digest = hashlib.sha256("|".join(codes).encode()).hexdigest()[:32]
    return f"guidance:{assessment.framework_id}:{assessment.period.year}:{newest}:{digest}"


def _newest_publication(year):
    """The newest publication of the years before ``year`` (a value or an OuterRef): the one with the greatest id."""
    return Publication.objects.filter(period__year__lt=year).order_by("-pk").values_list("pk", flat=True)


def with_guidance(assessments):
    """``assessments`` with what criteria_guidance reads first, in the same statement (issue 12): the newest
    publication of the earlier years, and whether the unit has plan items of the year before in the same block (for
    any criterion: the field's plan items are read only then)."""
    planned = ImprovementItem.objects.filter(
        year_before(OuterRef("unit_id"), OuterRef("period__year"), OuterRef("framework__block_id"), "assessment__")
    )
    return assessments.annotate(
        guidance_newest=Subquery(_newest_publication(OuterRef("period__year"))[:1]), guidance_planned=Exists(planned)
    )


def criteria_guidance(assessment, codes) -> dict[str, Guidance]:
    """For each criterion code of ``assessment`` asked for: what the earlier published years say and the unit's own
    plan items of the year before. ``assessment.period`` is read (loaded once).

    The earlier years are the same for every unit of the block: they are kept in the cache, keyed by the newest
    publication of those years (a new version recomputes them). Queries: the newest publication, then the plan
    items, and, when the cache does not hold them yet, the earlier years (two): two or four in all, whatever the
    number of codes and years. When ``assessment`` was read with_guidance (in the same request; issue 12), the
    newest publication came with it and the plan items are read only if the unit has some: none to three."""
    codes = list(codes)
    guidance = {code: Guidance(code) for code in codes}
    if not codes:
        return guidance
    year = assessment.period.year
    block = Framework.objects.filter(pk=assessment.framework_id).values("block")
    if hasattr(assessment, "guidance_newest"):
        newest, planned = assessment.guidance_newest, assessment.guidance_planned
    else:
        newest, planned = _newest_publication(year).first(), True
    if newest is not None:
        key = cache_key(assessment, newest, codes)
        earlier = cache.get(key)
        if earlier is None:
            earlier = _earlier_years(block, year, codes)
            cache.set(key, earlier, timeout=CACHE_SECONDS)
        for code, (first, last, graded, lost, full, comments, more, by_kind) in earlier.items():
            item = guidance[code]
            item.first_year, item.last_year, item.graded, item.lost, item.full = first, last, graded, lost, full
            item.comments, item.more_comments = comments, more
            named = ((str(DOCUMENT_TYPES.get(kind) or OTHER_KINDS[kind]), leaves) for kind, leaves in by_kind)
            item.kinds = [EvidenceKind(name, leaves) for name, leaves in sorted(named, key=lambda p: (-p[1], p[0]))]
    if not planned:
        return guidance  # no plan item of the year before: nothing to read
    for item in (
        ImprovementItem.objects.filter(
            assessment__unit_id=assessment.unit_id,
            assessment__period__year=year - 1,
            assessment__framework__block__in=block,
            criterion__code__in=codes,
        )
        .select_related("criterion", "evidence", "assessment__period")
        .order_by("criterion__order")
    ):
        guidance[item.criterion.code].plan_items.append(item)
    return guidance
