"""Issue 11, last gaps: maxima as people write them in the portal's messages, the summary, the appraisers' queue
and the self-assessment report; breadcrumbs named in Vietnamese; the unit's difficulties text in the audit trail
said as what happened, not as a move from a status to itself."""

import re
from decimal import Decimal as D

from django.urls import reverse

from assessment.models import AssessmentEvent
from assessment.services import ScoreInput, difficulties_save
from assessment.services.self_assessment import score_problems
from tests.assessment.conftest import complete, publish, score_of

QUEUE = reverse("admin:assessment_score_changelist")


def test_the_self_score_message_writes_the_maximum_as_people_do(assessment):
    leaf = score_of(assessment, "1.1.2")  # maximum 1.50
    row = ScoreInput(score_id=leaf.pk, version=leaf.version, self_points=D("2"))
    assert score_problems(leaf, row)["self_points"] == [
        "Điểm tự đánh giá phải từ 0 đến 1,5, tối đa hai chữ số thập phân."
    ]


def test_the_summary_writes_its_maxima_as_people_do(client, unit_staff, assessment):
    complete(assessment, unit_staff)
    client.force_login(unit_staff)
    html = client.get(reverse("assessment:assessment-summary", args=[assessment.pk])).content.decode()
    table = html[html.index('data-testid="field-totals"') : html.index("</table>", html.index("field-totals"))]
    first = re.search(r"1\. Công tác chỉ đạo[^<]*</a></td>\s*(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', first) == [
        "8,00",
        "8",
        "100,00",
    ]  # 1.6 (2 points) by survey
    projected = table[table.index('data-testid="projected-index"') :]
    assert re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', projected) == ["70,00", "70", "100,00"]


def test_the_queue_writes_the_maximum_beside_the_self_score(client, submitted, appraiser):
    client.force_login(appraiser)
    html = client.get(QUEUE).content.decode()
    start = html.index('#leaf-1.1.2">1.1.2</a>')
    row = html[start : html.index("</tr>", start)]
    assert '<td class="field-self_assessment">1,50 / 1,5</td>' in row


def test_breadcrumbs_are_named_in_vietnamese(client, unit_staff, assessment, graded_period, coordinator):
    client.force_login(unit_staff)
    for name in ("assessment-summary", "assessment-difficulties"):
        html = client.get(reverse(f"assessment:{name}", args=[assessment.pk])).content.decode()
        assert '<nav aria-label="Đường dẫn"><ol class="breadcrumb small">' in html, name
        assert 'aria-label="breadcrumb"' not in html, name
    publish(graded_period, coordinator)
    client.logout()
    for url in (reverse("public:results-period", args=[2023]), reverse("public:results-unit", args=[2023, "so-y-te"])):
        html = client.get(url).content.decode()
        assert 'aria-label="Đường dẫn"' in html, url
        assert 'aria-label="breadcrumb"' not in html, url


def test_the_audit_trail_says_the_difficulties_were_updated(client, unit_staff, assessment, coordinator):
    assert difficulties_save(assessment=assessment, user=unit_staff, text="Thiếu biên chế.", seen="")
    event = AssessmentEvent.objects.get(assessment=assessment)
    assert (event.is_transition, event.what) == (False, "Cập nhật khó khăn, vướng mắc và kiến nghị")
    client.force_login(coordinator)
    html = client.get(reverse("admin:assessment_assessment_audit", args=[assessment.pk])).content.decode()
    events = html[html.index('data-testid="audit-events"') : html.index("</table>", html.index("audit-events"))]
    assert (
        '<td>Nguyễn Văn An</td><td colspan="2">Cập nhật khó khăn, vướng mắc và kiến nghị</td>'
        "<td>Khó khăn, vướng mắc và kiến nghị: Thiếu biên chế.</td>"
    ) in events
    assert "Nháp</td><td>Nháp" not in events


def test_a_transition_still_reads_from_and_to(submitted):
    event = AssessmentEvent.objects.get(assessment=submitted)
    assert (event.is_transition, event.what) == (True, "Nháp → Đã gửi")
