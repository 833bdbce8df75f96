"""Benchmark of issue 15: verifying a 50-page signed report (target: under 2 s on this machine).

Builds a throwaway PKI (root, intermediate, RSA-2048 signer naming a CRL, as the Vietnamese public CAs issue),
renders a 50-page report with WeasyPrint, signs it with pyHanko and times the two parts: the checks made in the
upload request (``inspect_signed_pdf``: structure, byte ranges, identifier and digest read) and the background
job's verification (``verify_signed_pdf``: chain at the signing time, revocation, coverage) with the CRL handed
over (revocation checked) and without it (offline: the strict pass fails, the lenient one runs too). Beside them,
measured in the same run, the anchor: SHA-256 of 64 MiB (the machine's speed at that moment, to compare runs).
Touches no database.
"""

import datetime
import hashlib
import io
import statistics
import time

from django.core.management.base import BaseCommand

from assessment.signatures import TrustStore, inspect_signed_pdf, verify_signed_pdf

ANCHOR_BYTES = b"\0" * (64 * 1024 * 1024)


def _anchor() -> float:
    started = time.perf_counter()
    hashlib.sha256(ANCHOR_BYTES).digest()
    return time.perf_counter() - started


def _pki():
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def issue(name, issuer=None, *, ca):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer[0].subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        else:
            usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        builder = builder.add_extension(usage, critical=True)
        if not ca:
            point = x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://crl.bench.test/i.crl")], None, None, None
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        return builder.sign(issuer[1] if issuer else key, hashes.SHA256()), key

    root = issue("Bench Root", ca=True)
    intermediate = issue("Bench Intermediate", root, ca=True)
    signer = issue("Bench Signer", intermediate, ca=False)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(intermediate[0].subject)
        .last_update(now - datetime.timedelta(days=1))
        .next_update(now + datetime.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), False)
        .sign(intermediate[1], hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )

    def der(certificate):
        return certificate.public_bytes(serialization.Encoding.DER)

    signing_key = keys.PrivateKeyInfo.load(
        signer[1].private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return der(root[0]), der(intermediate[0]), asn1_x509.Certificate.load(der(signer[0])), signing_key, crl


class Command(BaseCommand):
    help = "Print how long verifying a 50-page signed report takes (issue 15; target under 2 s)."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=50)
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args, pages, runs, **options):
        import weasyprint
        from asn1crypto import x509 as asn1_x509
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from assessment import signatures

        root, intermediate, certificate, key, crl = _pki()
        rows = "".join(f"<tr><td>{n}</td><td>{'Tiêu chí thành phần ' * 8}</td><td>1,00</td></tr>" for n in range(40))
        html = "".join(f'<table style="page-break-after: always">{rows}</table>' for _ in range(pages))
        pdf = weasyprint.HTML(string=f"<html><body>{html}</body></html>").write_pdf()
        signer = signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(intermediate)]),
        )
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            signers.PdfSignatureMetadata(field_name="Sig"),
            signer=signer,
            output=out,
        )
        data = out.getvalue()
        store = TrustStore(roots=(("Bench Root", root),))
        original = signatures.revocation_sources
        self.stdout.write(
            f"signed report: {pages} pages, {len(data) / 1024:.0f} KiB, RSA-2048 signer, {runs} runs each"
        )
        try:
            signatures.revocation_sources = lambda: {"allow_fetching": False, "crls": [crl]}
            anchors, times = [], []
            for _run in range(runs):
                anchors.append(_anchor())
                started = time.perf_counter()
                inspection = inspect_signed_pdf(data, store)
                times.append(time.perf_counter() - started)
            assert not inspection.all_problems(), inspection.all_problems()
            self.stdout.write(
                f"upload request (structure, byte ranges, identifier read): median {statistics.median(times):.3f} s, "
                f"max {max(times):.3f} s"
            )
            for label, sources in (
                ("job, revocation checked (CRL at hand)", {"allow_fetching": False, "crls": [crl]}),
                ("job, offline (no CRL: strict then lenient pass)", {"allow_fetching": False}),
            ):
                signatures.revocation_sources = lambda sources=sources: sources
                times = []
                for _run in range(runs):
                    anchors.append(_anchor())
                    started = time.perf_counter()
                    result = verify_signed_pdf(data, store)
                    times.append(time.perf_counter() - started)
                assert result.signatures and result.signatures[0].trusted, result.all_problems()
                self.stdout.write(
                    f"{label}: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
                    f"(revocation: {result.signatures[0].revocation}; target < 2 s)"
                )
            self.stdout.write(f"anchor (SHA-256 of 64 MiB, same run): median {statistics.median(anchors):.3f} s")
        finally:
            signatures.revocation_sources = original
