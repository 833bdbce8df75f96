"""The admin's own words in natural Vietnamese: ours replace the wrong or literal ones of Django's catalogue."""

import re

from django.urls import reverse

from tests.assessment.conftest import score_of
from tests.assessment.test_admin_appraisal import QUEUE, queue_data


def test_an_invalid_grade_in_the_queue_is_announced_in_vietnamese(client, submitted, appraiser):
    leaf = score_of(submitted, "1.1.1")
    client.force_login(appraiser)
    response = client.post(QUEUE, queue_data(client.get(QUEUE), {leaf.pk: {"appraised_points": "2"}}))
    html = response.content.decode()
    note = html[html.index('<p class="errornote">') :]
    assert (
        " ".join(note[: note.index("</p>")].split())
        == '<p class="errornote"> Vui lòng sửa các lỗi được đánh dấu bên dưới.'
    )
    assert "Please correct" not in html


def test_the_queue_and_the_index_say_sua_and_them(client, submitted, coordinator):
    client.force_login(coordinator)
    index = client.get(reverse("admin:index")).content.decode()
    assert 'class="changelink" aria-describedby="accounts-block">Sửa</a>' in index
    assert 'class="addlink" aria-describedby="accounts-block">Thêm</a>' in index
    assert "Tăng/giảm" not in index and "Thêm vào" not in index and "Không có sẵn" not in index
    queue = client.get(QUEUE).content.decode()
    assert "<title>Chọn điểm để sửa | Chỉ số CCHC</title>" in queue
    units = client.get(reverse("admin:accounts_unit_changelist")).content.decode()
    assert 'alt="Tìm kiếm"' in units and 'class="addlink">\n      Thêm đơn vị\n    </a>' in units


def test_the_success_messages_read_naturally(client, submitted, coordinator):
    from accounts.models import Block

    client.force_login(coordinator)
    block = Block.objects.get(code="departments")
    url = reverse("admin:accounts_block_change", args=[block.pk])
    data = {"code": block.code, "name": block.name, "order": block.order, "_save": "Lưu"}
    response = client.post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f'Đã lưu khối “<a href="{url}">{block.name}</a>”.']


def test_the_yes_no_icons_are_read_in_vietnamese(client, submitted, coordinator):
    client.force_login(coordinator)
    units = client.get(reverse("admin:accounts_unit_changelist")).content.decode()
    icons = set(re.findall(r'<img src="/static/admin/img/icon-(\w+).svg" alt="([^"]*)">', units))
    assert icons == {("yes", "Có")}  # every unit of the fixtures is active and appraises a field
    from django.contrib.admin.templatetags.admin_list import _boolean_icon

    assert [_boolean_icon(value) for value in (True, False, None)] == [
        '<img src="/static/admin/img/icon-yes.svg" alt="Có">',
        '<img src="/static/admin/img/icon-no.svg" alt="Không">',
        '<img src="/static/admin/img/icon-unknown.svg" alt="Chưa rõ">',
    ]


def test_the_admins_scripts_speak_natural_vietnamese(client, coordinator):
    import json

    client.force_login(coordinator)
    script = client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.DOTALL).group(1))
    assert catalog["%(sel)s of %(cnt)s selected"] == ["Đã chọn %(sel)s/%(cnt)s"]
    assert (
        catalog[
            "You have selected an action, and you haven’t made any changes on individual fields. You’re probably "
            "looking for the Go button rather than the Save button."
        ]
        == "Bạn đã chọn một thao tác và chưa sửa gì trong bảng: có lẽ bạn muốn bấm nút Thực hiện chứ không phải "
        "nút Lưu."
    )
    assert (catalog["Available %s"], catalog["Chosen %s"]) == ("%s chưa chọn", "%s đã chọn")
