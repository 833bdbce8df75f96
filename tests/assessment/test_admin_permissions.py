"""Who may do what in the appraisal admin: every page, action, import and download, for every role.

Each denied write is checked for what it must not have changed.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import Assessment, AssessmentEvent, Score
from assessment.services import evidence_upload
from tests.assessment.conftest import PDF_BYTES, score_of
from tests.assessment.test_admin_appraisal import grades_csv

ROLES = ["appraiser_x", "appraiser_y", "unit_staff", "unit_head", "coordinator", "council", "anonymous"]
OK, LOGIN, FORBIDDEN, MISSING = 200, 302, 403, 404


@pytest.fixture
def users(appraiser, justice_appraiser, unit_staff, unit_head, coordinator, council_member):
    return {
        "appraiser_x": appraiser,  # Sở Nội vụ: grades field 1 of Sở Tài chính
        "appraiser_y": justice_appraiser,  # Sở Tư pháp: grades field 2
        "unit_staff": unit_staff,
        "unit_head": unit_head,
        "coordinator": coordinator,
        "council": council_member,
        "anonymous": None,
    }


@pytest.fixture
def world(assessment, unit_staff, unit_head):
    """Sở Tài chính submitted with a piece of evidence on 1.1.1 (Sở Nội vụ's criterion)."""
    from assessment.services import assessment_submit
    from tests.assessment.conftest import complete

    complete(assessment, unit_head)
    leaf = score_of(assessment, "1.1.1")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES + b"m"))
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    assessment.refresh_from_db()
    return {"assessment": assessment, "leaf": score_of(assessment, "1.1.1"), "document": evidence.document}


def as_(client, users, role):
    client.logout()
    if users[role] is not None:
        client.force_login(users[role])
    return client


def page_urls(world):
    assessment, leaf = world["assessment"], world["leaf"]
    return {
        "index": reverse("admin:index"),
        "queue": reverse("admin:assessment_score_changelist"),
        "assessments": reverse("admin:assessment_assessment_changelist"),
        "grading page": reverse("admin:assessment_assessment_grade", args=[assessment.pk]),
        "audit": reverse("admin:assessment_assessment_audit", args=[assessment.pk]),
        "leaf history": reverse("admin:assessment_score_history", args=[leaf.pk]),
        "return form": reverse("admin:assessment_assessment_round", args=[assessment.pk, "return"]),
        "grades import": reverse("admin:assessment_score_import"),
        "grades export": reverse("admin:assessment_score_export"),
        "evidence download": reverse("assessment:document-download", args=[world["document"].pk]),
        "signed report": reverse("assessment:document-download", args=[assessment.signed_report_id]),
    }


EXPECTED_PAGES = {
    #                     appr. X  appr. Y  staff  head   coord.  council anonymous
    "index": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "queue": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "assessments": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "grading page": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "audit": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "leaf history": (OK, MISSING, LOGIN, LOGIN, OK, OK, LOGIN),
    "return form": (FORBIDDEN, FORBIDDEN, LOGIN, LOGIN, OK, FORBIDDEN, LOGIN),
    "grades import": (OK, OK, LOGIN, LOGIN, OK, FORBIDDEN, LOGIN),
    "grades export": (OK, OK, LOGIN, LOGIN, OK, OK, LOGIN),
    "evidence download": (OK, OK, OK, OK, OK, OK, LOGIN),
    "signed report": (OK, OK, OK, OK, OK, OK, LOGIN),
}


@pytest.mark.parametrize("page", list(EXPECTED_PAGES))
def test_pages(client, users, world, page):
    url = page_urls(world)[page]
    got = tuple(as_(client, users, role).get(url).status_code for role in ROLES)
    assert got == EXPECTED_PAGES[page]


def test_a_unit_of_another_block_cannot_download(client, world, other_unit_staff):
    client.force_login(other_unit_staff)
    assert client.get(reverse("assessment:document-download", args=[world["document"].pk])).status_code == MISSING


