"""Digitally signed reports: the content digest the generated report carries, and verifying a signed PDF.

The generated self-assessment report carries, in its PDF document information (keys ``/CCHCReportID`` and
``/CCHCContentSHA256``) and in small print on its last page, an identifier of the assessment and the SHA-256 of
its content (``content_digest``). A signed PDF is accepted only when every signature in it is intact, the last
one covers the whole file, each certificate chains to a certificate Home Affairs trusts and was valid at the
signing time, none is revoked, and the identifier and digest equal the assessment's current ones.

pyHanko verifies the signatures (pyhanko-certvalidator builds the chains and checks revocation). Revocation is
checked first strictly (hard-fail: a certificate naming an OCSP/CRL address must have a reachable answer); when
no answer can be had, again leniently, and the result says "not checked (offline)", never "valid".
"""

import asyncio
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The PDF document information keys (WeasyPrint writes <meta name="..."> as custom keys, lower-cased).
REPORT_ID_KEY = "cchcreportid"
DIGEST_KEY = "cchccontentsha256"

# A CMS signature carrying more certificates than this is refused before any chain is built.
MAX_CERTIFICATES = 20
MAX_SIGNATURES = 10

CHECKED, OFFLINE, NO_ADDRESS, REVOKED = "checked", "offline", "no_address", "revoked"

# Where the signing time comes from: a trusted timestamp token, the signer's tool, or (none stated) the upload.
TIMESTAMP, SIGNER_TOOL, UPLOAD = "timestamp", "signer", "upload"
# A signing time this much later than the upload is a wrong clock, refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class ScoreContent:
    """What the report prints for one leaf, as the digest reads it."""

    code: str
    declared_value: Decimal | None
    self_points: Decimal | None
    is_na: bool
    na_reason: str
    note: str
    no_evidence_reason: str
    evidence: tuple[str, ...]  # "number|file name|issue date|locator", in the report's order


def _text(value) -> str | None:
    return None if value is None else str(value)


def content_digest(*, report_id: str, difficulties: str, scores: list[ScoreContent]) -> str:
    """SHA-256 (hex) of the report's content: the canonical JSON of the identifier, the difficulties text and,
    for each leaf in framework order, its code, declared value, self score, N/A and reason, note, reason without
    evidence and evidence labels. Decimals are written with their two places ("1.50"), so equal values digest
    equally; any change to what the report prints changes the digest."""
    payload = {
        "report": report_id,
        "difficulties": difficulties,
        "scores": [
            [
                score.code,
                _text(score.declared_value),
                _text(score.self_points),
                score.is_na,
                score.na_reason,
                score.note,
                score.no_evidence_reason,
                list(score.evidence),
            ]
            for score in scores
        ],
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class SignatureCheck:
    """One signature as verified: who, when, and what passed or why not."""

    number: int
    signer: str = ""
    organisation: str = ""
    signed_at: str = ""  # ISO 8601: the signing time the chain was validated at
    time_source: str = ""  # TIMESTAMP, SIGNER_TOOL or UPLOAD
    valid_until: str = ""  # ISO 8601: the end of the signer certificate's validity
    revoked_at: str = ""  # ISO 8601: revoked after the signing time (proved by a timestamp), else ""
    trust_root: str = ""
    intact: bool = False
    covers_document: bool = False
    trusted: bool = False
    revocation: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "signer": self.signer,
            "organisation": self.organisation,
            "signed_at": self.signed_at,
            "time_source": self.time_source,
            "valid_until": self.valid_until,
            "revoked_at": self.revoked_at,
            "trust_root": self.trust_root,
            "intact": self.intact,
            "covers_document": self.covers_document,
            "trusted": self.trusted,
            "revocation": self.revocation,
            "problems": self.problems,
        }


@dataclass
class Verification:
    """The verdict on a signed PDF: the signatures found, the report identifier and digest it carries, and
    every problem (empty when accepted)."""

    signatures: list[SignatureCheck] = field(default_factory=list)
    report_id: str = ""
    digest: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.signatures) and all(check.ok for check in self.signatures)

    def all_problems(self) -> list[str]:
        return self.problems + [problem for check in self.signatures for problem in check.problems]


