"""Issue 15 in a real browser: the head downloads the report, signs it digitally (pyHanko stands in for their
signing tool and token, with a timestamping service), uploads it beside the scan and sees the verification, its
signing time from the trusted timestamp, in Vietnamese (the verification job runs in the process: no broker)."""

import hashlib
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment import signatures
from assessment.models import Assessment, Framework, ReportSignature, TrustedCertificate
from assessment.resources import CriterionResource
from assessment.services import framework_activate
from cchc.imports import import_table, read_table
from tests.assessment.conftest import AGENCIES, SAMPLE, complete, open_period
from tests.assessment.pki import build_pki, sign_pdf
from tests.e2e.test_self_assessment import sign_in
from tests.factories import BlockFactory, UnitFactory, UserFactory


def test_the_head_uploads_a_digitally_signed_report_and_sees_the_verification(
    page, screenshot, tmp_path, private_storage, monkeypatch
):
    pki = build_pki()
    monkeypatch.setattr(signatures, "revocation_sources", lambda: {"allow_fetching": False, "crls": [pki.crl]})
    for name, party, is_root in (("Root CA thử nghiệm", pki.root, True), ("CA trung gian", pki.intermediate, False)):
        TrustedCertificate.objects.create(
            name=name,
            is_root=is_root,
            der=party.der,
            subject=party.certificate.subject.rfc4514_string(),
            sha256=hashlib.sha256(party.der).hexdigest(),
            valid_until=party.certificate.not_valid_after_utc,
        )
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    for code, name in AGENCIES.items():
        UnitFactory(code=code, name=name, block=block)
    finance = UnitFactory(code="so-tai-chinh", block=block)
    framework = Framework.objects.create(block=block, name="Bộ chỉ số khối Sở", first_year=2024)
    import_table(CriterionResource(framework), read_table(SAMPLE.read_bytes(), SAMPLE.name), commit=True)
    framework_activate(framework=framework, actor=None)
    open_period(framework, units=[finance])
    assessment = Assessment.objects.get(unit=finance)
    head = UserFactory(username="lanhdao", full_name="Đỗ Quang Huy")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=finance, actor=None)
    complete(assessment, head)

    sign_in(page, "lanhdao")
    page.goto(f"/assessments/{assessment.pk}/summary/")
    card = page.get_by_test_id("report-signature")
    expect(card).to_contain_text("Chưa có báo cáo ký số")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải báo cáo (PDF)").click()
    report = tmp_path / "bao-cao.pdf"
    download.value.save_as(report)
    signed = tmp_path / "bao-cao-ky-so.pdf"
    with ThreadPoolExecutor(1) as pool:  # pyHanko's sync API runs its own event loop: not in Playwright's thread
        signed.write_bytes(
            pool.submit(sign_pdf, report.read_bytes(), pki.signer, timestamper=pki.timestamper()).result()
        )

    card.get_by_label("Báo cáo ký số (tệp PDF đã ký bằng chữ ký số của anh/chị)").set_input_files(str(signed))
    card.get_by_role("button", name="Tải lên và xác minh").click()

    expect(page.get_by_text("Báo cáo ký số của Nguyễn Văn An đã được xác minh.")).to_be_visible()
    result = page.get_by_test_id("signature-result")
    expect(result).to_contain_text("Chữ ký hợp lệ")
    expect(result).to_contain_text("Sở Tư pháp Hà Nội")
    expect(result).to_contain_text("Root CA thử nghiệm")
    expect(result).to_contain_text("đã kiểm tra, chưa bị thu hồi")
    expect(result.get_by_role("link", name="bao-cao-ky-so.pdf")).to_be_visible()
    expect(result.get_by_test_id("signing-time")).to_contain_text("(dấu thời gian tin cậy)")
    expect(result).to_contain_text("Còn hiệu lực tại thời điểm ký")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot("signed-report-verified")
    page.set_viewport_size({"width": 390, "height": 844})
    card.scroll_into_view_if_needed()
    screenshot("signed-report-verified-phone")
    assert ReportSignature.objects.get().assessment_id == assessment.pk
