from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Unit
from assessment.models.assessments import Score


def evidence_path(document, filename):
    """Stored names never come from the user: unit, then the SHA-256 of the content."""
    return f"evidence/{document.unit_id}/{document.sha256[:2]}/{document.sha256}.{document.kind}"


class DocumentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOC = "doc", "Word (.doc)"
    DOCX = "docx", "Word (.docx)"
    XLS = "xls", "Excel (.xls)"
    XLSX = "xlsx", "Excel (.xlsx)"
    ODT = "odt", "OpenDocument (.odt)"
    ODS = "ods", "OpenDocument (.ods)"
    JPG = "jpg", "JPEG"
    PNG = "png", "PNG"


class Document(models.Model):
    """A file of a unit with its official reference; one document may prove several criteria."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="documents", verbose_name=_("unit"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("file type"), max_length=5, choices=DocumentKind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    number = models.CharField(_("document number"), max_length=100, blank=True, help_text=_("such as 224/KH-UBND"))
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    issuer = models.CharField(_("issuer"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "sha256"],
                name="document_stored_once_per_unit",
                violation_error_message=_("The unit already has this file."),
            )
        ]

    def __str__(self):
        return f"{self.number} – {self.original_name}" if self.number else self.original_name


class EvidenceRound(models.TextChoices):
    SELF_ASSESSMENT = "self", _("Self-assessment")
    EXPLANATION = "explanation", _("Explanation")


class Evidence(models.Model):
    """A document proving one leaf of an assessment, and where in it the proof is."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("score"))
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("document")
    )
    locator = models.CharField(_("page or section"), max_length=255, blank=True)
    round = models.CharField(
        _("round"), max_length=12, choices=EvidenceRound.choices, default=EvidenceRound.SELF_ASSESSMENT
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # carry over: the year whose evidence this link repeats, until the unit confirms or replaces it
    from_year = models.PositiveSmallIntegerField(
        _("carried over from"),
        null=True,
        blank=True,
        help_text=_(
            "Set when the link was carried over from last year; cleared when the unit confirms or replaces it."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["score", "document"],
                name="evidence_document_once_per_leaf",
                violation_error_message=_("This document is already attached to this criterion."),
            )
        ]

    def __str__(self):
        return f"{self.score.criterion.code}: {self.document}"
