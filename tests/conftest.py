import pytest
from django.db import connection

from accounts.models import Role
from accounts.services import membership_grant
from tests.factories import BlockFactory, UnitFactory, UserFactory
from tests.second_factor import VerifiedClient

PASSWORD = "mat-khau-thu-nghiem"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run only against PostgreSQL (make test with DATABASE_URL, and CI)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://…; CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashers cost ~0.3 s a password by design; tests only need them to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def axes_off(settings):
    """Lockouts are tested in tests/accounts/test_login_security.py; elsewhere client.login has no request."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language (Vietnamese): a request served in English by an earlier test of the
    same worker leaves English active in that thread, and messages built outside a request would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def client():
    """pytest-django's ``client``, but ``force_login`` of staff also passes the second factor (tests/second_factor.py).

    Tests of the second factor itself use a plain ``django.test.Client``.
    """
    return VerifiedClient()


@pytest.fixture
def private_storage(settings, tmp_path):
    """Evidence files of a test go to its own folder."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def departments(db):
    return BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)


@pytest.fixture
def districts(db):
    return BlockFactory(code="districts", name="Khối quận, huyện, thị xã", order=2)


@pytest.fixture
def home_affairs(departments):
    return UnitFactory(code="so-noi-vu", name="Sở Nội vụ", block=departments, is_appraising_agency=True)


@pytest.fixture
def justice(departments):
    return UnitFactory(code="so-tu-phap", name="Sở Tư pháp", block=departments, is_appraising_agency=True)


@pytest.fixture
def finance(departments):
    return UnitFactory(code="so-tai-chinh", name="Sở Tài chính", block=departments)


@pytest.fixture
def ba_dinh(districts):
    return UnitFactory(code="quan-ba-dinh", name="Quận Ba Đình", block=districts)


def make_user(username, *roles, **fields):
    user = UserFactory(username=username, **fields)
    for role, unit in roles:
        membership_grant(user=user, role=role, unit=unit, actor=None)
    user.refresh_from_db()
    return user


@pytest.fixture
def unit_staff(finance):
    return make_user("canbo", (Role.UNIT_STAFF, finance), full_name="Nguyễn Văn An")


@pytest.fixture
def unit_head(finance):
    return make_user("lanhdao", (Role.UNIT_HEAD, finance), full_name="Đỗ Quang Huy")


@pytest.fixture
def other_unit_staff(ba_dinh):
    return make_user("canbo-badinh", (Role.UNIT_STAFF, ba_dinh), full_name="Hoàng Thị Mai")


@pytest.fixture
def appraiser(home_affairs):
    return make_user("thamdinh", (Role.APPRAISER, home_affairs), full_name="Lê Văn Minh")


@pytest.fixture
def justice_appraiser(justice):
    return make_user("tuphap", (Role.APPRAISER, justice), full_name="Phạm Thu Trang")


@pytest.fixture
def coordinator(db):
    return make_user("noivu", (Role.COORDINATOR, None), full_name="Trần Thị Hương")


@pytest.fixture
def council_member(db):
    return make_user("hoidong", (Role.COUNCIL, None), full_name="Vũ Thị Lan")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", full_name="Quản trị hệ thống", is_superuser=True, is_staff=True)


@pytest.fixture(autouse=True)
def empty_cache():
    """The public pages are cached by publication; every test starts with an empty cache (SQLite reuses ids)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
