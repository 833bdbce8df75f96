"""Issue 15: the city signs what it publishes when its key is configured (PKCS#12 file or PKCS#11 token), once, at
publication; the annex PDF and the detached .p7s signatures verified with pyHanko; without a key nothing is signed.

The PKCS#11 token is SoftHSM's (Debian's softhsm2), initialised for the session in a temporary directory (its own
SOFTHSM2_CONF), with the test PKI's signer key (softhsm2-util --import) and its certificate and the intermediate's
(written with python-pkcs11)."""

import asyncio
import io
import os
import shutil
import subprocess

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import serialization
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


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL, USER_PIN, KEY_LABEL = "UBND Ha Noi", "246810", "ubnd-ky-so"


@pytest.fixture(scope="module")
def softhsm_token(tmp_path_factory, pki):
    """A SoftHSM token holding the signer's key and certificate and the intermediate certificate. Without SoftHSM
    the test skips, except in CI (CI=true), where it must run (.ci/run installs softhsm2)."""
    if shutil.which("softhsm2-util") is None or not os.path.exists(SOFTHSM_MODULE):
        if os.environ.get("CI") == "true":
            pytest.fail("SoftHSM (softhsm2) is missing: CI must run the PKCS#11 test (.ci/run installs it)")
        pytest.skip("needs SoftHSM: apt-get install -y softhsm2")
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    saved = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)  # read by SoftHSM when the module is first initialised
    key = directory / "key.pem"
    key.write_bytes(
        pki.signer.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    run = {"check": True, "capture_output": True, "env": {**os.environ}}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin", "135791", "--pin", USER_PIN],
        **run,
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(key), "--token", TOKEN_LABEL, "--label", KEY_LABEL, "--id", "01"]
        + ["--pin", USER_PIN],
        **run,
    )
    key.unlink()
    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        for label, party, identifier in ((KEY_LABEL, pki.signer, b"\x01"), ("trung-gian", pki.intermediate, b"\x02")):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: identifier,
                    Attribute.SUBJECT: party.asn1.subject.dump(),
                    Attribute.VALUE: party.der,
                }
            )
    yield directory
    if saved is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = saved


@pytest.fixture
def city_token(settings, softhsm_token, tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text(USER_PIN + "\n")
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_PKCS11_MODULE, settings.SIGNING_PKCS11_TOKEN_LABEL = SOFTHSM_MODULE, TOKEN_LABEL
    settings.SIGNING_PKCS11_PIN, settings.SIGNING_PKCS11_PIN_FILE = "", str(pin_file)
    settings.SIGNING_PKCS11_KEY_LABEL, settings.SIGNING_PKCS11_CERT_LABEL = KEY_LABEL, ""
    settings.SIGNING_PKCS11_RAW_MECHANISM = True  # SoftHSM signs EC keys with CKM_ECDSA only (no ECDSA-SHA256)


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


def test_with_the_key_on_a_pkcs11_token_the_annex_and_the_files_are_signed_at_publication(
    client, graded_period, coordinator, pki, city_token
):
    publication = publish(graded_period, coordinator)
    assert sorted(PublicationSignature.objects.values_list("format", "signer")) == [
        ("csv", "Sở Tư pháp Hà Nội"),
        ("json", "Sở Tư pháp Hà Nội"),
        ("pdf", "Sở Tư pháp Hà Nội"),
        ("xlsx", "Sở Tư pháp Hà Nội"),
    ]
    annex = client.get(reverse("public:results-download", args=[2023, "pdf"])).content
    (signature,) = PdfFileReader(io.BytesIO(annex)).embedded_signatures
    status = validate_pdf_signature(signature, context(pki))
    assert (status.intact, status.valid, status.trusted, status.revoked) == (True, True, True, False)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.dump() == pki.signer.der  # the token's key and certificate
    embedded = [certificate.chosen.dump() for certificate in signature.signed_data["certificates"]]
    assert pki.intermediate.der in embedded  # the chain pulled from the token
    assert PublicationFile.objects.filter(publication=publication).count() == 4
    content = client.get(reverse("public:results-download", args=[2023, "json"])).content
    cms_bytes = client.get(reverse("public:results-signature", args=[2023, "json"])).content
    signed_data = cms.ContentInfo.load(cms_bytes)["content"]
    status = asyncio.run(async_validate_detached_cms(content, signed_data, signer_validation_context=context(pki)))
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
