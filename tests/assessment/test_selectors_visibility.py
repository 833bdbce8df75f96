"""Who sees what, from one table: eight people × four kinds of object, through the selectors and through one page
of each kind (the portal for the unit's people, the admin for the others, the download for everybody)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from assessment.models import AssessmentEvent, Document, Score
from assessment.selectors.visibility import (
    assessments_visible_to,
    documents_visible_to,
    results_visible_to,
    scores_visible_to,
)
from tests.assessment.conftest import score_of

# person → (assessment of A, a score of it, a document of A, provisional results): visible or not.
# A is Sở Tài chính, its assessment submitted with its signed report; the appraiser is of Sở Nội vụ.
VISIBLE = {
    "unit_staff": (True, True, True, False),
    "unit_head": (True, True, True, False),
    "other_unit_staff": (False, False, False, False),
    "appraiser": (True, True, True, False),
    "coordinator": (True, True, True, True),
    "council_member": (True, True, True, True),
    "superuser": (True, True, True, True),
    "anonymous": (False, False, False, False),
}
KINDS = ("assessment", "score", "document", "results")
UNIT_PEOPLE = {"unit_staff", "unit_head", "other_unit_staff", "anonymous"}  # the portal is their face

# What the page answers when the object is not visible: 404 in the portal (another unit's data does not exist for
# them), 302 to the login page for the anonymous and for the portal's people in the admin, 403 for staff refused.
REFUSED = {
    ("other_unit_staff", "assessment"): 404,
    ("other_unit_staff", "score"): 404,
    ("other_unit_staff", "document"): 404,
    ("other_unit_staff", "results"): 302,
    ("unit_staff", "results"): 302,
    ("unit_head", "results"): 302,
    ("appraiser", "results"): 403,
    **{("anonymous", kind): 302 for kind in KINDS},
}
CASES = [(person, kind, VISIBLE[person][n]) for person in VISIBLE for n, kind in enumerate(KINDS)]


def test_the_table_covers_every_person_and_kind_once():
    assert len(CASES) == 32
    assert {(person, kind) for person, kind, visible in CASES if not visible} == set(REFUSED)


@pytest.fixture
def objects(submitted):
    leaf = score_of(submitted, "1.1.1")
    return {
        "assessment": submitted,
        "score": leaf,
        "document": Document.objects.get(pk=submitted.signed_report_id),
        "results": submitted.period,
    }


def person(request, name):
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


SELECTORS = {
    "assessment": assessments_visible_to,
    "score": scores_visible_to,
    "document": documents_visible_to,
    "results": results_visible_to,
}


@pytest.mark.parametrize(("name", "kind", "visible"), CASES)
def test_the_selector_answers_as_the_table(request, objects, name, kind, visible):
    user = person(request, name)
    assert SELECTORS[kind](user).filter(pk=objects[kind].pk).exists() is visible


def page_url(name: str, kind: str, objects) -> str:
    assessment = objects["assessment"]
    if kind == "document":
        return reverse("assessment:document-download", args=[objects["document"].pk])
    if kind == "results":
        return reverse("admin:assessment_period_results", args=[objects["results"].pk])
    if name in UNIT_PEOPLE:
        if kind == "assessment":
            return reverse("assessment:assessment-detail", args=[assessment.pk])
        return reverse("assessment:score-proposal", args=[assessment.pk, objects["score"].pk]) + "?declared_value=1"
    if kind == "assessment":
        return reverse("admin:assessment_assessment_grade", args=[assessment.pk])
    return reverse("admin:assessment_score_history", args=[objects["score"].pk])


def snapshot(assessment):
    assessment.refresh_from_db()
    return (
        assessment.status,
        AssessmentEvent.objects.count(),
        Score.history.count(),
        sorted(Score.objects.values_list("pk", "version")),
        Document.objects.count(),
    )


@pytest.mark.parametrize(("name", "kind", "visible"), CASES)
def test_the_page_of_each_kind_answers_as_the_table(request, client, objects, name, kind, visible):
    if name != "anonymous":
        client.force_login(person(request, name))
    before = snapshot(objects["assessment"])
    response = client.get(page_url(name, kind, objects))
    assert response.status_code == (200 if visible else REFUSED[(name, kind)])
    assert snapshot(objects["assessment"]) == before


def test_an_appraiser_does_not_see_a_units_draft_nor_its_documents(request, assessment, unit_staff, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.services import evidence_upload
    from tests.assessment.conftest import PDF_BYTES

    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES)
    )
    appraiser = request.getfixturevalue("appraiser")
    council = request.getfixturevalue("council_member")
    for reader in (appraiser, council):
        assert not assessments_visible_to(reader).filter(pk=assessment.pk).exists()
        assert not scores_visible_to(reader).filter(assessment=assessment).exists()
        assert not documents_visible_to(reader).filter(pk=evidence.document_id).exists()
    assert documents_visible_to(unit_staff).filter(pk=evidence.document_id).exists()
    assert (
        scores_visible_to(unit_staff).filter(assessment=assessment).count()
        == Score.objects.filter(assessment=assessment).count()
    )
