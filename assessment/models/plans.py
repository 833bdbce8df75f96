"""The improvement plan, followed to the end: after publication the unit plans a fix for each criterion where it
lost points (cause, fix, who leads, by when), updates its status and links the evidence that it is done."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessment.models.assessments import Assessment
from assessment.models.evidence import Document
from assessment.models.frameworks import Criterion


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class ImprovementItem(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="improvement_items", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion"))
    cause = models.TextField(_("cause"))
    action = models.TextField(_("fix"))
    lead = models.CharField(_("who leads"), max_length=200)
    starts = models.DateField(_("from"))
    due = models.DateField(_("by"))
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    evidence = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evidence of completion"),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()  # every change of the plan: who, when, what (the audit trail)

    class Meta:
        verbose_name = _("improvement plan item")
        verbose_name_plural = _("improvement plan items")
        ordering = ["assessment_id", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="improvement_item_one_per_criterion"),
            models.CheckConstraint(condition=Q(due__gte=F("starts")), name="improvement_item_due_after_start"),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="improvement_item_status_valid"),
        ]

    def __str__(self):
        return f"{self.assessment.unit} — {self.criterion.code}"
