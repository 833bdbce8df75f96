"""The field page's leaf cards (issue 12): drawn in Python, the same HTML to the byte as the templates drew them.

Each state below opens the field page and compares the part the leaf cards make (the section form and the hidden
forms after it) with the page the templates drew before the switch, captured once under data/leaf_cards/ (object
ids and the CSRF token replaced by names, so that the files do not depend on the database's sequences)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from assessment.models import Assessment, Criterion, Document, Evidence, Score
from assessment.services import assessment_carry_over, evidence_upload
from tests.assessment.carry_over_helpers import last_year, this_year
from tests.assessment.conftest import PDF_BYTES, complete, score_of
from tests.assessment.helpers import edit, open_explanation, open_field, page_data, save_field
from tests.assessment.test_guidance import history  # noqa: F401 (the fixture of the earlier years)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "leaf_cards"
START = re.compile(r'<form method="post" action="[^"]*" id="section-form"')


def _attach(assessment, code, user, name, locator="", **document):
    evidence = evidence_upload(
        score=score_of(assessment, code),
        user=user,
        upload=SimpleUploadedFile(name, PDF_BYTES + name.encode()),
        locator=locator,
    )
    if document:
        Document.objects.filter(pk=evidence.document_id).update(**document)
    return evidence


def _answered(assessment, user):
    """Field 1 with something in every kind of leaf: values, N/A, notes and evidence (with and without number)."""
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(
        declared_value=Decimal("1"), self_points=Decimal("1"), note="Kế hoạch số 12/KH-STC <ngày 5/1>"
    )
    Score.objects.filter(assessment=assessment, criterion__code="1.1.2").update(
        declared_value=Decimal("92.50"), self_points=Decimal("0.75")
    )
    Score.objects.filter(assessment=assessment, criterion__code="1.3.2").update(
        is_na=True, na_reason="Không phát sinh & không kiểm tra"
    )
    _attach(
        assessment,
        "1.1.1",
        user,
        "ke-hoach.pdf",
        locator="tr. 2",
        number="12/KH-STC",
        issued_on=date(2024, 1, 5),
        issuer="Sở Tài chính",
    )
    _attach(assessment, "1.1.1", user, "anh-chup.pdf")
    _attach(assessment, "1.2", user, "bao-cao.pdf", number="7/BC-STC")


def _self_answered(client, assessment, unit_staff, **_fixtures):
    _answered(assessment, unit_staff)
    return open_field(client, assessment, "1")


def _self_other_fields(client, assessment, unit_staff, **_fixtures):
    """Field 9: bonus and penalty leaves (no input, evidence only); field 2 has a survey leaf."""
    _attach(assessment, "9.1", unit_staff, "sang-kien.pdf")
    return [open_field(client, assessment, "9"), open_field(client, assessment, "2")]


def _self_refused(client, assessment, unit_staff, monkeypatch, **_fixtures):
    """Refused values: unparsable, a reason missing, N/A where it is not allowed, a rule's own refusal, and two
    problems the rules do not raise today: one on the N/A box of a leaf that allows it, one on no input."""
    from assessment import views

    rules = views.score_problems

    def more_problems(score, values):
        problems = rules(score, values)
        extra = {"1.3.2": {"is_na": ["Không được <bỏ> trống."]}, "1.2": {"evidence": ["Cần minh chứng & lý do."]}}
        for name, messages in extra.get(score.criterion.code, {}).items():
            problems.setdefault(name, []).extend(messages)
        return problems

    monkeypatch.setattr(views, "score_problems", more_problems)
    _answered(assessment, unit_staff)
    data = page_data(open_field(client, assessment, "1"))
    data = edit(data, score_of(assessment, "1.1.2"), declared_value="abc")
    data = edit(data, score_of(assessment, "1.3.1"), is_na=True, na_reason="")
    data = edit(data, score_of(assessment, "1.4"), is_na=True, na_reason="Không có")
    data = edit(data, score_of(assessment, "1.5"), self_points="9")
    data = edit(data, score_of(assessment, "1.3.2"), is_na=False, self_points="0,5", declared_value="120")
    data = edit(data, score_of(assessment, "1.2"), note="Bổ sung")
    response = save_field(client, assessment, "1", data)
    assert response.status_code == 400
    return response


def _self_conflict(client, assessment, unit_staff, unit_head, **_fixtures):
    leaf = score_of(assessment, "1.1.1")
    head = Client()
    head.force_login(unit_head)
    head_page = page_data(open_field(head, assessment, "1"))
    staff_page = page_data(open_field(client, assessment, "1"))
    assert save_field(head, assessment, "1", edit(head_page, leaf, declared_value="1")).status_code == 302
    saved_at = timezone.make_aware(datetime(2024, 3, 4, 9, 30))
    Score.objects.filter(pk=leaf.pk).update(updated_at=saved_at)
    response = save_field(client, assessment, "1", edit(staff_page, leaf, declared_value="0", self_points="0"))
    assert response.status_code == 409
    return response


def _submitted(client, assessment, unit_head, **_fixtures):
    """Read-only before the appraisal: the unit's own values, no input."""
    from assessment.services import assessment_submit

    _answered(assessment, unit_head)
    complete(assessment, unit_head)
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(declared_value=Decimal("0"))
    Score.objects.filter(assessment=assessment, criterion__code="1.1.2").update(declared_value=Decimal("92.50"))
    Score.objects.filter(assessment=assessment, criterion__code="1.3.2").update(
        is_na=True, na_reason="Không phát sinh", self_points=None
    )
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(note="Kế hoạch <số 12>")
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    return open_field(client, assessment, "1")


