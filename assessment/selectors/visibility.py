"""Who sees what: one selector per kind of object (assessments, scores, documents, provisional results), built on
``policy.assessment_scope``. The portal, the admin, the exports and the downloads start here.

Imports Django, ``accounts.selectors``, the policy and the models; never a service, a view or the admin."""

from django.db.models import Q, QuerySet

from accounts.selectors import user_access
from assessment import policy
from assessment.models import Assessment, Document, ImportJob, Period, ReportSignature, Score


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """Assessments ``user`` may read (``policy.assessment_scope``): all for Home Affairs; their own unit's; every
    submitted one for appraisers and the council."""
    return Assessment.objects.filter(policy.assessment_scope(user)).select_related("period", "unit__block", "framework")


def scores_visible_to(user) -> QuerySet[Score]:
    """Score rows ``user`` may read: those of the assessments they may read."""
    return Score.objects.filter(policy.assessment_scope(user, prefix="assessment__"))


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents ``user`` may download: their own unit's library, and the evidence and signed reports of the
    assessments they may read (a unit's drafts stay its own until it submits); all for Home Affairs."""
    if policy.is_coordinator(user):
        return Document.objects.all()
    access = user_access(user)
    allowed = Q(pk__in=[]) if access.unit is None else Q(unit_id=access.unit.pk)
    visible = Assessment.objects.filter(policy.assessment_scope(user))
    allowed |= Q(evidence__score__assessment__in=visible) | Q(pk__in=visible.values("signed_report"))
    allowed |= Q(pk__in=ReportSignature.objects.filter(assessment__in=visible).values("document"))  # issue 15
    return Document.objects.filter(allowed).distinct()


def results_visible_to(user) -> QuerySet[Period]:
    """Periods whose provisional results (before publication) ``user`` may read: Home Affairs and the council."""
    return Period.objects.all() if policy.reads_provisional_results(user) else Period.objects.none()


def imports_visible_to(user) -> QuerySet[ImportJob]:
    """Background imports whose progress ``user`` may read: their own; all of them for Home Affairs."""
    if policy.is_coordinator(user):
        return ImportJob.objects.all()
    if user is None or not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(started_by=user)
