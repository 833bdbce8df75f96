"""A small real PKI for the signature tests, built once per session with ``cryptography``.

A root ("Test Root CA") and an intermediate it issued; a signer, a revoked signer (revoked two days ago), an expired
signer (expired 35 days ago), a lapsed signer (expired 5 days ago) (all under the intermediate, naming a CRL
address); a time-stamping authority under the intermediate; an untrusted root with its own signer; the
intermediate's CRL listing the revoked one. Keys are EC P-256 (the TSA's RSA) so the PKI takes milliseconds.
"""

import datetime
import io
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_URL = "http://crl.pki.test/intermediate.crl"
NOW = datetime.datetime.now(datetime.UTC)
REVOKED_ON = (NOW - datetime.timedelta(days=2)).replace(microsecond=0)  # ``revoked``'s date in the CRL


def _name(common_name, organisation="Ban Cơ yếu Chính phủ (thử nghiệm)"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass
class Party:
    """A certificate with its key, in both libraries' shapes."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: list = field(default_factory=list)  # the issuing certificates above it (cryptography objects)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def asn1(self):
        return asn1_x509.Certificate.load(self.der)

    @property
    def key_info(self):
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    def signer(self):
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = self.key_info
        chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.chain]
        return signers.SimpleSigner(
            signing_cert=self.asn1, signing_key=key, cert_registry=SimpleCertificateStore.from_certs(chain)
        )


def _issue(
    subject,
    issuer: Party | None,
    *,
    ca,
    not_before=None,
    not_after=None,
    crl=False,
    serial=None,
    usage=None,
    rsa_key=False,
):
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before or NOW - datetime.timedelta(days=30))
        .not_valid_after(not_after or NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        ).add_extension(
            x509.ExtendedKeyUsage([usage or ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=usage is not None
        )
    if crl:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)]
            ),
            critical=False,
        )
    signing_key = issuer.key if issuer else key
    certificate = builder.sign(signing_key, hashes.SHA256())
    chain = ([issuer.certificate, *issuer.chain]) if issuer else []
    return Party(certificate, key, chain)


@dataclass
class Pki:
    root: Party
    intermediate: Party
    signer: Party
    revoked: Party
    expired: Party
    untrusted_root: Party
    untrusted_signer: Party
    crl: bytes  # DER, the intermediate's, listing ``revoked``
    lapsed: Party  # valid until 5 days ago
    tsa: Party  # a time-stamping authority (extended key usage timeStamping, critical)
    crl_revocation_date: datetime.datetime = REVOKED_ON

    def timestamper(self):
        """A time-stamping service answered by ``tsa`` (pyHanko's in-process TSA), at the current (travelled) time."""
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return DummyTimeStamper(
            tsa_cert=self.tsa.asn1,
            tsa_key=self.tsa.key_info,
            certs_to_embed=SimpleCertificateStore.from_certs([self.tsa.asn1, self.intermediate.asn1]),
        )


def build_pki() -> Pki:
    root = _issue(_name("Test Root CA"), None, ca=True, not_after=NOW + datetime.timedelta(days=3650))
    intermediate = _issue(_name("Test Intermediate CA"), root, ca=True)
    signer = _issue(_name("Nguyễn Văn An", "Sở Tư pháp Hà Nội"), intermediate, ca=False, crl=True)
    revoked = _issue(_name("Trần Thị Bình", "Sở Tư pháp Hà Nội"), intermediate, ca=False, crl=True)
    expired = _issue(
        _name("Lê Văn Cường", "Sở Tư pháp Hà Nội"),
        intermediate,
        ca=False,
        crl=True,
        not_before=NOW - datetime.timedelta(days=400),
        not_after=NOW - datetime.timedelta(days=35),
    )
    untrusted_root = _issue(_name("Untrusted Root CA", "Không ai biết"), None, ca=True)
    untrusted_signer = _issue(_name("Phạm Văn Dũng", "Không ai biết"), untrusted_root, ca=False)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(intermediate.certificate.subject)
        .last_update(NOW - datetime.timedelta(days=1))
        .next_update(NOW + datetime.timedelta(days=30))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.certificate.serial_number)
            .revocation_date(REVOKED_ON)
            .build()
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(intermediate.key.public_key()), False)
        .add_extension(x509.CRLNumber(1), False)
        .sign(intermediate.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    lapsed = _issue(
        _name("Hoàng Thị Dung", "Sở Tư pháp Hà Nội"),
        intermediate,
        ca=False,
        crl=True,
        not_before=NOW - datetime.timedelta(days=400),
        not_after=NOW - datetime.timedelta(days=5),
    )
    tsa = _issue(
        _name("Dịch vụ cấp dấu thời gian (thử nghiệm)"),
        intermediate,
        ca=False,
        usage=ExtendedKeyUsageOID.TIME_STAMPING,
        rsa_key=True,  # pyHanko's in-process TSA signs with RSA only
    )
    return Pki(root, intermediate, signer, revoked, expired, untrusted_root, untrusted_signer, crl, lapsed, tsa)


def sign_pdf(pdf: bytes, party: Party, *, field_name="Signature1", timestamper=None) -> bytes:
    """The PDF signed by ``party`` with pyHanko, as a unit head's signing tool would (an incremental update); its
    signing time (signed attribute) is the current time: travel with time_machine to sign in the past. With a
    ``timestamper`` the signature carries a timestamp token."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name=field_name),
        signer=party.signer(),
        timestamper=timestamper,
        output=out,
    )
    return out.getvalue()


def loop_signer(pki: Pki) -> Party:
    """A signer under two CAs that issued each other (a chain loop), neither trusted."""
    key_a, key_b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    name_a, name_b = _name("Loop CA A", "Vòng lặp"), _name("Loop CA B", "Vòng lặp")

    def ca(subject, issuer, public, signing):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(signing, hashes.SHA256())
        )

    cert_a = ca(name_a, name_b, key_a.public_key(), key_b)
    cert_b = ca(name_b, name_a, key_b.public_key(), key_a)
    issuer = Party(cert_a, key_a, [cert_b])
    return _issue(_name("Vòng Lặp", "Vòng lặp"), issuer, ca=False)


def crowded_signer(pki: Pki, count: int) -> Party:
    """The trusted signer, its signature carrying ``count`` extra self-signed certificates."""
    extra = [_issue(_name(f"Noise {index}", "Nhiễu"), None, ca=True).certificate for index in range(count)]
    return Party(pki.signer.certificate, pki.signer.key, [pki.intermediate.certificate, *extra])


def encrypted_copy(pdf: bytes, password: str = "matkhau") -> bytes:
    """The PDF protected by a password (AES-256), as pyHanko writes it."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt(password, password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def altered_after_signing(signed: bytes) -> bytes:
    """An incremental update after the signature that changes the report's content (a new title)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