@dataclass(frozen=True)
class TrustStore:
    """The certificates Home Affairs trusts: roots (anchors) and intermediates, DER, each with its name."""

    roots: tuple[tuple[str, bytes], ...]
    intermediates: tuple[tuple[str, bytes], ...] = ()


def revocation_sources() -> dict:
    """How revocation information is obtained (the tests replace this with their own CRLs)."""
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    return {
        "allow_fetching": settings.SIGNATURE_REVOCATION_FETCH,
        "fetcher_backend": RequestsFetcherBackend(per_request_timeout=settings.SIGNATURE_FETCH_TIMEOUT),
    }


def _name_part(certificate, key: str) -> str:
    return str(certificate.subject.native.get(key, "") or "")


def _has_revocation_address(certificate) -> bool:
    return bool(certificate.crl_distribution_points or certificate.ocsp_urls)


def _context(store: TrustStore, mode: str, moment: datetime | None = None):
    """A validation context on the trust store; at ``moment`` (point-in-time: the certificates' validity and
    revocation as they stood then, revocation data issued later accepted), else now."""
    from asn1crypto import x509
    from pyhanko_certvalidator import ValidationContext

    at = {} if moment is None else {"moment": moment, "retroactive_revinfo": True}
    return ValidationContext(
        trust_roots=[x509.Certificate.load(der) for _name, der in store.roots],
        other_certs=[x509.Certificate.load(der) for _name, der in store.intermediates],
        revocation_mode=mode,
        **at,
        **revocation_sources(),
    )


def _strict_context(store: TrustStore, moment: datetime | None = None):
    """The hard-fail context, or None when it cannot check anything (no fetching and no revocation data given)."""
    try:
        return _context(store, "hard-fail", moment)
    except ValueError:
        return None


def _signing_time(embedded, store: TrustStore) -> tuple[datetime | None, str]:
    """(the signing time, where it comes from): a trusted timestamp token's time, else the time the signer's tool
    states, else (None, UPLOAD)."""
    from pyhanko.sign.validation.generic_cms import collect_timing_info

    timing = asyncio.run(
        collect_timing_info(embedded.signer_info, _context(store, "soft-fail"), raw_digest=embedded.compute_digest)
    )
    token = timing.get("timestamp_validity")
    if token is not None and token.intact and token.valid and token.trusted:
        return token.timestamp, TIMESTAMP
    stated = embedded.self_reported_timestamp
    return (stated, SIGNER_TOOL) if stated is not None else (None, UPLOAD)


def _revoked_since(embedded, store: TrustStore, signed_at: datetime) -> datetime | None:
    """When the signer's certificate (or a CA above it) was revoked after ``signed_at``, as the revocation data
    says at the last moment it was valid (now, or its end of validity); None when not revoked."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError

    certificate = embedded.signer_cert
    later = min(timezone.now(), certificate.not_valid_after - timedelta(seconds=1))
    if later <= signed_at:
        return None
    validator = CertificateValidator(
        certificate,
        intermediate_certs=embedded.other_embedded_certs,
        validation_context=_context(store, "soft-fail", later),
    )
    try:
        asyncio.run(validator.async_validate_path())
    except RevokedError as error:
        return error.revocation_dt
    except (PathBuildingError, PathValidationError):
        return None
    return None


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _trust_root_name(store: TrustStore, status) -> str:
    path = status.validation_path
    if path is None:
        return ""
    try:
        anchor = path.trust_anchor.authority.certificate
    except AttributeError:
        return ""
    der = anchor.dump()
    return next((name for name, root in store.roots if root == der), _name_part(anchor, "common_name"))


def _why_untrusted(status, check: SignatureCheck, certificate, at: datetime) -> str:
    from pyhanko.sign.ades.report import AdESIndeterminate

    indic = status.trust_problem_indic
    names = {"number": check.number, "signer": check.signer or "?", "at": _when(at)}
    if status.revoked or indic in (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        details = status.revocation_details
        if details is not None and details.revocation_date is not None:
            return _(
                "Signature %(number)s (%(signer)s): the certificate was revoked on %(revoked)s, before the signing "
                "time %(at)s."
            ) % {**names, "revoked": _when(details.revocation_date)}
        return _("Signature %(number)s (%(signer)s): the certificate has been revoked.") % names
    if indic in (
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.NOT_YET_VALID,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    ):
        return _(
            "Signature %(number)s (%(signer)s): the certificate was not valid at the signing time %(at)s (valid "
            "from %(start)s to %(end)s)."
        ) % {**names, "start": _when(certificate.not_valid_before), "end": _when(certificate.not_valid_after)}
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return (
            _(
                "Signature %(number)s (%(signer)s): the certificate does not chain to a certificate authority "
                "Home Affairs trusts."
            )
            % names
        )
    return _("Signature %(number)s (%(signer)s): the certificate could not be validated.") % names


def _structure_problem(number: int, embedded, size: int) -> str | None:
    """What is wrong with a signature's structure, found without verifying it (cheap: in the request)."""
    names = {"number": number}
    try:
        certificates = embedded.signed_data["certificates"]
        count = len(certificates) if certificates.native is not None else 0
    except (KeyError, ValueError, TypeError):
        count = 0
    if count > MAX_CERTIFICATES:
        return _("Signature %(number)s carries %(count)s certificates; at most %(limit)s are accepted.") % {
            **names,
            "count": count,
            "limit": MAX_CERTIFICATES,
        }
    if not _byte_range_ok(embedded, size):
        return _("Signature %(number)s cannot be read: its byte range or its content is damaged.") % names
    return None


