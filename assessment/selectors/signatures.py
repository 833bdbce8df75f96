"""Reads for digitally signed reports: the report's identifier and content digest, the trust store, the latest
accepted signed report of an assessment."""

from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch

from assessment.models import Assessment, Evidence, ReportSignature, Score, SignatureState, TrustedCertificate
from assessment.signatures import ScoreContent, TrustStore, content_digest


def report_identifier(assessment: Assessment) -> str:
    """The identifier the report carries: period year, unit code, assessment number."""
    return f"CCHC-{assessment.period.year}-{assessment.unit.code}-{assessment.pk}"


def _evidence_label(item: Evidence) -> str:
    document = item.document
    issued = document.issued_on.isoformat() if document.issued_on else ""
    return f"{document.number}|{document.original_name}|{issued}|{item.locator}"


def report_fingerprint(assessment: Assessment) -> tuple[str, str]:
    """(identifier, content digest) of the assessment as it is now: what a generated report carries."""
    scores = (
        Score.objects.filter(assessment=assessment)
        .select_related("criterion")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("document")))
        .order_by("criterion__order", "criterion__code")
    )
    report_id = report_identifier(assessment)
    rows = [
        ScoreContent(
            code=score.criterion.code,
            declared_value=score.declared_value,
            self_points=score.self_points,
            is_na=score.is_na,
            na_reason=score.na_reason,
            note=score.note,
            no_evidence_reason=score.no_evidence_reason,
            evidence=tuple(_evidence_label(item) for item in score.evidence.all()),
        )
        for score in scores
    ]
    return report_id, content_digest(report_id=report_id, difficulties=assessment.difficulties, scores=rows)


def _bundle_certificates(path: str) -> list[tuple[str, bytes]]:
    from asn1crypto import pem, x509

    if not path:
        return []
    data = Path(path).read_bytes()
    blocks = [der for _type, _headers, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
    result = []
    for der in blocks:
        certificate = x509.Certificate.load(der)
        result.append((certificate.subject.human_friendly, der))
    return result


def trust_store() -> TrustStore:
    """The active trusted certificates of the admin list, and the roots of ``SIGNATURE_TRUST_ROOTS_FILE``."""
    roots, intermediates = [], []
    for name, is_root, der in TrustedCertificate.objects.filter(active=True).values_list("name", "is_root", "der"):
        (roots if is_root else intermediates).append((name, bytes(der)))
    roots.extend(_bundle_certificates(settings.SIGNATURE_TRUST_ROOTS_FILE))
    return TrustStore(roots=tuple(roots), intermediates=tuple(intermediates))


def report_signature_latest(assessment: Assessment) -> ReportSignature | None:
    """The signed report verified last for the assessment, with its file."""
    return (
        ReportSignature.objects.filter(assessment=assessment, state=SignatureState.VERIFIED)
        .select_related("document", "uploaded_by")
        .order_by("-verified_at", "-id")
        .first()
    )


def report_signature_states(assessment: Assessment) -> tuple[ReportSignature | None, ReportSignature | None]:
    """(the signed report verified last, the one uploaded after it when not verified: being verified or refused).
    One query when the last upload is verified or there is none, two otherwise."""
    latest = (
        ReportSignature.objects.filter(assessment=assessment)
        .select_related("document", "uploaded_by")
        .order_by("-verified_at", "-id")
        .first()
    )
    if latest is None or latest.state == SignatureState.VERIFIED:
        return latest, None
    return report_signature_latest(assessment), latest


def report_signature_display(assessment: Assessment) -> dict:
    """What the pages that show the signed report read (the summary, the grading page, the audit trail)."""
    verified, attempt = report_signature_states(assessment)
    return {"report_signature": verified, "report_signature_attempt": attempt}


# The admin's filter of a period's assessments by signature status.
SIGNATURE_CHECKED, SIGNATURE_UNCHECKED, SIGNATURE_NONE = "checked", "unchecked", "none"
SIGNATURE_PENDING = "pending"


def assessments_by_signature(queryset, status: str):
    """``queryset`` narrowed to the assessments whose signed report is verified with revocation checked, verified
    with revocation not checked (offline or no address), being verified, or that have no verified signed report
    (scan only)."""
    from django.db.models import Exists, OuterRef

    if status == SIGNATURE_PENDING:
        return queryset.filter(
            Exists(ReportSignature.objects.filter(assessment=OuterRef("pk"), state=SignatureState.PENDING))
        )
    signed = ReportSignature.objects.filter(assessment=OuterRef("pk"), state=SignatureState.VERIFIED)
    if status == SIGNATURE_CHECKED:
        return queryset.filter(Exists(signed.filter(revocation="checked")))
    if status == SIGNATURE_UNCHECKED:
        return queryset.filter(Exists(signed)).exclude(Exists(signed.filter(revocation="checked")))
    if status == SIGNATURE_NONE:
        return queryset.exclude(Exists(signed))
    return queryset


def publication_signatures(publication) -> list:
    """The city's signatures of a publication's files (annex PDF first), without their bytes."""
    from assessment.models import PublicationSignature

    order = {"pdf": 0, "csv": 1, "xlsx": 2, "json": 3}
    rows = list(PublicationSignature.objects.filter(publication=publication).defer("cms"))
    return sorted(rows, key=lambda row: order.get(row.format, 9))


def publication_signature_cms(publication, file_format: str) -> bytes | None:
    """The detached signature (.p7s) of one data file of a publication, or None."""
    from assessment.models import PublicationSignature

    cms = (
        PublicationSignature.objects.filter(publication=publication, format=file_format)
        .exclude(format="pdf")
        .values_list("cms", flat=True)
        .first()
    )
    return bytes(cms) if cms else None
