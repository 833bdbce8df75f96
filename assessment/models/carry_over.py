"""Start from last year: the record of a unit carrying over last year's notes and evidence links (never scores)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.models.assessments import Assessment


class CarryOver(models.Model):
    """One carry-over into an assessment (at most one: carrying over again changes nothing): who, when, from which
    year, and how much it brought."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="carry_over", verbose_name=_("assessment")
    )
    source = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="+", verbose_name=_("carried over from")
    )
    from_year = models.PositiveSmallIntegerField(_("year carried over from"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    criteria = models.PositiveIntegerField(_("criteria carried over"), default=0)
    notes = models.PositiveIntegerField(_("notes carried over"), default=0)
    evidence = models.PositiveIntegerField(_("evidence links carried over"), default=0)

    class Meta:
        verbose_name = _("carry-over from last year")
        verbose_name_plural = _("carry-overs from last year")

    def __str__(self):
        return f"{self.assessment} ← {self.from_year}"
