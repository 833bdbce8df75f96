"""Publishing with a confirmation: what will be frozen, an identical version refused, and each earlier version
saying which version and decision replaced it and what that changed (issue 11, item 8)."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, AssessmentEvent, Publication, PublishedUnit
from tests.assessment.conftest import publish, set_scores

UNCHANGED = (
    "Không có gì thay đổi so với phiên bản 1 (Quyết định số 1234/QĐ-UBND): mọi đơn vị vẫn giữ nguyên chỉ số, "
    "thứ hạng và điểm từng lĩnh vực. Chỉ công bố phiên bản mới khi cần đính chính kết quả."
)


def text(html: str) -> str:
    """The visible text, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def part(response, testid: str) -> str:
    """The text of the element carrying ``data-testid=testid`` (up to its closing tag of the same name)."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    tag = html[html.rindex("<", 0, start) + 1 :].split(maxsplit=1)[0]
    depth, position = 0, html.rindex("<", 0, start)
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[position:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return text(html[position : position + match.end()])
    raise AssertionError(testid)


def correct_y_te(period):
    """The council's correction of 2.2 for Sở Y tế: its index goes from 61,85% to 80,37%, its rank stays 4."""
    set_scores(Assessment.objects.get(period=period, unit__code="so-y-te"), {"2.2": D("5")})


def publish_url(period):
    return reverse("admin:assessment_period_publish", args=[period.pk])


# -- the service -----------------------------------------------------------------------------------------------


def test_a_version_identical_to_the_last_is_refused_and_nothing_changes(graded_period, coordinator):
    publish(graded_period, coordinator)
    snapshot = list(PublishedUnit.objects.values_list("pk", "shown_index", "rank"))
    with pytest.raises(ValidationError) as error:
        publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Đính chính")
    assert error.value.messages == [UNCHANGED]
    assert list(Publication.objects.values_list("version", flat=True)) == [1]
    assert list(PublishedUnit.objects.values_list("pk", "shown_index", "rank")) == snapshot
    assert AssessmentEvent.objects.filter(to_status="published").count() == 4
    # Any change of a final score makes a version worth publishing.
    correct_y_te(graded_period)
    assert publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Đính chính").version == 2
    with pytest.raises(ValidationError) as error:
        publish(graded_period, coordinator, decision_number="1301/QĐ-UBND", reason="Lần nữa")
    assert error.value.messages == [
        UNCHANGED.replace("phiên bản 1 (Quyết định số 1234", "phiên bản 2 (Quyết định số 1300")
    ]


# -- the confirmation page -------------------------------------------------------------------------------------


def test_the_first_publication_summarises_what_will_be_frozen(client, graded_period, coordinator):
    client.force_login(coordinator)
    page = client.get(publish_url(graded_period))
    assert page.status_code == 200
    assert part(page, "publish-summary") == (
        "Nội dung sẽ được công bố (phiên bản 1) 4 đơn vị thuộc 1 khối. "
        "Khối Đơn vị Bình quân khối Khối Sở, ban, ngành 4 83,76%"
    )
    html = page.content.decode()
    assert 'data-testid="publish-changes"' not in html and 'data-testid="publish-blocked"' not in html
    assert 'class="vTextField"' in html and 'class="vDateField"' in html and "admin/css/forms.css" in html
    assert "style=" not in html and "<script>" not in html

    confirm = client.post(
        publish_url(graded_period), {"decision_number": "1234/QĐ-UBND", "decision_date": "05/04/2024"}
    )
    assert part(confirm, "publish-confirm") == (
        "Xác nhận công bố Phiên bản 1 sẽ được công bố theo Quyết định số 1234/QĐ-UBND ngày 05/04/2024: "
        "số liệu của 4 đơn vị được chốt lại và công khai ngay."
    )
    assert not Publication.objects.exists()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', confirm.content.decode()))
    hidden.pop("csrfmiddlewaretoken")
    assert hidden == {"decision_number": "1234/QĐ-UBND", "decision_date": "05/04/2024", "reason": ""}
    done = client.post(publish_url(graded_period), {**hidden, "confirm": "Xác nhận và công bố"})
    assert done.status_code == 302
    assert Publication.objects.get().decision_date == date(2024, 4, 5)