def _check_one(number, embedded, store: TrustStore, *, last: bool, received_at: datetime) -> SignatureCheck:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel

    check = SignatureCheck(number=number)
    names = {"number": number}
    try:
        certificate = embedded.signer_cert
        check.signer = _name_part(certificate, "common_name")
        check.organisation = _name_part(certificate, "organization_name")
        check.valid_until = certificate.not_valid_after.isoformat()
        signed_at, check.time_source = _signing_time(embedded, store)
        names["signer"] = check.signer or "?"
        if signed_at is not None and signed_at > received_at + FUTURE_TOLERANCE:
            check.signed_at = signed_at.isoformat()
            check.problems.append(
                _(
                    "Signature %(number)s (%(signer)s): its signing time %(at)s is later than the upload: the clock "
                    "of the signing tool is wrong; correct it, sign again and upload."
                )
                % {**names, "at": _when(signed_at)}
            )
            return check
        moment = signed_at or received_at  # no signing time stated: as the chain stood at the upload
        strict = _strict_context(store, moment)
        status = validate_pdf_signature(embedded, strict) if strict is not None else None
        revocation = CHECKED if _has_revocation_address(certificate) else NO_ADDRESS
        if status is None or (not status.trusted and not status.revoked):
            lenient = validate_pdf_signature(embedded, _context(store, "soft-fail", moment))
            # Trusted only leniently: revocation could not be checked. Untrusted: the lenient pass names the real
            # reason (expired, no chain…), not the missing revocation answer.
            status, revocation = lenient, (OFFLINE if lenient.trusted else revocation)
        revoked_later = _revoked_since(embedded, store, moment) if status.trusted and revocation == CHECKED else None
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        logger.info("Signature %s unreadable: %r", number, error)
        check.problems.append(
            _("Signature %(number)s cannot be read: its byte range or its content is damaged.") % names
        )
        return check
    at = moment
    check.signed_at = at.isoformat()
    check.intact = bool(status.intact and status.valid)
    level = status.modification_level
    if last:
        check.covers_document = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level == ModificationLevel.LTA_UPDATES
        )
    else:  # an earlier signature: only later signatures (form filling) may follow it
        check.covers_document = (
            status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
            and level is not None
            and (level <= ModificationLevel.FORM_FILLING)
        )
    check.trusted = bool(status.trusted)
    check.trust_root = _trust_root_name(store, status) if status.trusted else ""
    check.revocation = REVOKED if status.revoked else revocation
    if not check.intact:
        check.problems.append(
            _("Signature %(number)s (%(signer)s) does not match the document: the file was changed after signing.")
            % names
        )
    elif not check.covers_document:
        check.problems.append(
            _(
                "Signature %(number)s (%(signer)s) does not cover the whole document: content was added after "
                "it was signed."
            )
            % names
        )
    if check.intact and not check.trusted:  # a broken signature's chain says nothing more
        check.problems.append(_why_untrusted(status, check, certificate, at))
    if check.intact and check.trusted and revoked_later is not None:
        if check.time_source == TIMESTAMP:
            check.revoked_at = revoked_later.isoformat()
        else:
            check.problems.append(
                _(
                    "Signature %(number)s (%(signer)s): the certificate was revoked on %(revoked)s; the signing time "
                    "%(at)s before it is only stated by the signer's tool (no trusted timestamp), so the signature "
                    "cannot be accepted."
                )
                % {**names, "revoked": _when(revoked_later), "at": _when(at)}
            )
    return check


