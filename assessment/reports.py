"""Printable documents (WeasyPrint, Vietnamese fonts from the system's DejaVu)."""

from django.template.loader import render_to_string
from django.utils import timezone

from assessment.models import AssessmentStatus, Criterion, Score
from assessment.selectors.portal import assessments_progress
from assessment.selectors.signatures import report_fingerprint
from assessment.signatures import DIGEST_KEY, REPORT_ID_KEY


def self_assessment_pdf(assessment) -> bytes:
    """The self-assessment report the unit head signs: every criterion with the unit's figures and evidence."""
    import weasyprint  # heavy: loaded only when a report is asked for

    criteria = list(Criterion.objects.filter(framework_id=assessment.framework_id).order_by("order"))
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment).prefetch_related("evidence__document")
    }
    for criterion in criteria:
        criterion.score = scores.get(criterion.pk)
    report_id, digest = report_fingerprint(assessment)  # checked again when the signed report comes back
    html = render_to_string(
        "assessment/report_self_assessment.html",
        {
            "assessment": assessment,
            "draft": assessment.status == AssessmentStatus.DRAFT,  # not submitted yet: marked on every page
            "criteria": criteria,
            "progress": assessments_progress([assessment.pk]).get(assessment.pk),
            "printed_at": timezone.localtime(),
            "report_id": report_id,
            "digest": digest,
            "report_id_key": REPORT_ID_KEY,
            "digest_key": DIGEST_KEY,
        },
    )
    return weasyprint.HTML(string=html).write_pdf(custom_metadata=True)
