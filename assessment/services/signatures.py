"""Digitally signed reports: the unit head uploads the report signed with their own tool; the system verifies
it and keeps the verification."""

import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
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
    SignatureState,
    TrustedCertificate,
)
from assessment.outbox import VERIFY_REPORT_SIGNATURE, job_enqueue
from assessment.policy import is_coordinator, signed_report_refusal
from assessment.selectors.signatures import report_fingerprint, trust_store
from assessment.services.evidence import document_store
from assessment.signatures import OFFLINE, Verification, inspect_signed_pdf, parse_certificate, verify_signed_pdf

logger = logging.getLogger(__name__)


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
    """The head's digitally signed report. In the request, the cheap checks: who may, the upload limits, a PDF
    whose signatures are structurally sound (not encrypted, byte ranges inside the file, not too many signatures
    or certificates) and that is the report of the assessment's current content; refused with every reason,
    nothing stored. Then the file is stored with a pending verification, and a background job verifies the
    signatures (``report_signature_verify``)."""
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
    inspection = inspect_signed_pdf(upload.read(), trust_store())
    upload.seek(0)
    problems = inspection.all_problems()
    if problems:
        raise ValidationError(problems)
    return _store(assessment=assessment, user=user, upload=upload, checked=checked, inspection=inspection)


@transaction.atomic
def _store(*, assessment, user, upload, checked, inspection: Verification) -> ReportSignature:
    assessment = Assessment.objects.select_for_update().select_related("period", "unit").get(pk=assessment.pk)
    refusal = signed_report_refusal(user, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    problems = _content_problems(inspection, assessment)  # under the lock: nobody changes it meanwhile
    if problems:
        raise ValidationError(problems)
    document = document_store(unit=assessment.unit, user=user, upload=upload, checked=checked)
    signature = ReportSignature(
        assessment=assessment,
        state=SignatureState.PENDING,
        document=document,
        report_id=inspection.report_id,
        content_sha256=inspection.digest,
        uploaded_by=user,
    )
    signature.full_clean()
    signature.save()
    AssessmentEvent.objects.create(
        assessment=assessment,
        from_status=assessment.status,
        to_status=assessment.status,
        kind="signed_report",
        actor=user,
        reason=_("Digitally signed report %(name)s received: verification in progress.")
        % {"name": document.original_name},
    )
    job_enqueue(VERIFY_REPORT_SIGNATURE, signature.pk)
    return signature


def report_signature_verify(*, signature_id: int) -> ReportSignature:
    """The background job: verify a pending signed report's signatures (chains at the signing time, revocation,
    coverage) and record the result; a report already verified or refused is left as it is."""
    signature = ReportSignature.objects.select_related("document").get(pk=signature_id)
    if signature.state != SignatureState.PENDING:
        return signature
    with signature.document.file.open("rb") as stored:
        data = stored.read()
    try:
        verification = verify_signed_pdf(data, trust_store(), received_at=signature.verified_at)  # no lock held
    except Exception:  # a bug or a file pyHanko chokes on: refused with a message, never pending for ever
        logger.exception("signed report %s could not be verified", signature_id)
        verification = Verification(
            problems=[_("The signatures could not be verified: upload the signed report again or ask Home Affairs.")]
        )
    return _record(signature_id=signature_id, verification=verification)


@transaction.atomic
def _record(*, signature_id: int, verification: Verification) -> ReportSignature:
    signature = (
        ReportSignature.objects.select_for_update(of=("self",))  # the document is an outer join (nullable)
        .select_related("assessment", "document", "uploaded_by")
        .get(pk=signature_id)
    )
    if signature.state != SignatureState.PENDING:
        return signature
    assessment = signature.assessment
    signature.signatures = [check.as_dict() for check in verification.signatures]
    signature.checked_at = timezone.now()
    problems = verification.all_problems()
    if problems:
        signature.state, signature.problems = SignatureState.REFUSED, problems
        document, signature.document = signature.document, None
        signature.save(update_fields=["state", "problems", "signatures", "checked_at", "document"])
        _discard(document)
        reason = _("Digitally signed report %(name)s refused: %(problems)s") % {
            "name": document.original_name,
            "problems": " ".join(problems),
        }
    else:
        last = verification.signatures[-1]
        worst = OFFLINE if any(check.revocation == OFFLINE for check in verification.signatures) else last.revocation
        signature.state = SignatureState.VERIFIED
        signature.signer_name = last.signer
        signature.signer_organisation = last.organisation
        signature.signed_at = parse_datetime(last.signed_at) if last.signed_at else None
        signature.trust_root = last.trust_root
        signature.revocation = worst
        signature.full_clean()
        signature.save()
        reason = _summary(signature)
    AssessmentEvent.objects.create(
        assessment=assessment,
        from_status=assessment.status,
        to_status=assessment.status,
        kind="signed_report",
        actor=signature.uploaded_by,
        reason=reason,
    )
    return signature


def _discard(document) -> None:
    """A refused report's file leaves the unit's library, unless something else uses the same document."""
    try:
        with transaction.atomic():
            document.delete()
    except ProtectedError:
        return
    name, storage = document.file.name, document.file.storage
    transaction.on_commit(lambda: storage.delete(name))


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
