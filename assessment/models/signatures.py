"""Digitally signed reports: the certificates Home Affairs trusts, and each verified signed report."""

from django.conf import settings
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from assessment.models.assessments import Assessment
from assessment.models.evidence import Document


class TrustedCertificate(models.Model):
    """A root or intermediate certificate Home Affairs trusts for signed reports (e.g. the Government CA)."""

    name = models.CharField(_("name"), max_length=200)
    is_root = models.BooleanField(
        _("trust root"), default=True, help_text=_("Untick for an intermediate certificate (not a trust anchor).")
    )
    der = models.BinaryField(_("certificate (DER)"))
    subject = models.CharField(_("subject"), max_length=500)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    valid_until = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted certificate")
        verbose_name_plural = _("trusted certificates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RevocationCheck(models.TextChoices):
    CHECKED = "checked", _("checked: not revoked")
    OFFLINE = "offline", _("not checked (offline)")
    NO_ADDRESS = "no_address", _("not checked (the certificate names no OCSP/CRL address)")


class SignatureState(models.TextChoices):
    PENDING = "pending", _("verification in progress")
    VERIFIED = "verified", _("verified")
    REFUSED = "refused", _("refused")


class ReportSignature(models.Model):
    """A digitally signed self-assessment report: stored at the upload once its structure and content are right
    (pending), then verified by a background job (verified, with what it found; or refused, with why, its file
    removed when nothing else uses it)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="report_signatures", verbose_name=_("assessment")
    )
    state = models.CharField(_("state"), max_length=10, choices=SignatureState.choices)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("signed report (PDF)"),
    )
    report_id = models.CharField(_("report identifier"), max_length=100)
    content_sha256 = models.CharField(_("content digest"), max_length=64)
    signer_name = models.CharField(_("signer"), max_length=255, blank=True)
    signer_organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    trust_root = models.CharField(_("trust root"), max_length=200, blank=True)
    revocation = models.CharField(_("revocation"), max_length=12, choices=RevocationCheck.choices, blank=True)
    signatures = models.JSONField(
        _("signatures"), default=list, blank=True, help_text=_("Every signature found, as verified.")
    )
    problems = models.JSONField(_("why it was refused"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    verified_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    checked_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digitally signed report")
        verbose_name_plural = _("digitally signed reports")
        ordering = ["-verified_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="verified", revocation__in=["checked", "offline", "no_address"])
                | models.Q(state__in=["pending", "refused"], revocation=""),
                name="report_signature_revocation_known",
            )
        ]

    def __str__(self):
        return f"{self.assessment}: {self.signer_name}"

    @property
    def checks(self) -> list[dict]:
        """The stored signatures, each signing time read back as an aware datetime (for the pages)."""
        moments = ("signed_at", "valid_until", "revoked_at")
        return [
            {**check, **{key: parse_datetime(check[key]) if check.get(key) else None for key in moments}}
            for check in self.signatures
        ]


class PublicationSignature(models.Model):
    """The city's signature of a published file, made once at publication: for the annex PDF the signature is
    inside the stored file (``cms`` empty); for CSV/XLSX/JSON ``cms`` is the detached CMS signature (.p7s)."""

    publication = models.ForeignKey(
        "assessment.Publication", on_delete=models.CASCADE, related_name="signatures", verbose_name=_("publication")
    )
    format = models.CharField(_("format"), max_length=5)
    cms = models.BinaryField(_("detached signature (CMS, DER)"), blank=True)
    signer = models.CharField(_("signer"), max_length=255)
    created_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signature of a published file")
        verbose_name_plural = _("signatures of published files")
        ordering = ["publication", "format"]
        constraints = [models.UniqueConstraint(fields=["publication", "format"], name="publication_signature_unique")]

    def __str__(self):
        return f"{self.publication} ({self.format}): {self.signer}"
