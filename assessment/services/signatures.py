"""Digitally signed reports: the unit head uploads the report signed with their own tool; the system verifies
it and keeps the verification."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assessment.files import EvidenceFileError, check_upload
from assessment.models import (
    Assessment,
    AssessmentEvent,
    DocumentKind,
    ReportSignature,
    RevocationCheck,
    TrustedCertificate,
)
from assessment.policy import is_coordinator, signed_report_refusal
from assessment.selectors.signatures import report_fingerprint, trust_store
from assessment.services.evidence import document_store
from assessment.signatures import OFFLINE, Verification, parse_certificate, verify_signed_pdf


def _content_problems(verification: Verification, assessment: Assessment) -> list[str]:
    report_id, digest = report_fingerprint(assessment)
    if verification.report_id != report_id:
        return [
            _(
                "This PDF is not the report the system generated for this assessment: download the report from "
                "this page, sign it and upload it."
            )
        ]
    if verification.digest != digest:
        return [
            _(
                "The report was signed before the latest change to the assessment: download the report again, "
                "sign it and upload it."
            )
        ]
    return []


def _summary(signature: ReportSignature) -> str:
    return _(
        "Digitally signed report verified: signed by %(signer)s (%(organisation)s) at %(at)s, trust root %(root)s, "
        "revocation %(revocation)s."
    ) % {
        "signer": signature.signer_name,
        "organisation": signature.signer_organisation or "—",
        "at": formats.date_format(timezone.localtime(signature.signed_at), "SHORT_DATETIME_FORMAT")
        if signature.signed_at
        else "—",
        "root": signature.trust_root,
        "revocation": RevocationCheck(signature.revocation).label,
    }


def report_signature_upload(*, assessment: Assessment, user, upload) -> ReportSignature:
    """The head's digitally signed report, kept only when every signature verifies and it is the report of the
    assessment's current content; otherwise refused with every reason, nothing stored."""
    refusal = signed_report_refusal(user, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        checked = check_upload(upload)
    except EvidenceFileError as error:
        raise ValidationError(str(error)) from error
    if checked.kind != DocumentKind.PDF:
        raise ValidationError(_("The digitally signed report must be a PDF."))
    upload.seek(0)
    verification = verify_signed_pdf(upload.read(), trust_store())  # slow part: outside the lock
    upload.seek(0)
    problems = verification.all_problems()
    if problems:
        raise ValidationError(problems)
    return _store(assessment=assessment, user=user, upload=upload, checked=checked, verification=verification)


@transaction.atomic
def _store(*, assessment, user, upload, checked, verification: Verification) -> ReportSignature:
    assessment = Assessment.objects.select_for_update().select_related("period", "unit").get(pk=assessment.pk)
    refusal = signed_report_refusal(user, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    problems = _content_problems(verification, assessment)  # under the lock: nobody changes it meanwhile
    if problems:
        raise ValidationError(problems)
    document = document_store(unit=assessment.unit, user=user, upload=upload, checked=checked)
    last = verification.signatures[-1]
    worst = OFFLINE if any(check.revocation == OFFLINE for check in verification.signatures) else last.revocation
    signature = ReportSignature(
        assessment=assessment,
        document=document,
        report_id=verification.report_id,
        content_sha256=verification.digest,
        signer_name=last.signer,
        signer_organisation=last.organisation,
        signed_at=parse_datetime(last.signed_at) if last.signed_at else None,
        trust_root=last.trust_root,
        revocation=worst,
        signatures=[check.as_dict() for check in verification.signatures],
        uploaded_by=user,
    )
    signature.full_clean()
    signature.save()
    AssessmentEvent.objects.create(
        assessment=assessment,
        from_status=assessment.status,
        to_status=assessment.status,
        actor=user,
        reason=_summary(signature),
    )
    return signature


def trusted_certificate_add(*, actor, name: str, is_root: bool, data: bytes) -> TrustedCertificate:
    """Home Affairs adds a root or intermediate certificate (PEM or DER) to the trusted list; the subject,
    fingerprint and end of validity are read from the certificate itself."""
    if not is_coordinator(actor):
        raise PermissionDenied(_("Only Home Affairs manages the trusted certificates."))
    try:
        der, subject, valid_until = parse_certificate(data)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    fingerprint = hashlib.sha256(der).hexdigest()
    if TrustedCertificate.objects.filter(sha256=fingerprint).exists():
        raise ValidationError(_("This certificate is already in the list."))
    trusted = TrustedCertificate(
        name=name, is_root=is_root, der=der, subject=subject[:500], sha256=fingerprint, valid_until=valid_until
    )
    trusted.full_clean()
    trusted.save()
    return trusted
