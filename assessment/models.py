from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Block, Unit
from assessment.rules import RuleError, describe_rule, parse_rule


class FrameworkState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class Framework(models.Model):
    """A block's criteria set (bộ chỉ số), issued by a decision and valid for a range of years."""

    State = FrameworkState

    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="frameworks", verbose_name=_("block"))
    name = models.CharField(_("name"), max_length=255)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    first_year = models.PositiveSmallIntegerField(_("first year"), validators=[MinValueValidator(2000)])
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=FrameworkState.choices, default=FrameworkState.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["block__order", "-first_year", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=FrameworkState.values), name="framework_state_valid"),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")),
                name="framework_years_in_order",
                violation_error_message=_("The last year cannot be before the first year."),
            ),
        ]

    def __str__(self):
        years = f"{self.first_year}–{self.last_year}" if self.last_year else f"{self.first_year}–"
        version = f", v{self.version}" if self.version > 1 else ""
        return f"{self.name} ({years}{version})"

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


class Method(models.TextChoices):
    APPRAISAL = "appraisal", _("Appraisal")
    SURVEY = "survey", _("Survey")
    BONUS = "bonus", _("Bonus")
    PENALTY = "penalty", _("Penalty")


class RuleKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    TIERS = "tiers", _("Tiers of a rate")
    RATIO = "ratio", _("Ratio to a target")
    COUNT = "count", _("Points per item")
    DEDUCTION = "deduction", _("Deduction per item")
    MANUAL = "manual", _("Manual")


# Bonus and penalty points sit outside the 100: their groups have no maximum of their own.
ADJUSTMENT_METHODS = (Method.BONUS, Method.PENALTY)
SCORED_METHODS = (Method.APPRAISAL, Method.SURVEY)

code_validator = RegexValidator(
    r"^[0-9]+(\.[0-9]+)*$", _("A criterion code is numbers separated by dots, such as 1, 1.1 or 1.1.2.")
)


class Criterion(models.Model):
    """A node of the criteria tree: a field (1), a criterion (1.1) or a sub-criterion (1.1.2); leaves are scored."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    title = models.TextField(_("title"))
    max_points = models.DecimalField(
        _("max points"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    rule = models.CharField(_("rule"), max_length=10, choices=RuleKind.choices, blank=True)
    rule_params = models.JSONField(_("rule parameters"), default=dict, blank=True)
    allows_na = models.BooleanField(_("N/A allowed"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    appraising_agency = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraised_criteria",
        verbose_name=_("appraising agency"),
    )
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "order", "id"]
        indexes = [models.Index(fields=["framework", "order"], name="criterion_framework_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="criterion_code_unique",
                violation_error_message=_("This code is already used in the framework."),
            ),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gt=0),
                name="criterion_max_positive",
                violation_error_message=_("The maximum must be greater than 0."),
            ),
            models.CheckConstraint(condition=Q(method="") | Q(method__in=Method.values), name="criterion_method_valid"),
            models.CheckConstraint(condition=Q(rule="") | Q(rule__in=RuleKind.values), name="criterion_rule_valid"),
            models.CheckConstraint(
                condition=Q(rule="") | Q(method=Method.APPRAISAL),
                name="criterion_rule_only_on_appraisal",
                violation_error_message=_("Only appraisal criteria have a scoring rule."),
            ),
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None

    @property
    def field_code(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def depth(self) -> int:
        return self.code.count(".")

    @property
    def is_leaf(self) -> bool:
        return bool(self.method)

    def clean(self):
        """Row-level rules; the rules that need the whole tree live in assessment.tree."""
        if not self.method:
            if self.rule:
                raise ValidationError({"rule": _("A group of criteria is not scored: leave the rule empty.")})
            return
        if self.max_points is None:
            raise ValidationError({"max_points": _("A scored criterion needs its maximum points.")})
        if self.method != Method.APPRAISAL:
            if self.rule or self.rule_params:
                raise ValidationError(
                    {"rule": _("%(method)s criteria have no scoring rule.") % {"method": self.get_method_display()}}
                )
            return
        if not self.rule:
            raise ValidationError(
                {"rule": _("An appraisal criterion needs a scoring rule (use “manual” for one scored by hand).")}
            )
        try:
            parse_rule(self.rule, self.rule_params, self.max_points)
        except RuleError as exc:
            raise ValidationError({"rule_params": str(exc)}) from exc

    def scoring_rule(self):
        return parse_rule(self.rule, self.rule_params, self.max_points) if self.rule else None

    @property
    def rule_summary(self) -> str:
        if not self.rule:
            return ""
        try:
            return describe_rule(self.scoring_rule())
        except RuleError:
            return str(self.rule_params)


class Period(models.Model):
    """One year's assessment (kỳ đánh giá) with its calendar; the 2025 index is assessed in early 2026."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000)])
    name = models.CharField(_("name"), max_length=255)
    self_assessment_opens = models.DateField(_("self-assessment opens"))
    self_assessment_closes = models.DateField(_("self-assessment closes"))
    appraisal_closes = models.DateField(_("appraisal closes"))
    explanation_opens = models.DateField(_("explanation opens"))
    explanation_closes = models.DateField(_("explanation closes"))
    council_date = models.DateField(_("council date"))
    publication_date = models.DateField(_("publication date"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)

    # The calendar in order: each pair is (earlier, later), enforced by the database and the forms.
    DEADLINE_ORDER = [
        ("self_assessment_opens", "self_assessment_closes"),
        ("self_assessment_closes", "appraisal_closes"),
        ("appraisal_closes", "explanation_opens"),
        ("explanation_opens", "explanation_closes"),
        ("explanation_closes", "council_date"),
        ("council_date", "publication_date"),
    ]

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_assessment_opens__lte=F("self_assessment_closes")),
                name="period_self_assessment_in_order",
                violation_error_message=_("Self-assessment must open before it closes."),
            ),
            models.CheckConstraint(
                condition=Q(self_assessment_closes__lte=F("appraisal_closes")),
                name="period_appraisal_after_self_assessment",
                violation_error_message=_("Appraisal cannot close before self-assessment closes."),
            ),
            models.CheckConstraint(
                condition=Q(appraisal_closes__lte=F("explanation_opens")),
                name="period_explanation_after_appraisal",
                violation_error_message=_("The explanation window cannot open before appraisal closes."),
            ),
            models.CheckConstraint(
                condition=Q(explanation_opens__lte=F("explanation_closes")),
                name="period_explanation_in_order",
                violation_error_message=_("The explanation window must open before it closes."),
            ),
            models.CheckConstraint(
                condition=Q(explanation_closes__lte=F("council_date")),
                name="period_council_after_explanation",
                violation_error_message=_("The council cannot meet before the explanation window closes."),
            ),
            models.CheckConstraint(
                condition=Q(council_date__lte=F("publication_date")),
                name="period_publication_after_council",
                violation_error_message=_("Results cannot be published before the council meets."),
            ),
        ]

    def __str__(self):
        return self.name


