"""The city signs what it publishes (issue 15): at publication, when a signing key is configured, the annex PDF is
signed with a visible signature block and each data file (CSV, XLSX, JSON) gets a detached CMS signature (.p7s).
The key is on a PKCS#11 token (``SIGNING_PKCS11_MODULE``, the token's label, its PIN, the key's and certificate's
labels: a USB token or an HSM, the key never leaves it) or in a PKCS#12 file (``SIGNING_PKCS12_PATH`` and
``SIGNING_PKCS12_PASSWORD``); the token wins when both are set. The files are made and stored once, here, so every
later download is byte-identical to what was signed. Without a key nothing is signed."""

import asyncio
import contextlib
import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from assessment.exports import BUILDERS, publication_file_store
from assessment.models import PublicationFile, PublicationSignature
from assessment.selectors.results import publication_tables

DATA_FORMATS = ("csv", "xlsx", "json")
STAMP_SIZE = (240, 60)  # points, at the bottom right of the last page


def signing_configured() -> bool:
    return bool(settings.SIGNING_PKCS11_MODULE or settings.SIGNING_PKCS12_PATH)


def _pkcs11_pin() -> str | None:
    """The token's user PIN: ``SIGNING_PKCS11_PIN``, else the first line of ``SIGNING_PKCS11_PIN_FILE``, else none
    (a token with a PIN pad asks for it itself)."""
    if settings.SIGNING_PKCS11_PIN:
        return settings.SIGNING_PKCS11_PIN
    if settings.SIGNING_PKCS11_PIN_FILE:
        return Path(settings.SIGNING_PKCS11_PIN_FILE).read_text(encoding="utf-8").splitlines()[0].strip()
    return None


@contextlib.contextmanager
def _signer():
    """The city's signer for the time of a publication: on the PKCS#11 token (its session closed afterwards) when
    one is configured, else from the PKCS#12 file."""
    from pyhanko.sign import signers

    if settings.SIGNING_PKCS11_MODULE:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        session = open_pkcs11_session(
            settings.SIGNING_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=settings.SIGNING_PKCS11_TOKEN_LABEL or None),
            user_pin=_pkcs11_pin(),
        )
        try:
            yield PKCS11Signer(
                session,
                key_label=settings.SIGNING_PKCS11_KEY_LABEL or None,
                cert_label=settings.SIGNING_PKCS11_CERT_LABEL or settings.SIGNING_PKCS11_KEY_LABEL or None,
                other_certs_to_pull=None,  # every certificate on the token: the chain goes into the signatures
                use_raw_mechanism=settings.SIGNING_PKCS11_RAW_MECHANISM,
            )
        finally:
            session.close()
        return
    signer = signers.SimpleSigner.load_pkcs12(
        settings.SIGNING_PKCS12_PATH, passphrase=settings.SIGNING_PKCS12_PASSWORD.encode() or None
    )
    if signer is None:
        raise ValueError(f"Cannot read the signing key {settings.SIGNING_PKCS12_PATH} (PKCS#12) with its password")
    yield signer


def _signer_name(signer) -> str:
    subject = signer.signing_cert.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def _stamp_page(name: str) -> bytes:
    """The visible signature block, drawn by WeasyPrint (Vietnamese text in DejaVu) on a 240 × 60 pt page."""
    import weasyprint

    html = render_to_string("public/annex_signature_block.html", {"name": name, "signed_at": timezone.localtime()})
    return weasyprint.HTML(string=html).write_pdf()


def _stamp_box(pdf: bytes) -> tuple[int, int, int, int]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    last = reader.root["/Pages"]["/Kids"][-1].get_object()
    width = int(float(last["/MediaBox"][2]))
    return width - 30 - STAMP_SIZE[0], 20, width - 30, 20 + STAMP_SIZE[1]


def _signed_pdf(pdf: bytes, signer, name: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    with tempfile.NamedTemporaryFile(suffix=".pdf") as stamp:
        stamp.write(_stamp_page(name))
        stamp.flush()
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name="UBNDThanhPho", name=name, location="Hà Nội"),
            signer=signer,
            stamp_style=StaticStampStyle.from_pdf_file(stamp.name, border_width=0),
            new_field_spec=fields.SigFieldSpec("UBNDThanhPho", on_page=-1, box=_stamp_box(pdf)),
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def _detached_cms(data: bytes, signer) -> bytes:
    return asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True)).dump()


def publication_sign(*, publication) -> list[PublicationSignature]:
    """Make, sign and store the publication's files once (inside the publishing transaction); nothing without a
    configured key. A file already stored is left as it is (it was served unsigned)."""
    if not signing_configured():
        return []
    tables = publication_tables(publication)
    stored = set(PublicationFile.objects.filter(publication=publication).values_list("format", flat=True))
    made = []
    with _signer() as signer:
        name = _signer_name(signer)
        for file_format in ("pdf", *DATA_FORMATS):
            if file_format in stored:
                continue
            content = BUILDERS[file_format](publication, tables)
            if file_format == "pdf":
                content, cms = _signed_pdf(content, signer, name), b""
            else:
                cms = _detached_cms(content, signer)
            publication_file_store(publication, file_format, content)
            made.append(
                PublicationSignature.objects.create(publication=publication, format=file_format, cms=cms, signer=name)
            )
    return made