def _byte_range_ok(embedded, size: int) -> bool:
    """The /ByteRange is four offsets from the start of the file, around the signature, inside the file."""
    try:
        start, first, second, length = (int(value) for value in embedded.sig_object["/ByteRange"])
    except (KeyError, ValueError, TypeError):
        return False
    return start == 0 and 0 < first <= second and length >= 0 and second + length <= size


def _open(data: bytes, store: TrustStore) -> tuple[Verification, list]:
    """The structural checks (readable, not encrypted, signed, not too many signatures or certificates, byte
    ranges inside the file, a trust store configured) and the report identifier and digest the PDF carries; with
    the signatures to verify when none failed."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    result = Verification()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            result.problems.append(
                _("The PDF is protected by a password: save the signed report without a password and upload it again.")
            )
            return result, []
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else {}
        result.report_id = str(info.get("/" + REPORT_ID_KEY, "") or "")
        result.digest = str(info.get("/" + DIGEST_KEY, "") or "")
        embedded = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as error:
        logger.info("Signed PDF unreadable: %r", error)
        result.problems.append(_("The file is not a readable PDF."))
        return result, []
    if not embedded:
        result.problems.append(
            _("The PDF carries no digital signature: sign it with your signing tool (USB token or remote signing).")
        )
        return result, []
    if len(embedded) > MAX_SIGNATURES:
        result.problems.append(
            _("The PDF carries %(count)s signatures; at most %(limit)s are accepted.")
            % {"count": len(embedded), "limit": MAX_SIGNATURES}
        )
        return result, []
    if not store.roots:
        result.problems.append(_("No trusted certificate authority is configured yet: ask Home Affairs."))
        return result, []
    for number, signature in enumerate(embedded, start=1):
        problem = _structure_problem(number, signature, len(data))
        if problem:
            result.signatures.append(SignatureCheck(number=number, problems=[problem]))
    return result, ([] if result.signatures else embedded)


def inspect_signed_pdf(data: bytes, store: TrustStore) -> Verification:
    """The cheap structural checks only (the upload request): ``problems`` says why the file cannot even be
    verified; ``signatures`` holds only the signatures whose structure is broken."""
    return _open(data, store)[0]


def verify_signed_pdf(data: bytes, store: TrustStore, *, received_at: datetime | None = None) -> Verification:
    """Every signature of a signed PDF verified (the structure, then each chain at its signing time, revocation,
    coverage), and the report identifier and digest it carries. ``received_at``: when the file was uploaded (a
    signing time after it is refused; without a stated signing time the chain is validated then); default now."""
    received_at = received_at or timezone.now()
    result, embedded = _open(data, store)
    for number, signature in enumerate(embedded, start=1):
        result.signatures.append(
            _check_one(number, signature, store, last=number == len(embedded), received_at=received_at)
        )
    return result


def parse_certificate(data: bytes):
    """(DER, subject, end of validity) of an X.509 certificate given as PEM or DER; ValueError if it is not one."""
    from asn1crypto import pem, x509

    try:
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        certificate = x509.Certificate.load(der)
        return certificate.dump(), certificate.subject.human_friendly, certificate.not_valid_after
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(_("The file is not an X.509 certificate (PEM or DER).")) from error