def _returned(assessment, unit_head, coordinator):
    from assessment.services import assessment_submit

    _answered(assessment, unit_head)
    complete(assessment, unit_head)
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(
        appraised_points=Decimal("0.50"), appraised_comment="Ban hành muộn 5 ngày <so với> quy định."
    )
    Score.objects.filter(assessment=assessment, criterion__code="1.2").update(appraised_points=Decimal("1"))
    return open_explanation(assessment, coordinator)


def _explanation(client, assessment, unit_head, coordinator, **_fixtures):
    """The explanation round: the appraisal shown, an explanation input on each appraisal leaf."""
    _returned(assessment, unit_head, coordinator)
    Score.objects.filter(assessment=assessment, criterion__code="1.2").update(explanation="Đã bổ sung.")
    _attach(assessment, "1.1.1", unit_head, "giai-trinh.pdf")
    Evidence.objects.filter(document__original_name="giai-trinh.pdf").update(round="explanation")
    return open_field(client, assessment, "1")


def _explained(client, assessment, unit_head, coordinator, **_fixtures):
    """After the explanation window: the appraisal and the explanations, read only."""
    _returned(assessment, unit_head, coordinator)
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(explanation="Văn bản <đã> ban hành.")
    period = assessment.period
    period.explanation_closes = timezone.localdate() - timedelta(days=1)
    period.explanation_opens = timezone.localdate() - timedelta(days=3)
    period.save()
    return open_field(client, assessment, "1")


def _carried(client, departments, finance, unit_staff, **_fixtures):
    """Notes and evidence carried over from 2024, one leaf confirmed."""
    last_year(departments, finance, unit_staff)
    current = this_year(departments, finance)
    assessment_carry_over(assessment=current, actor=unit_staff)
    Score.objects.filter(assessment=current, criterion__code="1.1").update(declared_value=None)
    return [open_field(client, current, "1"), open_field(client, current, "2")]


def _earlier(client, history, **_fixtures):  # noqa: F811
    """Advice from earlier years and last year's plan item beside 1.1."""
    return [open_field(client, history, "1"), open_field(client, history, "2")]


STATES = {
    "self_answered": _self_answered,
    "self_other_fields": _self_other_fields,
    "self_refused": _self_refused,
    "self_conflict": _self_conflict,
    "submitted": _submitted,
    "explanation": _explanation,
    "explained": _explained,
    "carried": _carried,
    "earlier": _earlier,
}


def _names() -> dict[str, dict[int, str]]:
    """Every object id the pages can show, by kind, with a name that does not depend on the sequences."""
    names = {"assessment": {}, "score": {}, "evidence": {}, "document": {}}
    for assessment in Assessment.objects.select_related("period", "unit"):
        names["assessment"][assessment.pk] = f"{assessment.unit.code}-{assessment.period.year}"
    for score in Score.objects.select_related("criterion", "assessment__period"):
        names["score"][score.pk] = f"{score.assessment.period.year}-{score.criterion.code}"
    for evidence in Evidence.objects.select_related("score__criterion", "score__assessment__period", "document"):
        names["evidence"][evidence.pk] = (
            f"{evidence.score.assessment.period.year}-{evidence.score.criterion.code}-{evidence.document.original_name}"
        )
    for document in Document.objects.all():
        names["document"][document.pk] = document.original_name
    return names


