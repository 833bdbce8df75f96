"""axe-core (from npm: node_modules/axe-core, never a CDN) on the main pages of each face: the public ranking
and a unit's page, the login, the portal's list, field page and summary, the admin's index, queue and grading
page. No serious or critical violation; screenshots of each page at 1366×900 and 390×844 in build/screenshots/.

The pages' Content-Security-Policy forbids inline scripts, and Playwright injects axe as one: these browser
contexts bypass the policy (the other browser tests check it)."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from assessment.models import Assessment, Period
from tests.assessment.conftest import (  # noqa: F401 - fixtures
    agencies,
    assessment,
    draft_framework,
    graded_period,
    publish,
    results_units,
    sample_framework,
    submitted,
)
from tests.e2e.conftest import SCREENSHOTS, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  const where = (node) => node.target.join(" ") + " — " + ((node.any[0] && node.any[0].message) || "");
  return result.violations.map(
    v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(where)}));
}"""


def serious_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def check(browser, live_server, pages: dict[str, str], username: str | None = None, admin: bool = False):
    """Open each page at both sizes (signed in as ``username``), run axe, keep a screenshot; fail with every
    serious or critical violation of every page at once."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm ci")
    found = {}
    for size, viewport in SIZES.items():
        context = browser.new_context(locale="vi-VN", viewport=viewport, base_url=live_server.url, bypass_csp=True)
        context.set_default_timeout(15000)
        page = context.new_page()
        if username:
            sign_in(page, username, admin=admin)
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, (name, url, response.status)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"axe-{name}-{size}.png"), full_page=True)
            violations = serious_violations(page)
            if violations:
                found[f"{name} at {size} px ({url})"] = violations
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


@pytest.mark.usefixtures("graded_period")
def test_the_public_pages_and_the_login_have_no_serious_violation(browser, live_server, coordinator):
    publish(Period.objects.get(year=2023), coordinator)
    check(
        browser,
        live_server,
        {
            "public-ranking": reverse("public:results-period", args=[2023]),
            "public-unit": reverse("public:results-unit", args=[2023, "so-y-te"]),
            "login": reverse("login"),
            "admin-login": reverse("admin:login"),
        },
    )


@pytest.mark.usefixtures("assessment", "unit_head")
def test_the_portal_has_no_serious_violation(browser, live_server):
    mine = Assessment.objects.get()
    check(
        browser,
        live_server,
        {
            "portal-list": reverse("assessment:assessment-list"),
            "portal-detail": reverse("assessment:assessment-detail", args=[mine.pk]),
            "portal-summary": reverse("assessment:assessment-summary", args=[mine.pk]),
            "portal-difficulties": reverse("assessment:assessment-difficulties", args=[mine.pk]),
        },
        username="lanhdao",
    )


@pytest.mark.usefixtures("submitted", "appraiser")
def test_the_admin_has_no_serious_violation(browser, live_server):
    graded = Assessment.objects.get()
    check(
        browser,
        live_server,
        {
            "admin-index": reverse("admin:index"),
            "admin-queue": reverse("admin:assessment_score_changelist"),
            "admin-grading": reverse("admin:assessment_assessment_grade", args=[graded.pk]),
        },
        username="thamdinh",
        admin=True,
    )
