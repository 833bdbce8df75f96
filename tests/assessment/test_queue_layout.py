"""The appraisers' queue at 1366 px: the criterion's title shortened with the whole text on demand, the unit's
reason for having no evidence and its notes in the queue (the widths themselves: static/css/admin-queue.css,
seen in the browser test)."""

import re

from django.urls import reverse

from assessment.models import Criterion, Score
from tests.assessment.conftest import score_of

QUEUE = reverse("admin:assessment_score_changelist")
LONG_TITLE = (
    "Ban hành kế hoạch cải cách hành chính năm của cơ quan, đơn vị đúng thời hạn, đầy đủ nội dung theo hướng dẫn"
)
LONG_NOTE = "Kế hoạch ban hành ngày 20/12 năm trước; đã gửi Sở Nội vụ qua hệ thống quản lý văn bản và điều hành"


def row_of(html: str, code: str) -> str:
    start = html.index(f'#leaf-{code}">{code}</a>')
    return html[start : html.index("</tr>", start)]


def test_the_queue_shows_the_whole_title_and_the_units_notes_on_demand(client, submitted, appraiser):
    leaf = score_of(submitted, "1.1.1")
    Criterion.objects.filter(pk=leaf.criterion_id).update(title=LONG_TITLE)
    Score.objects.filter(pk=leaf.pk).update(note=LONG_NOTE)
    client.force_login(appraiser)
    html = client.get(QUEUE).content.decode()
    row = row_of(html, "1.1.1")
    assert (
        '<td class="field-title"><details class="queue-more">'
        f'<summary title="{LONG_TITLE}">Ban hành kế hoạch cải cách hành chính năm của cơ quan, đơn vị đúng…'
        f"</summary>{LONG_TITLE}</details></td>"
    ) in row
    assert '<div class="queue-note"><strong>Lý do không có tài liệu:</strong> Hồ sơ giấy lưu tại đơn vị</div>' in row
    assert re.search(
        r'<div class="queue-note"><strong>Ghi chú:</strong> <details class="queue-more"><summary title="[^"]+">'
        r"Kế hoạch ban hành ngày 20/12 năm trước; đã gửi Sở Nội vụ…</summary>" + re.escape(LONG_NOTE),
        row,
    )
    # A short title stays as it is, without a control to open.
    assert '<td class="field-title">Mức độ hoàn thành kế hoạch CCHC năm</td>' in row_of(html, "1.1.2")
    assert '<link href="/static/css/admin-queue.css" media="all" rel="stylesheet">' in html
