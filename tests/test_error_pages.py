"""Error pages speak Vietnamese in the site's own frame, even where Django renders them without a request."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def _title(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="error-title">') + len('data-testid="error-title">')
    return html[start : html.index("</h1>", start)]


@pytest.mark.django_db
def test_an_unknown_address_gets_the_vietnamese_not_found_page(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert _title(response) == "Không tìm thấy trang"
    assert "Địa chỉ bạn mở không tồn tại" in response.content.decode()


def test_a_form_sent_without_its_token_gets_the_vietnamese_expired_form_page(unit_staff):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": unit_staff.username, "password": PASSWORD})
    assert response.status_code == 403
    assert _title(response) == "Biểu mẫu đã hết hiệu lực"
    assert "tải lại trang rồi gửi lại" in response.content.decode()
    # Nothing happened: the person is not signed in.
    assert "_auth_user_id" not in browser.session


def test_a_server_error_gets_the_vietnamese_page_without_the_request(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert _title(response) == "Lỗi máy chủ"
    assert "chưa lưu được gì" in response.content.decode()


@pytest.mark.parametrize(
    ("view", "status", "title"),
    [("bad_request", 400, "Yêu cầu không hợp lệ"), ("permission_denied", 403, "Không có quyền truy cập")],
)
def test_bad_request_and_permission_denied_pages(rf, view, status, title):
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    response = getattr(defaults, view)(rf.get("/"), PermissionDenied())
    assert response.status_code == status
    assert _title(response) == title
