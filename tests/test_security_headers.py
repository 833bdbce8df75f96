"""Every face sends the same Content-Security-Policy, COOP, Permissions-Policy and referrer policy."""

# The assessment fixtures are imported from tests/assessment/conftest.py and then named as arguments.
# ruff: noqa: F811

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessment.services import evidence_upload
from tests.assessment.conftest import (  # noqa: F401 - fixtures
    PDF_BYTES,
    agencies,
    assessment,
    draft_framework,
    graded_period,
    publish,
    results_units,
    sample_framework,
    score_of,
    submitted,
)

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} appears twice in {header!r}"
        directives[name] = sources
    return directives


def assert_hardened(response, url):
    assert "Content-Security-Policy" in response.headers, url
    policy = parse_policy(response.headers["Content-Security-Policy"])
    assert policy == EXPECTED_POLICY, url
    assert "'unsafe-inline'" not in policy["script-src"], url
    assert "Content-Security-Policy-Report-Only" not in response.headers, url
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response.headers["Permissions-Policy"] == PERMISSIONS_POLICY, url
    assert response.headers["Referrer-Policy"] == "same-origin", url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["X-Frame-Options"] == "DENY", url


def get(client, user, url, status=200):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, url
    return response


def test_the_portal_and_the_documents_of_a_unit(client, assessment, unit_staff):
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF_BYTES)
    )
    pages = [
        reverse("home"),
        reverse("assessment:assessment-list"),
        reverse("assessment:assessment-detail", args=[assessment.pk]),
        reverse("assessment:assessment-summary", args=[assessment.pk]),
        reverse("assessment:document-download", args=[evidence.document.pk]),
        reverse("assessment:assessment-report", args=[assessment.pk]),
    ]
    for url in pages:
        assert_hardened(get(client, unit_staff, url), url)
    download = get(client, unit_staff, pages[4])
    assert download["Content-Disposition"].startswith("attachment;")
    assert get(client, unit_staff, pages[5])["Content-Type"] == "application/pdf"


def test_the_admin_lists_imports_exports_and_history(client, submitted, coordinator, superuser):
    score = score_of(submitted, "1.1.1")
    record = score.history.first()
    pages = {
        coordinator: [
            reverse("admin:index"),
            reverse("admin:accounts_unit_changelist"),
            reverse("admin:accounts_unit_import"),
            reverse("admin:accounts_unit_export"),
            reverse("admin:assessment_criterion_import"),
            reverse("admin:assessment_assessment_changelist"),
            reverse("admin:assessment_score_history", args=[score.pk]),
            reverse("admin:assessment_score_simple_history", args=[score.pk, record.history_id]),
        ],
        superuser: [
            reverse("admin:assessment_score_changelist"),
            reverse("admin:accounts_unit_change", args=[submitted.unit.pk]),
        ],
    }
    for user, urls in pages.items():
        for url in urls:
            assert_hardened(get(client, user, url), url)


def test_the_public_pages_and_the_published_files(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    urls = [
        reverse("public:results-index"),
        reverse("public:results-period", args=[2023]),
        reverse("public:results-unit", args=[2023, "so-y-te"]),
        *(reverse("public:results-download", args=[2023, name]) for name in ("csv", "xlsx", "json", "pdf")),
    ]
    for url in urls:
        assert_hardened(get(client, None, url), url)


def test_sign_in_and_error_pages(db):
    client = Client(enforce_csrf_checks=True)
    for url, status in [
        (reverse("login"), 200),
        (reverse("admin:login"), 200),
        ("/no-such-page/", 404),
        ("/results/1999/", 404),
        (reverse("assessment:assessment-list"), 302),
    ]:
        assert_hardened(get(client, None, url, status), url)
    refused = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert refused.status_code == 403
    assert_hardened(refused, "login without CSRF token")


def test_report_only_and_report_uri_come_from_the_environment():
    script = (
        "import django; django.setup();"
        "from csp.utils import build_policy;"
        "print(build_policy()); print(build_policy(report_only=True))"
    )
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    base = {**clean, "DJANGO_SETTINGS_MODULE": "cchc.settings", "DEBUG": "1"}

    def policies(**env):
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        enforced, report_only = result.stdout.split("\n")[:2]
        return enforced, report_only

    enforced, report_only = policies()
    assert parse_policy(enforced) == EXPECTED_POLICY
    assert report_only == ""

    enforced, report_only = policies(CSP_REPORT_ONLY="1", CSP_REPORT_URI="https://csp.example.vn/report")
    assert enforced == ""
    assert parse_policy(report_only) == {**EXPECTED_POLICY, "report-uri": ["https://csp.example.vn/report"]}


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE | re.DOTALL)
SCRIPT_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ("<script src=\"{% static 'js/a.js' %}\" defer></script>", False),
        ('<script id="x" type="application/json" src="/j">', False),
        ("<script>alert(1)</script>", True),
        ('<script type="text/javascript">', True),
        ('<input type="checkbox" onchange="go(event)">', True),
        ('<a\n  class="x" onClick="go()">', True),
        ('<a href="javascript:void(0)">', True),
        ('<button data-bs-toggle="collapse" aria-controls="nav">', False),
        ("{% if criterion.conflict %}{% with conflict=criterion.conflict %}", False),
    ],
)
def test_the_template_scan_finds_inline_code(markup, found):
    assert bool(INLINE_SCRIPT.search(markup) or INLINE_HANDLER.search(markup) or SCRIPT_URL.search(markup)) is found


def test_no_template_of_ours_has_inline_scripts_or_event_handlers():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 20
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]!r}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, SCRIPT_URL)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