class PeriodBlock(models.Model):
    """The framework a block is assessed against in a period (one per block)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("period"))
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+", verbose_name=_("block"))
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="period_blocks", verbose_name=_("framework")
    )

    class Meta:
        verbose_name = _("participating block")
        verbose_name_plural = _("participating blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "block"],
                name="period_block_unique",
                violation_error_message=_("This block already takes part in the period."),
            )
        ]

    def __str__(self):
        return f"{self.block} – {self.framework}"

    def clean(self):
        if not (self.block_id and self.framework_id and self.period_id):
            return
        if self.framework.block_id != self.block_id:
            raise ValidationError({"framework": _("This framework belongs to another block.")})
        if self.framework.state != FrameworkState.ACTIVE:
            raise ValidationError({"framework": _("Only an active framework can be used in a period.")})
        if not self.framework.covers(self.period.year):
            raise ValidationError(
                {"framework": _("This framework does not apply to %(year)s.") % {"year": self.period.year}}
            )


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_APPRAISAL = "under_appraisal", _("Under appraisal")
    RETURNED = "returned", _("Returned for explanation")
    EXPLAINED = "explained", _("Explained")
    REAPPRAISED = "reappraised", _("Re-appraised")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class Assessment(models.Model):
    """One unit in one period (hồ sơ tự đánh giá)."""

    Status = AssessmentStatus

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("period"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("unit"))
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("framework")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-period__year", "unit__block__order", "unit__code"]
        indexes = [models.Index(fields=["period", "status"], name="assessment_period_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit"],
                name="assessment_one_per_unit",
                violation_error_message=_("This unit already has an assessment in this period."),
            ),
            models.CheckConstraint(condition=Q(status__in=AssessmentStatus.values), name="assessment_status_valid"),
        ]

    def __str__(self):
        return f"{self.unit} – {self.period}"


class Score(models.Model):
    """One scored leaf of one assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"],
                name="score_one_per_leaf",
                violation_error_message=_("This criterion already has a score row in the assessment."),
            )
        ]

    def __str__(self):
        return f"{self.assessment} – {self.criterion.code}"
