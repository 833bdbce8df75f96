from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Block, Unit
from assessment.models.frameworks import Criterion, Framework, FrameworkState
from cchc.spreadsheets import no_formula_start


class Period(models.Model):
    """One year's assessment (kỳ đánh giá) with its calendar; the 2025 index is assessed in early 2026."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000)])
    name = models.CharField(_("name"), max_length=255, validators=[no_formula_start])
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
    deadline_extended_to = models.DateField(
        _("self-assessment extended to"),
        null=True,
        blank=True,
        help_text=_("Set when Home Affairs reopens the assessment after the deadline."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    signed_report = models.ForeignKey(
        "Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed self-assessment report"),
    )
    explanation_submitted_at = models.DateTimeField(_("explanation submitted at"), null=True, blank=True)
    explanation_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explanation submitted by"),
    )
    council_decision_number = models.CharField(_("council decision number"), max_length=100, blank=True)
    council_decision_date = models.DateField(_("council decision date"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

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
    """One scored leaf of one assessment: the unit's declaration and self score, then the appraisal."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    # Copied from the (locked) criterion at opening, so that the database can hold 0 ≤ points ≤ max.
    max_points = models.DecimalField(_("max points"), max_digits=7, decimal_places=2, null=True, blank=True)
    declared_value = models.DecimalField(_("declared value"), max_digits=12, decimal_places=2, null=True, blank=True)
    self_points = models.DecimalField(_("self score"), max_digits=7, decimal_places=2, null=True, blank=True)
    is_na = models.BooleanField(_("not applicable"), default=False)
    na_reason = models.TextField(_("reason it does not apply"), blank=True)
    note = models.TextField(_("note"), blank=True)
    no_evidence_reason = models.TextField(_("reason there is no evidence"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    agency = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appraising agency"),
        help_text=_("Copied from the framework at opening; Home Affairs may reassign it for the period."),
    )
    appraised_points = models.DecimalField(_("appraised score"), max_digits=7, decimal_places=2, null=True, blank=True)
    appraised_comment = models.TextField(_("appraiser's comment"), blank=True)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appraised by"),
    )
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)
    na_confirmed = models.BooleanField(
        _("N/A confirmed"),
        null=True,
        blank=True,
        help_text=_("The appraiser's decision on the unit's “not applicable”."),
    )
    reappraised_points = models.DecimalField(_("round 2 score"), max_digits=7, decimal_places=2, null=True, blank=True)
    reappraised_comment = models.TextField(_("round 2 comment"), blank=True)
    reappraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("round 2 by"),
    )
    reappraised_at = models.DateTimeField(_("round 2 at"), null=True, blank=True)
    council_points = models.DecimalField(_("council score"), max_digits=7, decimal_places=2, null=True, blank=True)
    survey_points = models.DecimalField(
        _("survey points"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Imported by Home Affairs from the survey results."),
    )
    council_reason = models.TextField(_("council's reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at", "updated_by"], cascade_delete_history=False)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        indexes = [models.Index(fields=["agency", "assessment"], name="score_agency_assessment")]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"],
                name="score_one_per_leaf",
                violation_error_message=_("This criterion already has a score row in the assessment."),
            ),
            models.CheckConstraint(
                condition=Q(self_points__isnull=True) | Q(self_points__gte=0, self_points__lte=F("max_points")),
                name="score_self_points_within_max",
                violation_error_message=_("The self score must be between 0 and the maximum."),
            ),
            models.CheckConstraint(
                condition=Q(appraised_points__isnull=True)
                | Q(appraised_points__gte=0, appraised_points__lte=F("max_points")),
                name="score_appraised_points_within_max",
                violation_error_message=_("The appraised score must be between 0 and the maximum."),
            ),
            models.CheckConstraint(
                condition=Q(reappraised_points__isnull=True)
                | Q(reappraised_points__gte=0, reappraised_points__lte=F("max_points")),
                name="score_reappraised_points_within_max",
                violation_error_message=_("The round 2 score must be between 0 and the maximum."),
            ),
            models.CheckConstraint(
                condition=Q(council_points__isnull=True)
                | (Q(council_points__gte=0, council_points__lte=F("max_points")) & ~Q(council_reason="")),
                name="score_council_points_within_max_with_reason",
                violation_error_message=_("The council's score must be between 0 and the maximum, with a reason."),
            ),
            models.CheckConstraint(
                condition=Q(survey_points__isnull=True) | Q(survey_points__gte=0, survey_points__lte=F("max_points")),
                name="score_survey_points_within_max",
                violation_error_message=_("The survey points must be between 0 and the maximum."),
            ),
            models.CheckConstraint(
                condition=Q(is_na=False) | (Q(self_points__isnull=True) & ~Q(na_reason="")),
                name="score_na_has_reason_and_no_points",
                violation_error_message=_("A criterion that does not apply has a reason and no self score."),
            ),
            models.CheckConstraint(
                condition=Q(declared_value__isnull=True) | Q(declared_value__gte=0),
                name="score_declared_not_negative",
                violation_error_message=_("The declared value cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.assessment} – {self.criterion.code}"


class AssessmentEvent(models.Model):
    """One state transition of an assessment: who, when, from where to where, and why."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="events", verbose_name=_("assessment")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=AssessmentStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=AssessmentStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.assessment}: {self.from_status} → {self.to_status}"
