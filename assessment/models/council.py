"""The council's review of a period, online: Home Affairs opens it, each member agrees or objects with a comment,
Home Affairs records the decision once every member has answered. A member still never changes a score."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models.periods import Period


class CouncilReview(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("open for the members' answers")
        DECIDED = "decided", _("decided")

    period = models.OneToOneField(
        Period, on_delete=models.CASCADE, related_name="council_review", verbose_name=_("period")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("council review")
        verbose_name_plural = _("council reviews")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["open", "decided"]), name="council_review_state_valid"),
            models.CheckConstraint(
                condition=Q(state="open")
                | (~Q(decision_number="") & Q(decision_date__isnull=False) & Q(decided_at__isnull=False)),
                name="council_review_decision_complete",
            ),
        ]

    def __str__(self):
        return str(_("Council review of %(period)s") % {"period": self.period})


class CouncilAnswer(models.Model):
    """One member's answer: agreement, or an objection with its comment (the member may change it until the
    decision)."""

    review = models.ForeignKey(CouncilReview, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    agrees = models.BooleanField(_("agrees"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        verbose_name = _("council member's answer")
        verbose_name_plural = _("council members' answers")
        ordering = ["review_id", "member__full_name", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="council_answer_one_per_member"),
            models.CheckConstraint(condition=Q(agrees=True) | ~Q(comment=""), name="council_objection_has_comment"),
        ]

    def __str__(self):
        return f"{self.member}: {_('agrees') if self.agrees else _('objects')}"
