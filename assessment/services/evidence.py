"""Evidence: storing a unit's documents once, attaching them to leaves, removing them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessment.files import CheckedFile, check_upload
from assessment.models import Assessment, Document, Evidence, EvidenceRound, Method, Score
from assessment.policy import SELF, is_member, writable_window
from assessment.storage import field_file_save


def document_store(*, unit, user, upload, checked: CheckedFile, number="", issued_on=None, issuer="") -> Document:
    """The unit's document with this content: stored once (same SHA-256, same document), with its reference."""
    existing = Document.objects.filter(unit=unit, sha256=checked.sha256).first()
    if existing is not None:
        updates = {
            field: value
            for field, value in (("number", number), ("issued_on", issued_on), ("issuer", issuer))
            if value and not getattr(existing, field)
        }
        if updates:
            for field, value in updates.items():
                setattr(existing, field, value)
            existing.save(update_fields=list(updates))
        return existing
    document = Document(
        unit=unit,
        original_name=checked.name,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        number=number,
        issued_on=issued_on,
        issuer=issuer,
        uploaded_by=user,
    )
    field_file_save(document.file, checked.name, upload)  # refused clearly, before any row, if storage is down
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # The same file arrived at the same moment from a colleague: keep theirs.
        return Document.objects.get(unit=unit, sha256=checked.sha256)
    return document


def _round_for(score: Score, user) -> str:
    assessment = Assessment.objects.select_related("period").get(pk=score.assessment_id)
    if not is_member(user, assessment):
        raise PermissionDenied(_("Only the people of %(unit)s can change this assessment.") % {"unit": assessment.unit})
    round_, window = writable_window(assessment)
    if round_ is None:
        raise PermissionDenied(window.message)
    if score.criterion.method == Method.SURVEY:
        raise ValidationError(_("Survey criteria take no evidence: their points come from the survey."))
    return EvidenceRound.SELF_ASSESSMENT if round_ == SELF else EvidenceRound.EXPLANATION


@transaction.atomic
def evidence_upload(*, score: Score, user, upload, number="", issued_on=None, issuer="", locator="") -> Evidence:
    """Upload a file as evidence of a leaf (checked by content, size and name; stored once per unit)."""
    round_ = _round_for(score, user)
    checked = check_upload(upload)
    document = document_store(
        unit=score.assessment.unit,
        user=user,
        upload=upload,
        checked=checked,
        number=number.strip(),
        issued_on=issued_on,
        issuer=issuer.strip(),
    )
    return _attach(score, document, user, locator, round_)


@transaction.atomic
def evidence_attach(*, score: Score, user, document: Document, locator="") -> Evidence:
    """Attach a document the unit already uploaded to another leaf."""
    round_ = _round_for(score, user)
    if document.unit_id != score.assessment.unit_id:
        raise PermissionDenied(_("This document belongs to another unit."))
    return _attach(score, document, user, locator, round_)


def _attach(score, document, user, locator, round_) -> Evidence:
    if Evidence.objects.filter(score=score, document=document).exists():
        raise ValidationError(_("This document is already attached to this criterion."))
    evidence = Evidence(score=score, document=document, locator=locator.strip(), round=round_, added_by=user)
    evidence._history_user = user  # the audit trail names who attached it, also outside a request
    evidence.save()
    if round_ == EvidenceRound.SELF_ASSESSMENT:
        # carry over: new evidence replaces what was carried from last year, whose links the unit now stands by
        Evidence.objects.filter(score=score, from_year__isnull=False).update(from_year=None)
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user) -> None:
    """Remove a link while its round is open; the document stays in the unit's library and in the audit trail."""
    round_ = _round_for(evidence.score, user)
    if evidence.round != round_:
        raise PermissionDenied(_("This evidence belongs to a closed round and can no longer be removed."))
    evidence._history_user = user
    evidence.delete()
