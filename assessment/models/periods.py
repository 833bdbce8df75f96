"""The assessment year (kỳ đánh giá), its calendar and the framework each block is assessed against."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Block
from assessment.models.frameworks import Framework, FrameworkState
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