def test_a_new_version_lists_the_units_whose_index_or_rank_changes(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    correct_y_te(graded_period)
    client.force_login(coordinator)
    page = client.get(publish_url(graded_period))
    assert part(page, "publish-summary") == (
        "Nội dung sẽ được công bố (phiên bản 2) 4 đơn vị thuộc 1 khối. "
        "Khối Đơn vị Bình quân khối Khối Sở, ban, ngành 4 88,39%"
    )
    assert part(page, "publish-changes") == (
        "Thay đổi so với phiên bản 1 (Quyết định số 1234/QĐ-UBND ngày 05/04/2024) "
        "Đơn vị Khối Chỉ số Xếp hạng Sở Y tế Khối Sở, ban, ngành 61,85% → 80,37% 4 → 4"
    )
    # A correction needs its reason before the confirmation.
    data = {"decision_number": "1300/QĐ-UBND", "decision_date": "20/04/2024"}
    assert client.post(publish_url(graded_period), data).context["form"].errors == {
        "reason": ["Nhập lý do của phiên bản đính chính này."]
    }
    confirm = client.post(publish_url(graded_period), {**data, "reason": "Điều chỉnh tiêu chí 2.2"})
    assert "Lý do đính chính: Điều chỉnh tiêu chí 2.2" in part(confirm, "publish-confirm")
    client.post(publish_url(graded_period), {**data, "reason": "Điều chỉnh tiêu chí 2.2", "confirm": "1"})
    assert list(Publication.objects.order_by("version").values_list("version", "reason")) == [
        (1, ""),
        (2, "Điều chỉnh tiêu chí 2.2"),
    ]


def test_the_confirmation_refuses_an_identical_version(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    client.force_login(coordinator)
    page = client.get(publish_url(graded_period))
    assert part(page, "publish-blocked") == UNCHANGED
    assert 'data-testid="publish"' not in page.content.decode()  # no form to fill in
    data = {"decision_number": "1300/QĐ-UBND", "decision_date": "20/04/2024", "reason": "Đính chính"}
    for extra in ({}, {"confirm": "1"}):  # neither the first click nor a forged second one publishes
        response = client.post(publish_url(graded_period), {**data, **extra})
        assert response.status_code == 200
        assert [str(message) for message in response.context["form"].non_field_errors()] == [UNCHANGED]
    assert Publication.objects.count() == 1


# -- the public pages of earlier versions ----------------------------------------------------------------------


def test_an_earlier_version_says_what_replaced_it_and_what_changed(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    correct_y_te(graded_period)
    publish(
        graded_period,
        coordinator,
        decision_number="1300/QĐ-UBND",
        decision_date=date(2024, 4, 20),
        reason="Điều chỉnh tiêu chí 2.2",
    )
    period_url = reverse("public:results-period", args=[2023])
    first = client.get(period_url + "?version=1")
    assert part(first, "replaced") == (
        "Phiên bản này đã được thay thế bằng phiên bản 2 (Quyết định số 1300/QĐ-UBND ngày 20/04/2024). "
        "Xem phiên bản 2 Đính chính: Điều chỉnh tiêu chí 2.2 "
        "Phiên bản 2 đã thay đổi chỉ số hoặc thứ hạng của 1 đơn vị: "
        "Đơn vị Khối Chỉ số Xếp hạng Sở Y tế Khối Sở, ban, ngành 61,85% → 80,37% 4 → 4"
    )
    # Versions are named by their decision's date, not by when they were entered.
    info = part(first, "publication-info")
    assert info.endswith("Các phiên bản: v1 (05/04/2024) , v2 (20/04/2024)")
    latest = client.get(period_url)
    assert 'data-testid="replaced"' not in latest.content.decode()

    unit_url = reverse("public:results-unit", args=[2023, "so-y-te"])
    assert part(client.get(unit_url + "?version=1"), "replaced") == (
        "Đây là kết quả của phiên bản 1, đã được thay thế bằng phiên bản 2 (Quyết định số 1300/QĐ-UBND ngày "
        "20/04/2024). Với đơn vị này: chỉ số 61,85% → 80,37%, thứ hạng 4 → 4. Xem phiên bản 2"
    )
    du_lich = client.get(reverse("public:results-unit", args=[2023, "so-du-lich"]) + "?version=1")
    assert "Chỉ số và thứ hạng của đơn vị này không đổi." in part(du_lich, "replaced")
    assert part(client.get(unit_url), "unit-decision") == (
        "Công bố theo Quyết định số 1300/QĐ-UBND ngày 20/04/2024 (phiên bản 2)."
    )


def test_an_earlier_versions_pages_run_a_fixed_number_of_queries(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    correct_y_te(graded_period)
    publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Đính chính")
    counts = {}
    for name, url in (
        ("period", reverse("public:results-period", args=[2023])),
        ("unit", reverse("public:results-unit", args=[2023, "so-y-te"])),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url + "?version=1").status_code == 200
        counts[name] = len(queries.captured_queries)
    # the newest version's 11 (with its signed files, issue 15; the stored page looked up first, issue 12) and 10
    # (with its predecessors; the cache key read with the publication), and the next version's units twice
    assert counts == {"period": 13, "unit": 12}