def state(world):
    assessment = Assessment.objects.get(pk=world["assessment"].pk)
    leaf = Score.objects.get(pk=world["leaf"].pk)
    return (
        assessment.status,
        AssessmentEvent.objects.filter(assessment=assessment).count(),
        leaf.appraised_points,
        leaf.version,
        Score.history.filter(id=leaf.pk).count(),
    )


def grading_post(client, world):
    from tests.assessment.test_admin_appraisal import grading_data

    leaf = world["leaf"]
    url = reverse("admin:assessment_assessment_grade", args=[world["assessment"].pk])
    page = client.get(url)
    data = {f"g{leaf.pk}-version": str(leaf.version), f"g{leaf.pk}-points": "0,5", f"g{leaf.pk}-comment": "x"}
    if page.status_code == 200:
        data = grading_data(page, {leaf.pk: {"points": "0,5", "comment": "x"}}) or data
    return client.post(url, data)


def queue_post(client, world):
    leaf = world["leaf"]
    return client.post(
        reverse("admin:assessment_score_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(leaf.pk),
            "form-0-version": str(leaf.version),
            "form-0-appraised_points": "0,5",
            "form-0-appraised_comment": "x",
            "form-0-na_confirmed": "unknown",
            "_save": "1",
        },
    )


def import_post(client, world):
    preview = client.post(
        reverse("admin:assessment_score_import"),
        {
            "period": world["assessment"].period_id,
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("g.csv", grades_csv(["so-tai-chinh", "1.1.1", "0,5", "x"])),
        },
    )
    confirm = preview.context.get("confirm_form") if preview.status_code == 200 else None
    if confirm is None:  # refused, or the preview found a problem: there is nothing to confirm
        return preview
    return client.post(reverse("admin:assessment_score_process_import"), {**confirm.initial, "resource": "0"})


def return_post(client, world):
    return client.post(
        reverse("admin:assessment_assessment_round", args=[world["assessment"].pk, "return"]), {"reason": "x"}
    )


def approve_action(client, world):
    return client.post(
        reverse("admin:assessment_assessment_changelist"),
        {
            "action": "approve",
            "_selected_action": [world["assessment"].pk],
            "apply": "1",
            "decision_number": "1/QĐ",
            "decision_date": "01/01/2025",
        },
    )


WRITES = {
    "grading page": (grading_post, {"appraiser_x", "coordinator"}),
    "queue": (queue_post, {"appraiser_x", "coordinator"}),
    "return": (return_post, set()),  # nothing is graded yet: refused even for Home Affairs
    "approve action": (approve_action, set()),  # not in the council round: refused for everybody
    "grades import": (import_post, {"appraiser_x", "coordinator"}),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_writes(client, users, world, write, role):
    post, allowed = WRITES[write]
    before = state(world)
    response = post(as_(client, users, role), world)
    after = state(world)
    if role in allowed:
        assert after[2] == Decimal("0.50")
        assert after[3] == before[3] + 1
    else:
        assert after == before, response.status_code
        if role in ("unit_staff", "unit_head", "anonymous"):
            assert response.status_code == LOGIN


def test_home_affairs_can_return_once_everything_is_graded(client, users, world, appraiser, justice_appraiser):
    from tests.assessment.conftest import grade_all

    coordinator = users["coordinator"]
    grade_all(
        {
            "so-noi-vu": appraiser,
            "so-tu-phap": justice_appraiser,
            "van-phong-ubnd-thanh-pho": coordinator,
            "so-tai-chinh": coordinator,
            "so-ke-hoach-va-dau-tu": coordinator,
            "so-thong-tin-va-truyen-thong": coordinator,
        },
        world["assessment"],
    )
    for role in ("appraiser_x", "appraiser_y", "council"):
        assert return_post(as_(client, users, role), world).status_code == FORBIDDEN
    assert Assessment.objects.get(pk=world["assessment"].pk).status == "under_appraisal"
    assert return_post(as_(client, users, "coordinator"), world).status_code == LOGIN
    assert Assessment.objects.get(pk=world["assessment"].pk).status == "returned"
