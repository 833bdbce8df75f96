from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cchc.db import vi_order
from cchc.spreadsheets import no_formula_start


class User(AbstractUser):
    """A person who signs in; what they may do comes from their memberships (roles)."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9][0-9 .\-]{7,18}$", _("Enter a phone number of 8 to 19 digits."))],
    )

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        # Vietnamese names put the given name last: "Nguyễn Văn An" is "An".
        return self.full_name.split()[-1] if self.full_name.strip() else self.username


class Block(models.Model):
    """A ranking group (khối): units are ranked only inside their block."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[no_formula_start])
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A department, district or commune (đơn vị); it has a history across reorganisations."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[no_formula_start])
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="units", verbose_name=_("block"))
    active = models.BooleanField(_("active"), default=True)
    is_appraising_agency = models.BooleanField(
        _("appraising agency"),
        default=False,
        help_text=_("Its officers may be appraisers (Sở Nội vụ and the departments that own a field)."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("succeeded units"),
        help_text=_("The units this one replaced, e.g. after a merger."),
    )

    class Meta:
        ordering = ["block__order", vi_order("name").asc()]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["block", "active"], name="unit_block_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_dates_in_order",
                violation_error_message=_("The end of validity cannot be before its start."),
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("Unit staff")
    UNIT_HEAD = "unit_head", _("Unit head")
    APPRAISER = "appraiser", _("Appraiser")
    COORDINATOR = "coordinator", _("Home Affairs coordinator")
    COUNCIL = "council", _("Council member")


# Staff and head belong to one unit; an appraiser to one agency (a unit); the others to none.
UNIT_MEMBER_ROLES = (Role.UNIT_STAFF, Role.UNIT_HEAD)
ROLES_WITH_UNIT = (*UNIT_MEMBER_ROLES, Role.APPRAISER)
ROLES_WITHOUT_UNIT = (Role.COORDINATOR, Role.COUNCIL)


class Membership(models.Model):
    """One role a user holds; a user may hold several (an officer of Sở Nội vụ may self-assess and appraise)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unit or agency"),
        help_text=_("The unit of unit staff and heads; the appraising agency of appraisers; empty otherwise."),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_one_per_role",
                violation_error_message=_("This user already has this role."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=UNIT_MEMBER_ROLES),
                name="membership_one_unit",
                violation_error_message=_("A user is staff or head of one unit only."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(role__in=ROLES_WITH_UNIT, unit__isnull=False)
                | Q(role__in=ROLES_WITHOUT_UNIT, unit__isnull=True),
                name="membership_unit_matches_role",
                violation_error_message=_(
                    "Unit staff, unit heads and appraisers need a unit; coordinators and council members have none."
                ),
            ),
        ]

    def __str__(self):
        if self.unit_id:
            return f"{self.get_role_display()} – {self.unit}"
        return str(self.get_role_display())

    def clean(self):
        if self.role == Role.APPRAISER and self.unit_id and not self.unit.is_appraising_agency:
            raise ValidationError(
                {"unit": _("%(unit)s is not an appraising agency.") % {"unit": self.unit}},
                code="not_an_agency",
            )


class GovernanceAction(models.TextChoices):
    CRITERION_ADD = "criterion_add", _("Criterion added")
    CRITERION_CHANGE = "criterion_change", _("Criterion changed")
    CRITERION_DELETE = "criterion_delete", _("Criterion removed")
    CRITERIA_REPLACE = "criteria_replace", _("Criteria tree replaced by an import")
    FRAMEWORK_ADD = "framework_add", _("Framework created")
    FRAMEWORK_CHANGE = "framework_change", _("Framework changed")
    FRAMEWORK_DELETE = "framework_delete", _("Framework deleted")
    FRAMEWORK_ACTIVATE = "framework_activate", _("Framework activated")
    FRAMEWORK_BACK_TO_DRAFT = "framework_back_to_draft", _("Framework back to draft")
    FRAMEWORK_ARCHIVE = "framework_archive", _("Framework archived")
    FRAMEWORK_COPY = "framework_copy", _("Framework copied as a new version")
    PERIOD_ADD = "period_add", _("Period created")
    PERIOD_CHANGE = "period_change", _("Period calendar changed")
    PERIOD_OPEN = "period_open", _("Period opened")
    ADJUSTMENT_ADD = "adjustment_add", _("Bonus or penalty entered")
    ADJUSTMENT_CHANGE = "adjustment_change", _("Bonus or penalty changed")
    ADJUSTMENT_DELETE = "adjustment_delete", _("Bonus or penalty removed")
    ROLE_GRANT = "role_grant", _("Role granted")
    ROLE_REVOKE = "role_revoke", _("Role revoked")
    COUNCIL_REVIEW_OPEN = "council_review_open", _("Council review opened")
    COUNCIL_ANSWER = "council_answer", _("Council member answered")
    COUNCIL_DECISION = "council_decision", _("Council decision recorded")
    # people: onboarding in bulk and people who leave
    PERSON_ADD = "person_add", _("Person added")
    PERSON_DEACTIVATE = "person_deactivate", _("Person deactivated")


class GovernanceEvent(models.Model):
    """One governance action (frameworks, periods, bonus and penalty, roles): who did what to which object, when.

    The label keeps the object readable after it is deleted; ``changes`` holds old → new of each edited field.
    """

    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for the system (a command run on the server)."),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=GovernanceAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of object")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    label = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("governance log entry")
        verbose_name_plural = _("governance log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="governance_object")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.label}"
