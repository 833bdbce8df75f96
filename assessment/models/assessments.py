"""What a unit hands in and what is done to it: the assessment, its scored leaves and its state transitions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Unit
from assessment.models.frameworks import Criterion, Framework
from assessment.models.periods import Period


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_APPRAISAL = "under_appraisal", _("Under appraisal")
    RETURNED = "returned", _("Returned for explanation")
    EXPLAINED = "explained", _("Explained")
    REAPPRAISED = "reappraised", _("Re-appraised")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class GradeRound(models.TextChoices):
    """The rounds in which grades are written (Python-side: no column holds them)."""

    ROUND_1 = "round1", _("Round 1")
    ROUND_2 = "round2", _("Round 2")
    COUNCIL = "council", _("Council")


class ChangeReason(models.TextChoices):
    """The history's change reason of each write to a score row (the audit trail names them)."""

    SELF_ASSESSMENT = "self-assessment", _("Self-assessment")
    EXPLANATION = "explanation", _("Explanation")
    APPRAISAL = "appraisal", _("Round 1")
    APPRAISAL_ROUND_2 = "appraisal round 2", _("Round 2")
    COUNCIL = "council", _("Council")
    SURVEY = "survey", _("Survey")
    # carry over: last year's notes and evidence links
    CARRY_OVER = "carry-over", _("Carried over from last year")
    CARRY_OVER_CONFIRMED = "carry-over confirmed", _("Carried-over items confirmed")


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
    difficulties = models.TextField(
        _("difficulties, obstacles and recommendations"),
        blank=True,
        help_text=_("Written by the unit with its self-assessment; printed in the report."),
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
    # carry over: the year whose note this is, until the unit edits or confirms it
    note_from_year = models.PositiveSmallIntegerField(
        _("note carried over from"),
        null=True,
        blank=True,
        help_text=_("Set when the note was carried over from last year; cleared when the unit edits or confirms it."),
    )
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

    @property
    def carried_evidence(self) -> bool:
        """carry over: some evidence link of the leaf still repeats last year's (reads the prefetched evidence)."""
        return any(item.from_year for item in self.evidence.all())


class AssessmentEvent(models.Model):
    """One state transition of an assessment: who, when, from where to where, and why. An entry whose from and to
    are the same status records a change made inside the status: the unit's difficulties, obstacles and
    recommendations (services.self_assessment.difficulties_save), the only one so far; the workflow's table has no
    move from a status to itself."""

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
    # what a change inside the status was about ("" for a transition or the difficulties text)
    # (a database default too: publication inserts its events in one INSERT … SELECT)
    kind = models.CharField(
        _("about"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        choices=[("signed_report", _("signed report"))],
    )

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["at", "id"]

    def __str__(self):
        if not self.is_transition:
            return f"{self.assessment}: {self.what}"
        return f"{self.assessment}: {self.from_status} → {self.to_status}"

    @property
    def is_transition(self) -> bool:
        return self.from_status != self.to_status

    @property
    def what(self) -> str:
        """What happened, as the audit trail says it: "Nháp → Đã gửi", or the change made inside the status."""
        if self.is_transition:
            return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
        if self.kind == "signed_report":
            return gettext("Digitally signed report")
        return gettext("Updated the difficulties, obstacles and recommendations")
