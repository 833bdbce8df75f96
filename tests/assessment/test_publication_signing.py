"""Issue 15: the city signs what it publishes when its key is configured (PKCS#12), once, at publication; the
annex PDF and the detached .p7s signatures verified with pyHanko; without a key nothing is signed."""

import asyncio
import io

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_detached_cms, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from assessment.models import PublicationFile, PublicationSignature
from tests.assessment.conftest import publish
from tests.assessment.pki import build_pki


@pytest.fixture(scope="module")
def pki():
    return build_pki()


@pytest.fixture
def city_key(settings, tmp_path, pki):
    path = tmp_path / "ubnd.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ubnd",
            pki.signer.key,
            pki.signer.certificate,
            [pki.intermediate.certificate],
            BestAvailableEncryption(b"mat-khau"),
        )
    )
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(path), "mat-khau"


def context(pki):
    return ValidationContext(trust_roots=[pki.root.asn1], other_certs=[pki.intermediate.asn1], crls=[pki.crl])


def test_the_annex_and_the_data_files_are_signed_once_at_publication(client, graded_period, coordinator, pki, city_key):
    publication = publish(graded_period, coordinator)
    assert sorted(PublicationSignature.objects.values_list("format", "signer")) == [
        ("csv", "Sở Tư pháp Hà Nội"),
        ("json", "Sở Tư pháp Hà Nội"),
        ("pdf", "Sở Tư pháp Hà Nội"),
        ("xlsx", "Sở Tư pháp Hà Nội"),
    ]
    assert sorted(PublicationFile.objects.filter(publication=publication).values_list("format", flat=True)) == [
        "csv",
        "json",
        "pdf",
        "xlsx",
    ]
    download = reverse("public:results-download", args=[2023, "pdf"])
    annex = client.get(download).content
    assert client.get(download).content == annex  # served as stored, byte for byte
    reader = PdfFileReader(io.BytesIO(annex))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(signature, context(pki))
    assert (status.intact, status.valid, status.trusted, status.revoked) == (True, True, True, False)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    rect = [float(value) for value in signature.sig_field["/Rect"]]
    assert rect == [571.0, 20.0, 811.0, 80.0]  # a visible signature block, bottom right of the last page
    assert signature.sig_field["/P"].get_object() == reader.root["/Pages"]["/Kids"][-1].get_object()

    for file_format in ("csv", "xlsx", "json"):
        data = client.get(reverse("public:results-download", args=[2023, file_format])).content
        response = client.get(reverse("public:results-signature", args=[2023, file_format]))
        assert response["Content-Type"] == "application/pkcs7-signature"
        assert response["Content-Disposition"] == f'attachment; filename="chi-so-cchc-2023-v1.{file_format}.p7s"'
        signed_data = cms.ContentInfo.load(response.content)["content"]
        status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=context(pki)))
        assert (status.intact, status.valid, status.trusted) == (True, True, True)
        tampered = asyncio.run(
            async_validate_detached_cms(data + b" ", signed_data, signer_validation_context=context(pki))
        )
        assert tampered.intact is False
    assert client.get(reverse("public:results-signature", args=[2023, "pdf"])).status_code == 404

    page = client.get(reverse("public:results-period", args=[2023])).content.decode()
    assert "Các tệp công bố được ký số bởi Sở Tư pháp Hà Nội:" in page
    assert "openssl cms -verify" in page
    assert reverse("public:results-signature", args=[2023, "csv"]) in page


def test_without_a_key_nothing_is_signed_and_the_page_says_so(client, graded_period, coordinator, settings):
    settings.SIGNING_PKCS12_PATH = ""
    publish(graded_period, coordinator)
    assert not PublicationSignature.objects.exists()
    assert not PublicationFile.objects.exists()  # made lazily on the first download, as before
    annex = client.get(reverse("public:results-download", args=[2023, "pdf"])).content
    assert PdfFileReader(io.BytesIO(annex)).embedded_signatures == []
    assert client.get(reverse("public:results-signature", args=[2023, "csv"])).status_code == 404
    page = client.get(reverse("public:results-period", args=[2023])).content.decode()
    assert "Các tệp công bố chưa được ký số: chưa cấu hình khóa ký của Thành phố." in page
