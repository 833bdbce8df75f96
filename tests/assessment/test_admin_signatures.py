"""Issue 15 in the admin: the verification on the grading page and the audit trail, the period's assessments
filtered by signature status, and Home Affairs' list of trusted certificates."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import ReportSignature, TrustedCertificate
from tests.assessment.pki import build_pki
from tests.factories import AssessmentFactory, DocumentFactory, PeriodFactory, UserFactory


@pytest.fixture(scope="module")
def pki():
    return build_pki()


def signed(assessment, revocation):
    document = DocumentFactory(unit=assessment.unit, original_name="bao-cao-ky-so.pdf")
    return ReportSignature.objects.create(
        assessment=assessment,
        state="verified",
        document=document,
        report_id=f"CCHC-{assessment.period.year}-{assessment.unit.code}-{assessment.pk}",
        content_sha256="ab" * 32,
        signer_name="Nguyễn Văn An",
        signer_organisation="Sở Tư pháp Hà Nội",
        trust_root="Root CA thử nghiệm",
        revocation=revocation,
        signatures=[
            {
                "number": 1,
                "signer": "Nguyễn Văn An",
                "organisation": "Sở Tư pháp Hà Nội",
                "signed_at": "2026-11-30T10:00:00+00:00",
                "trust_root": "Root CA thử nghiệm",
                "intact": True,
                "covers_document": True,
                "trusted": True,
                "revocation": revocation,
                "problems": [],
            }
        ],
        uploaded_by=document.uploaded_by,
    )


@pytest.fixture
def period_world(db, private_storage):
    period = PeriodFactory(year=2030)
    checked, offline, scan, pending, refused = (AssessmentFactory(period=period, status="submitted") for _ in range(5))
    signed(checked, "checked")
    signed(offline, "offline")
    attempt(pending, "pending")
    attempt(
        refused,
        "refused",
        ["Chữ ký 1 (Phạm Văn Dũng): chứng thư số không thuộc tổ chức chứng thực mà Sở Nội vụ tin cậy."],
    )
    return {"checked": checked, "offline": offline, "scan": scan, "pending": pending, "refused": refused}


def attempt(assessment, state, problems=()):
    """A signed report uploaded, being verified (with its file) or refused by the verification (without)."""
    document = DocumentFactory(unit=assessment.unit, original_name="ky-so.pdf") if state == "pending" else None
    return ReportSignature.objects.create(
        assessment=assessment,
        state=state,
        document=document,
        report_id=f"CCHC-{assessment.period.year}-{assessment.unit.code}-{assessment.pk}",
        content_sha256="ab" * 32,
        problems=list(problems),
        uploaded_by=UserFactory(),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("checked", ["checked"]),
        ("unchecked", ["offline"]),
        ("pending", ["pending"]),
        ("none", ["scan", "pending", "refused"]),
    ],
)
def test_home_affairs_lists_the_periods_assessments_by_signature_status(
    client, coordinator, period_world, value, expected, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:assessment_assessment_changelist"), {"signature": value})
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [period_world[key].pk for key in expected]
    assert "chữ ký số" in response.content.decode()


def test_the_grading_page_and_the_audit_trail_show_the_verification(client, coordinator, appraiser, period_world):
    assessment = period_world["offline"]
    for user in (coordinator, appraiser):
        client.force_login(user)
        for name in ("admin:assessment_assessment_grade", "admin:assessment_assessment_audit"):
            page = client.get(reverse(name, args=[assessment.pk])).content.decode()
            assert "Báo cáo ký số" in page
            assert "Nguyễn Văn An" in page and "Sở Tư pháp Hà Nội" in page and "Root CA thử nghiệm" in page
            assert "chưa kiểm tra (ngoại tuyến)" in page
            assert "Thời điểm ký" in page and "17:00 30/11/2026 (theo công cụ ký của người ký)" in page
    page = client.get(reverse("admin:assessment_assessment_grade", args=[period_world["scan"].pk])).content.decode()
    assert "Chứng thư gốc" not in page


def test_the_grading_page_and_the_audit_trail_show_a_verification_in_progress_or_refused(
    client, coordinator, period_world
):
    client.force_login(coordinator)
    for name in ("admin:assessment_assessment_grade", "admin:assessment_assessment_audit"):
        page = client.get(reverse(name, args=[period_world["pending"].pk])).content.decode()
        assert 'data-state="pending"' in page and "Đang kiểm tra" in page and "ky-so.pdf" in page
        assert "Chứng thư gốc" not in page
        page = client.get(reverse(name, args=[period_world["refused"].pk])).content.decode()
        assert 'data-state="refused"' in page and "Không được chấp nhận" in page
        assert "Chữ ký 1 (Phạm Văn Dũng): chứng thư số không thuộc tổ chức chứng thực mà Sở Nội vụ tin cậy." in page


def test_home_affairs_adds_a_trusted_root_from_its_pem_file(client, coordinator, pki):
    client.force_login(coordinator)
    url = reverse("admin:assessment_trustedcertificate_add")
    response = client.post(
        url,
        {"name": "Root CA thử nghiệm", "is_root": "on", "certificate": SimpleUploadedFile("root.pem", pki.root.pem)},
    )
    assert response.status_code == 302
    trusted = TrustedCertificate.objects.get()
    assert (trusted.name, trusted.is_root, trusted.active) == ("Root CA thử nghiệm", True, True)
    assert bytes(trusted.der) == pki.root.der
    assert trusted.sha256 == hashlib.sha256(pki.root.der).hexdigest()
    assert trusted.subject == "Common Name: Test Root CA, Organization: Ban Cơ yếu Chính phủ (thử nghiệm), Country: VN"
    again = client.post(
        url, {"name": "Lần nữa", "is_root": "on", "certificate": SimpleUploadedFile("root.der", pki.root.der)}
    )
    assert "Chứng thư số này đã có trong danh sách." in again.content.decode()
    junk = client.post(url, {"name": "Rác", "certificate": SimpleUploadedFile("x.pem", b"not a certificate")})
    assert "Tệp không phải chứng thư số X.509 (PEM hoặc DER)." in junk.content.decode()
    assert TrustedCertificate.objects.count() == 1


def test_only_home_affairs_sees_and_manages_the_trusted_certificates(
    client, appraiser, council_member, unit_head, coordinator, pki
):
    changelist = reverse("admin:assessment_trustedcertificate_changelist")
    add = reverse("admin:assessment_trustedcertificate_add")
    for user in (appraiser, council_member):
        client.force_login(user)
        assert client.get(changelist).status_code == 403
        posted = client.post(add, {"name": "X", "certificate": SimpleUploadedFile("r.pem", pki.root.pem)})
        assert posted.status_code == 403
    client.force_login(unit_head)
    assert client.get(changelist).status_code == 302  # not admin staff: sent to the admin's login
    client.force_login(coordinator)
    assert client.get(changelist).status_code == 200
    assert TrustedCertificate.objects.count() == 0
