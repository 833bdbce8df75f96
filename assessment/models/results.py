"""Home Affairs' own inputs (bonus and penalty entries, earlier years) and the frozen publications."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Block, Unit
from assessment.models.assessments import Assessment, Score
from assessment.models.frameworks import Criterion
from assessment.models.periods import Period


class Adjustment(models.Model):
    """A bonus or penalty entry of a unit (điểm thưởng, điểm trừ), with its reason and decision reference."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("bonus or penalty criterion")
    )
    points = models.DecimalField(
        _("points"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Always positive: a penalty is subtracted. The sum of a criterion's entries is capped by its maximum."
        ),
    )
    reason = models.TextField(_("reason"))
    decision_reference = models.CharField(_("decision reference"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bonus or penalty entry")
        verbose_name_plural = _("bonus and penalty entries")
        ordering = ["assessment", "criterion__order", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0),
                name="adjustment_points_positive",
                violation_error_message=_("The points must be greater than 0."),
            ),
        ]

    def __str__(self):
        return f"{self.assessment.unit} – {self.criterion.code}: {self.points}"


class EarlierResult(models.Model):
    """A result of a year run before this system, imported for the year-over-year comparison."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+", verbose_name=_("block"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="historical_results", verbose_name=_("unit"))
    index_percent = models.DecimalField(_("index (%)"), max_digits=7, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("rank"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("earlier result")
        verbose_name_plural = _("earlier results")
        ordering = ["-year", "block__order", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "unit"],
                name="historical_result_one_per_unit_and_year",
                violation_error_message=_("This unit already has a result for this year."),
            ),
            models.CheckConstraint(
                condition=Q(index_percent__gte=0),
                name="historical_result_index_not_negative",
                violation_error_message=_("The index cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.year} – {self.unit}: {self.index_percent}"


class Publication(models.Model):
    """A frozen, published version of a period's results; a correction is a new version with a reason."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="publications", verbose_name=_("period"))
    version = models.PositiveSmallIntegerField(_("version"))
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    reason = models.TextField(_("reason for the new version"), blank=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-period__year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="publication_version_unique"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""),
                name="publication_correction_has_reason",
                violation_error_message=_("A correction needs its reason."),
            ),
        ]

    def __str__(self):
        return f"{self.period} – v{self.version}"


class PublishedBlock(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="blocks")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField()
    average = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    units = models.PositiveIntegerField()

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["publication", "block"], name="published_block_unique")]

    def __str__(self):
        return self.name


class PublishedBlockField(models.Model):
    block = models.ForeignKey(PublishedBlock, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(max_length=10)
    title = models.TextField()
    average = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return f"{self.code}. {self.title}"


class PublishedUnit(models.Model):
    """One unit's published result: the numbers as they were when published, names included."""

    # The frozen figures, in the order the snapshot writes them and a new version is compared by.
    FIGURES = ("appraised", "survey", "bonus", "penalty", "total", "maximum", "index", "shown_index", "rank")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="units")
    block = models.ForeignKey(PublishedBlock, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_code = models.CharField(max_length=80)
    unit_name = models.CharField(max_length=200)
    appraised = models.DecimalField(max_digits=9, decimal_places=2)
    survey = models.DecimalField(max_digits=9, decimal_places=2)
    bonus = models.DecimalField(max_digits=9, decimal_places=2)
    penalty = models.DecimalField(max_digits=9, decimal_places=2)
    total = models.DecimalField(max_digits=9, decimal_places=2)
    maximum = models.DecimalField(max_digits=9, decimal_places=2)
    index = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    shown_index = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["block__order", "rank", "unit_code"]
        constraints = [models.UniqueConstraint(fields=["publication", "unit"], name="published_unit_unique")]
        indexes = [models.Index(fields=["unit", "publication"], name="published_unit_trend")]

    def __str__(self):
        return self.unit_name


class PublishedField(models.Model):
    result = models.ForeignKey(PublishedUnit, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(max_length=10)
    title = models.TextField()
    achieved = models.DecimalField(max_digits=9, decimal_places=2)
    maximum = models.DecimalField(max_digits=9, decimal_places=2)
    index = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return f"{self.code}. {self.title}"


class PublishedWeakness(models.Model):
    """The criteria where a unit lost the most points, kept with the publication for its public page."""

    result = models.ForeignKey(PublishedUnit, on_delete=models.CASCADE, related_name="weaknesses")
    code = models.CharField(max_length=30)
    title = models.TextField()
    max_points = models.DecimalField(max_digits=7, decimal_places=2)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return f"{self.code}. {self.title}"


def publication_file_path(publication_file, filename):
    """Stored names never come from the request: the publication, then the SHA-256 of the content."""
    return f"publications/{publication_file.publication_id}/{publication_file.sha256}.{publication_file.format}"


class PublicationFile(models.Model):
    """A download of a publication, made once and then served as stored: every later copy is byte-identical."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=5)
    # Files are kept in the storage (``file``, named by their SHA-256); ``content`` holds only the files stored in
    # the database before that, served as they are until ``move_files_to_storage`` moves them.
    file = models.FileField(upload_to=publication_file_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    content = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "format"], name="publication_file_unique")]

    def __str__(self):
        return f"{self.publication} ({self.format})"


class SurveyScore(Score):
    """The survey criteria of the assessments, for Home Affairs' survey import (a view on the score rows)."""

    class Meta:
        proxy = True
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
