from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Left, StrIndex
from django.utils.translation import gettext_lazy as _

from accounts.models import Block, Unit
from assessment.rules import RuleError, describe_rule, parse_rule
from cchc.spreadsheets import no_formula_start


class FrameworkState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class Framework(models.Model):
    """A block's criteria set (bộ chỉ số), issued by a decision and valid for a range of years."""

    State = FrameworkState

    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="frameworks", verbose_name=_("block"))
    name = models.CharField(_("name"), max_length=255, validators=[no_formula_start])
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


# A criterion's own fields, in the order of the framework file's columns (DOMAIN: framework import/export).
CRITERION_FIELDS = (
    "code",
    "title",
    "max_points",
    "method",
    "rule",
    "rule_params",
    "allows_na",
    "evidence_required",
    "appraising_agency",
    "guidance",
)


class Criterion(models.Model):
    """A node of the criteria tree: a field (1), a criterion (1.1) or a sub-criterion (1.1.2); leaves are scored."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    # The field ("1" for "1.3.1"): computed and stored by the database from the code, read everywhere
    # (criterion.field_code, criterion__field_code). An instance gets it from the database after its first save.
    field_code = models.GeneratedField(
        expression=Left("code", StrIndex(Concat("code", Value(".")), Value(".")) - 1),
        output_field=models.CharField(max_length=30),
        db_persist=True,
        verbose_name=_("field"),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    title = models.TextField(_("title"), validators=[no_formula_start])
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
        if self.method == Method.PENALTY and self.evidence_required:
            raise ValidationError(
                {
                    "evidence_required": _(
                        "A penalty is entered by Home Affairs with its decision: the unit gives no evidence for it."
                    )
                }
            )
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