IDS = [
    (re.compile(r"(assessments/)(\d+)(/)"), "assessment"),
    (re.compile(r"(scores/)(\d+)(/)"), "score"),
    (re.compile(r"(evidence/)(\d+)(/remove)"), "evidence"),
    (re.compile(r"(documents/)(\d+)(/download)"), "document"),
    (re.compile(r"(\b(?:id_)?s)(\d+)(-[a-z_]+)"), "score"),
    (re.compile(r'((?:proposal|evidence|confirm)-)(\d+)(")'), "score"),
    (re.compile(r'(remove-)(\d+)(")'), "evidence"),
]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def leaf_cards_part(response, names) -> str:
    """The section form and the hidden forms after it, with names for the ids and the CSRF token."""
    page = response.content.decode()
    start = START.search(page)
    assert start, "no section form on the page"
    end = page.find('<div class="modal fade"', start.start())
    if end < 0:
        end = page.index("</main>", start.start())
    part = CSRF.sub('name="csrfmiddlewaretoken" value="CSRF"', page[start.start() : end])
    for pattern, kind in IDS:
        part = pattern.sub(lambda match, kind=kind: f"{match[1]}<{kind}:{names[kind][int(match[2])]}>{match[3]}", part)
    return part


@pytest.fixture
def in_language(client):
    def use(language):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    return use


def state_parts(request, client, name) -> list[str]:
    """The leaf-card parts of the pages of one state."""
    wanted = FIXTURES.get(name, ("assessment", "unit_staff", "unit_head", "coordinator"))
    fixtures = {fixture: request.getfixturevalue(fixture) for fixture in wanted}
    client.force_login(fixtures.get("unit_head") if name in READ_BY_HEAD else fixtures["unit_staff"])
    responses = STATES[name](client, **fixtures)
    responses = responses if isinstance(responses, list) else [responses]
    names = _names()
    return [leaf_cards_part(response, names) for response in responses]


# The carried-over and earlier-years states build their own years of Sở Tài chính (no sample assessment).
FIXTURES = {
    "self_refused": ("assessment", "unit_staff", "monkeypatch"),
    "carried": ("departments", "agencies", "finance", "unit_staff", "private_storage"),
    "earlier": ("history", "unit_staff"),
}
READ_BY_HEAD = ("submitted", "explanation", "explained")


def expected_file(name, language, index) -> Path:
    return DATA / f"{name}-{language}-{index}.html"


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("name", list(STATES))
def test_the_leaf_cards_are_the_templates_html_to_the_byte(request, client, in_language, name, language):
    in_language(language)
    parts = state_parts(request, client, name)
    expected = sorted(DATA.glob(f"{name}-{language}-*.html"))
    assert len(expected) == len(parts)
    for index, part in enumerate(parts):
        assert part == expected_file(name, language, index).read_text(encoding="utf-8"), (name, language, index)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("round_", [None, "self", "explanation"])
def test_the_evidence_block_is_the_one_redrawn_in_place(assessment, unit_staff, language, round_):
    """assessment/_evidence.html stays for the request that redraws one leaf's evidence (views._evidence_fragment):
    the card's block equals it, for evidence of both rounds, carried over or not, with and without a number."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from assessment.templatetags.leaf_cards import _Page, evidence_block

    _answered(assessment, unit_staff)
    Evidence.objects.filter(document__original_name="anh-chup.pdf").update(round="explanation", from_year=2023)
    Document.objects.filter(original_name="bao-cao.pdf").update(issuer="UBND <quận> & Sở")
    Criterion.objects.filter(framework=assessment.framework, code="1.2").update(evidence_required=False)
    with translation.override(language):
        for code in ("1.1.1", "1.2", "1.3.1"):
            score = score_of(assessment, code)
            items = list(score.evidence.select_related("document").order_by("pk"))
            context = {"assessment": assessment, "criterion": score.criterion, "score": score, "round": round_}
            page = _Page({**context, "show_appraisal": False, "csrf_token": "token"})
            expected = render_to_string("assessment/_evidence.html", {**context, "items": items})
            assert evidence_block(page, score.criterion, score, items) == expected, code
    assert [score_of(assessment, code).criterion.evidence_required for code in ("1.1.1", "1.2")] == [True, False]
    assert [len(score_of(assessment, code).evidence.all()) for code in ("1.1.1", "1.2", "1.3.1")] == [2, 1, 0]
